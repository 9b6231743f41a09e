"""`manage.py candidates`: what support does for one candidate of one account, found by email.

Every subcommand takes `--email` and `--account` (the account's id or its exact name), names
what it did, and exits non-zero naming the problem when it cannot. `reinvite` and `extend` live
in `assessments.candidate_commands.invitations`.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Account
from assessments.candidate_commands import invitations
from assessments.personal_data import rights
from harver_integration import history
from harver_integration.ids import parse_id


def account_named(reference: str) -> Account:
    """The account with this id, or else with this name (ignoring case)."""
    account_id = parse_id(reference.strip())
    account = (
        Account.objects.filter(pk=account_id).first()
        if account_id is not None
        else Account.objects.filter(name__iexact=reference.strip()).first()
    )
    if account is None:
        raise CommandError(f"No account with id or name '{reference}'.")
    return account


class Command(BaseCommand):
    help = "Export or erase one candidate's personal data; re-invite them or extend a deadline."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, description in (
            ("export", "Print everything held about the candidate as JSON on stdout."),
            ("erase", "Erase everything personal about the candidate; print the receipt."),
            *invitations.HELP.items(),
        ):
            subcommand = subcommands.add_parser(name, help=description)
            subcommand.add_argument("--email", required=True, help="The candidate's email.")
            subcommand.add_argument(
                "--account", required=True, metavar="ACCOUNT", help="The account's id or name."
            )
            if name in invitations.HELP:
                invitations.add_arguments(name, subcommand)

    def handle(self, *args: Any, **options: Any) -> None:
        account = account_named(options["account"])
        if options["subcommand"] in invitations.HELP:
            with history.command_line_actor():
                invitations.run(options["subcommand"], self, account, options)
            return
        handler = getattr(self, f"handle_{options['subcommand']}")
        with history.command_line_actor():
            try:
                handler(account, options["email"])
            except rights.NoPersonalData as error:
                raise CommandError(str(error)) from error

    def handle_export(self, account: Account, email: str) -> None:
        data = rights.export_candidate(account, email, actor=history.command_line_actor_name())
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        self.stderr.write(
            f"Exported {len(data['candidate_assessments'])} candidate assessment(s) of {email} "
            f"in {account}."
        )

    def handle_erase(self, account: Account, email: str) -> None:
        receipt = rights.erase_candidate(account, email, actor=history.command_line_actor_name())
        self.stdout.write(
            "\n".join(
                [
                    f"Erased the personal data of {len(receipt.record.candidate_assessment_ids)} "
                    f"candidate assessment(s) of {email} in {account} "
                    f"(receipt {receipt.record.pk}, {receipt.record.performed_at.isoformat()}):",
                    *receipt.lines(),
                ]
            )
        )
