"""Subcommands of `manage.py candidates` that act on a candidate's invitations, kept apart from
the command's personal-data subcommands so each concern reads alone."""
