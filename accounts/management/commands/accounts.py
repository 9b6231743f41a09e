"""`manage.py accounts`: create and list customer accounts, and set who at the customer is told
about integration issues, from a shell or a script.

Support onboards customers before anyone opens the admin; scripts read `--json` (one object on
stdout). Refusals exit non-zero with every problem named on stderr.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.models import Account
from harver_integration import history
from harver_integration.ids import id_argument


class Command(BaseCommand):
    help = "Create and list Harver customer accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

        create = subcommands.add_parser("create", help="Create an account.")
        create.add_argument("name", metavar="NAME", help="The customer's name; unique, any case.")
        create.add_argument(
            "--member",
            dest="members",
            action="append",
            default=[],
            metavar="USERNAME",
            help="A staff user who may see and configure the account; repeat for more.",
        )
        create.add_argument("--json", action="store_true", help="Print one JSON object.")

        listing = subcommands.add_parser("list", help="List every account.")
        listing.add_argument("--json", action="store_true", help="Print one JSON object.")

        contacts = subcommands.add_parser(
            "set-contacts",
            help="Set who at the customer receives the integration issue mails (replaces them).",
        )
        contacts.add_argument("id", type=id_argument, metavar="ID", help="The account's id.")
        which = contacts.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--email",
            dest="emails",
            action="append",
            metavar="ADDRESS",
            help="A contact's email address; repeat for more.",
        )
        which.add_argument("--clear", action="store_true", help="Remove every contact.")
        contacts.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        with history.command_line_actor():
            if options["subcommand"] == "create":
                self.create_account(options)
            elif options["subcommand"] == "set-contacts":
                self.set_contacts(options)
            else:
                self.list_accounts(options)

    def create_account(self, options: dict[str, Any]) -> None:
        try:
            account = services.create_account(options["name"], member_usernames=options["members"])
        except services.AccountError as error:
            raise CommandError("\n".join(error.problems)) from error
        data = _account_data(account)
        self.emit(options, data, [f"Created account {account.pk}: {account.name}", _members(data)])

    def set_contacts(self, options: dict[str, Any]) -> None:
        account = Account.objects.filter(pk=options["id"]).first()
        if account is None:
            raise CommandError(f"No account with id {options['id']}.")
        try:
            contacts = services.set_contacts(account, options["emails"] or [])
        except services.AccountError as error:
            raise CommandError("\n".join(error.problems)) from error
        emails = [contact.email for contact in contacts]
        line = f"Contacts of account {account.pk} ({account.name}): {', '.join(emails) or 'none'}"
        self.emit(options, {"id": account.pk, "contacts": emails}, [line])

    def list_accounts(self, options: dict[str, Any]) -> None:
        accounts = Account.objects.prefetch_related("members", "integrations", "assessments")
        rows = [
            _account_data(account)
            | {
                "integrations": len(account.integrations.all()),
                "assessments": len(account.assessments.all()),
            }
            for account in accounts
        ]
        lines = [
            f"{row['id']}: {row['name']} ({row['integrations']} integration(s), "
            f"{row['assessments']} assessment(s)); {_members(row)}"
            for row in rows
        ] or ["No accounts."]
        self.emit(options, {"accounts": rows}, lines)

    def emit(self, options: dict[str, Any], data: dict[str, Any], lines: list[str]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(data))
        else:
            self.stdout.write("\n".join(lines))


def _account_data(account: Account) -> dict[str, Any]:
    return {
        "id": account.pk,
        "name": account.name,
        "members": sorted(member.username for member in account.members.all()),
    }


def _members(data: dict[str, Any]) -> str:
    return f"members: {', '.join(data['members']) or 'none'}"
