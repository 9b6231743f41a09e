"""Dates typed on the command line, parsed the one way every command shares."""

from __future__ import annotations

import argparse
import datetime


def iso_date(value: str) -> datetime.date:
    """An argparse type for YYYY-MM-DD that names the value it refuses."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a date in the form YYYY-MM-DD."
        ) from None
