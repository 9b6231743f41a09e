#!/usr/bin/env python3
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands that read only the models, never a secret: on a fresh clone without `.env` they run
# with the development defaults instead of refusing for want of SECRET_KEY (CI and hooks run
# `makemigrations --check` that way). Everything else still needs the real secrets.
SECRETLESS_COMMANDS = frozenset({"makemigrations"})


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harver_integration.settings")
    if len(sys.argv) > 1 and sys.argv[1] in SECRETLESS_COMMANDS:
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
