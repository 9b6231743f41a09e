"""What no JSON body we accept may hold, whoever parses it: deep nesting, NUL, lone surrogates.

Kept free of DRF so that an endpoint that parses its body itself (e.g. to check a signature
over the raw bytes first) can ask the same question as the API's parser, at import time too.
"""

from __future__ import annotations

from typing import Any

# No body of ours nests deeper than a few levels; Python's parser would overflow its stack first.
MAX_NESTING = 32


def _storable(text: str) -> bool:
    """PostgreSQL stores no NUL character, and UTF-8 no unpaired surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unacceptable_json(data: Any) -> str | None:
    """Why a parsed JSON body cannot be processed or stored (nested too deep, a NUL character,
    an unpaired surrogate), or None; walks it without recursion. Any endpoint that parses a body
    itself (e.g. to check a signature over the raw bytes first) asks this too."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list) and depth > MAX_NESTING:
            return f"The request body is nested more than {MAX_NESTING} levels deep."
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and not _storable(value):
            return "The request body contains a NUL character or an unpaired surrogate."
    return None
