"""The registry of apps holding candidates' personal data, and what each is handed.

An app registers one `Holder` in its `AppConfig.ready` (as status listeners are registered in
`assessments.lifecycle`). Exports and removals call every registered holder, then the
assessments' own rows, so a removal clears the rows pointing at a candidate assessment before
the candidate assessment itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.models import Account


@dataclass(frozen=True)
class Removal:
    """Candidate assessments whose personal data goes, and what identifies those candidates.

    `values` are the candidates' emails, names, phone numbers and resume URLs: a holder replaces
    them in free text it keeps. On `erasure` (a candidate's request) a holder also searches its
    rows of the account for them; the retention job (`erasure` false) removes by reference and
    by age only.
    """

    account: Account
    candidate_assessment_ids: list[int]
    values: list[str]
    erasure: bool
    now: datetime.datetime


@dataclass(frozen=True)
class Holder:
    """`export` returns the holder's data about candidate assessments (JSON-ready) under its
    name; `remove` removes it and returns how many rows of each kind it changed."""

    name: str
    export: Callable[[list[int]], dict[str, Any]]
    remove: Callable[[Removal], dict[str, int]]


_holders: list[Holder] = []


def register_holder(holder: Holder) -> None:
    """Registering the same holder twice is a no-op."""
    if holder not in _holders:
        _holders.append(holder)


def registered_holders() -> list[Holder]:
    return list(_holders)
