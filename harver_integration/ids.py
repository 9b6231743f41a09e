"""Ids typed by people or sent by callers, parsed the one way every entry point shares.

`str.isdigit()` accepts "²" and "٣", which `int()` then refuses or reads as another number, and
a long run of digits overflows the database's bigint (PostgreSQL raises rather than finding
nothing). An id is therefore ASCII decimal digits only, at least 1 and at most the largest
bigint.
"""

from __future__ import annotations

import argparse

MAX_ID = 2**63 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))


def parse_id(text: str | None) -> int | None:
    """The positive id `text` spells in ASCII digits, or None when it spells none."""
    if not text or len(text) > _MAX_ID_DIGITS or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def id_argument(text: str) -> int:
    """`parse_id` as an argparse type: the commands' id arguments refuse what it refuses."""
    value = parse_id(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not an id (a positive whole number).")
    return value
