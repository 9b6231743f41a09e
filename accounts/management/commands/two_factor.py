"""`manage.py two_factor`: support's view of a staff user's two-factor sign-in, and its reset.

A user who lost their authenticator app cannot sign in; after support has confirmed who they
are, `reset` removes their devices and they set up a new app at their next sign-in. Lockouts
are django-axes' own commands (`axes_reset_username`, `axes_reset_ip`; docs/security.md).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import StaffTOTPDevice


class Command(BaseCommand):
    help = "Show or reset a staff user's two-factor sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, text in (
            ("status", "Whether the user has an authenticator app set up."),
            ("reset", "Remove the user's authenticator apps: they set up a new one next time."),
        ):
            subcommand = subcommands.add_parser(name, help=text)
            subcommand.add_argument("username", metavar="USERNAME")
            subcommand.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        devices = StaffTOTPDevice.objects.filter(user=user)
        if options["subcommand"] == "reset":
            removed, _by_model = devices.delete()
            data = {"username": username, "devices_removed": removed, "two_factor": False}
            line = (
                f"Removed {removed} two-factor device(s) of {username}; "
                "they set up a new authenticator app at their next sign-in."
            )
        else:
            confirmed = devices.filter(confirmed=True).first()
            data = {
                "username": username,
                "two_factor": confirmed is not None,
                "last_used_at": confirmed.last_used_at.isoformat()
                if confirmed and confirmed.last_used_at
                else None,
            }
            line = f"{username}: two-factor sign-in " + (
                "on" if confirmed is not None else "not set up"
            )
        self.stdout.write(json.dumps(data) if options["json"] else line)
