"""Greenhouse custom fields as "ATS Field Id"s: `level:name_key`, and values fit for each type.

The level (candidate or application) says which record a value is written to; the `name_key`
is Greenhouse's stable key for setting values, and survives renames. Only the value types that
can hold a score, a recommendation or a link are offered and written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from greenhouse.unconfirmed import SELECT_TAKES_OPTION_ID

SHORT_TEXT_LIMIT = 254
ELLIPSIS = "…"
_NAME_KEY = re.compile(r"\A[a-z0-9_]{1,255}\Z")


class Level(StrEnum):
    CANDIDATE = "candidate"
    APPLICATION = "application"


class ValueType(StrEnum):
    NUMBER = "number"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    URL = "url"
    SINGLE_SELECT = "single_select"


WRITABLE_VALUE_TYPES = frozenset(ValueType)


class FieldValueError(ValueError):
    """The value cannot be written to a field of this type; the message says why."""


@dataclass(frozen=True)
class FieldId:
    level: Level
    name_key: str

    def __str__(self) -> str:
        return f"{self.level}:{self.name_key}"


def parse_field_id(text: str) -> FieldId:
    """`candidate:harver_score` → FieldId; raises ValueError naming what is wrong."""
    level, separator, name_key = text.strip().partition(":")
    levels = " or ".join(f'"{item}"' for item in Level)
    if not separator:
        raise ValueError(
            f'A Greenhouse field id is "level:name_key", with level {levels}; got "{text}".'
        )
    if level not in set(Level):
        raise ValueError(f'The level of "{text}" must be {levels}.')
    if not _NAME_KEY.match(name_key):
        raise ValueError(
            f'The name_key of "{text}" must be lowercase letters, digits and underscores.'
        )
    return FieldId(Level(level), name_key)


def field_value(
    value_type: str, value: str | int | float, options: Mapping[str, int] | None = None
) -> str | int:
    """`value` as a field of `value_type` takes it; raises FieldValueError when it cannot.

    number: an integer (scores are 0 to 100); short_text: at most 254 characters, a longer text cut
    with "…"; long_text: the text; url: an absolute http(s) link; single_select: the id of the
    option whose name is exactly the value.
    """
    if value_type == ValueType.NUMBER:
        return _number(value)
    text = str(value)
    if value_type == ValueType.SHORT_TEXT:
        if len(text) > SHORT_TEXT_LIMIT:
            return text[: SHORT_TEXT_LIMIT - len(ELLIPSIS)] + ELLIPSIS
        return text
    if value_type == ValueType.LONG_TEXT:
        return text
    if value_type == ValueType.URL:
        parts = urlsplit(text)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise FieldValueError(f'"{text}" is not an absolute link.')
        return text
    if value_type == ValueType.SINGLE_SELECT:
        option_id = (options or {}).get(text)
        if option_id is None:
            raise FieldValueError(f'The field has no option named "{text}".')
        return option_id if SELECT_TAKES_OPTION_ID else text
    raise FieldValueError(f'A field of type "{value_type}" cannot hold a Harver value.')


def _number(value: str | int | float) -> int:
    if isinstance(value, bool):
        raise FieldValueError("A number field takes a number.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FieldValueError(f'"{value}" is not a number.') from None
    if not math.isfinite(number):
        raise FieldValueError(f'"{value}" is not a number.')
    return round(number)
