"""Replacing a candidate's identifying values inside free text and JSON that is otherwise kept."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

ERASED = "[erased]"
# Shorter values (an initial, "Li") would cut through unrelated words.
MIN_VALUE_LENGTH = 2


def identifying_values(*values: str) -> list[str]:
    """The distinct non-trivial values, longest first, so a full name goes before its parts."""
    kept = {value.strip() for value in values if len(value.strip()) >= MIN_VALUE_LENGTH}
    return sorted(kept, key=lambda value: (-len(value), value))


def redact(value: Any, values: Sequence[str]) -> Any:
    """`value` (text, or JSON made of dicts, lists and text) with every value replaced,
    ignoring case."""
    if not values:
        return value
    pattern = re.compile("|".join(re.escape(text) for text in values), re.IGNORECASE)
    return _redact(value, pattern)


def _redact(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {_redact(key, pattern): _redact(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, pattern) for item in value]
    return value
