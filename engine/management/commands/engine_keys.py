"""`manage.py engine_keys`: create, list and revoke the external engine's API keys from a shell.

A new key is printed once, on creation (only its hash is stored). `--json` prints one JSON
object on stdout; a refusal exits non-zero with the problem named on stderr.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Account
from engine import keys
from engine.models import EngineApiKey
from harver_integration import history
from harver_integration.ids import id_argument


def _key_data(api_key: EngineApiKey) -> dict[str, Any]:
    return {
        "id": api_key.pk,
        "account_id": api_key.account_id,
        "account": api_key.account.name,
        "name": api_key.name,
        "key_last4": api_key.key_last4,
        "active": api_key.is_active,
        "created_at": api_key.created_at.isoformat(),
        "last_used_at": api_key.last_used_at.isoformat() if api_key.last_used_at else None,
        "revoked_at": api_key.revoked_at.isoformat() if api_key.revoked_at else None,
    }


def _line(data: dict[str, Any]) -> str:
    state = "active" if data["active"] else f"revoked {data['revoked_at']}"
    name = f" {data['name']!r}" if data["name"] else ""
    used = data["last_used_at"] or "never"
    return (
        f"{data['id']}:{name} …{data['key_last4']} of {data['account']} "
        f"(account {data['account_id']}), {state}, last used {used}"
    )


class Command(BaseCommand):
    help = "Create, list and revoke API keys of the external Harver assessment engine."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

        create = subcommands.add_parser("create", help="Create a key; prints it once.")
        create.add_argument(
            "--account", type=id_argument, required=True, metavar="ID", help="The account's id."
        )
        create.add_argument("--name", default="", help="What uses the key, for the admins.")
        create.add_argument("--json", action="store_true", help="Print one JSON object.")

        listing = subcommands.add_parser("list", help="List keys (never their secret).")
        listing.add_argument(
            "--account", type=id_argument, metavar="ID", help="Only this account's keys."
        )
        listing.add_argument("--json", action="store_true", help="Print one JSON object.")

        revoke = subcommands.add_parser("revoke", help="Revoke a key at once.")
        revoke.add_argument("key_id", type=id_argument, metavar="KEY_ID", help="The key's id.")
        revoke.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = {"create": self.create, "list": self.list_keys, "revoke": self.revoke}
        with history.command_line_actor():
            handler[options["subcommand"]](options)

    def create(self, options: dict[str, Any]) -> None:
        account = Account.objects.filter(pk=options["account"]).first()
        if account is None:
            raise CommandError(f"No account with id {options['account']}.")
        issued = keys.issue_key(account, name=options["name"])
        data = {**_key_data(issued.api_key), "key": issued.key}
        self.emit(
            options,
            data,
            [
                f"Created engine API key {issued.api_key.pk} for {account}.",
                f"Key (shown only now): {issued.key}",
            ],
        )

    def list_keys(self, options: dict[str, Any]) -> None:
        api_keys = EngineApiKey.objects.select_related("account").order_by("account_id", "pk")
        if options["account"] is not None:
            if not Account.objects.filter(pk=options["account"]).exists():
                raise CommandError(f"No account with id {options['account']}.")
            api_keys = api_keys.filter(account_id=options["account"])
        rows = [_key_data(api_key) for api_key in api_keys]
        self.emit(options, {"keys": rows}, [_line(row) for row in rows] or ["No engine API keys."])

    def revoke(self, options: dict[str, Any]) -> None:
        api_key = (
            EngineApiKey.objects.select_related("account").filter(pk=options["key_id"]).first()
        )
        if api_key is None:
            raise CommandError(f"No engine API key with id {options['key_id']}.")
        revoked_now = keys.revoke_key(api_key)
        data = {**_key_data(api_key), "revoked_now": revoked_now}
        message = (
            f"Revoked engine API key {api_key.pk}."
            if revoked_now
            else f"Engine API key {api_key.pk} was already revoked; nothing changed."
        )
        self.emit(options, data, [message])

    def emit(self, options: dict[str, Any], data: dict[str, Any], lines: list[str]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(data))
        else:
            self.stdout.write("\n".join(lines))
