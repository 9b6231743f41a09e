"""The rules of deadlines and reminders, in one place and free of the database.

An invitation's deadline is its `expires_at`: the assessment's completion window from when it
was created, or the date an admin extended it to. Reminders are the assessment's rules: hours
before the deadline (several allowed) and days after the invitation email (one). A reminder
goes when it is due, only while the invitation is live and its deadline is ahead, and never
one that came due before the invitation email went out (it would only repeat that email).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

MAX_REMINDERS_BEFORE = 5


@dataclass(frozen=True)
class DueReminder:
    rule: str
    due_at: datetime.datetime


def parse_reminder_hours(text: str) -> list[int]:
    """ "48,24" → [48, 24]; blank → []. Raises ValueError naming the part that is no number."""
    hours: list[int] = []
    for part in text.split(","):
        digits = part.strip()
        if not digits:
            continue
        if not digits.isascii() or not digits.isdigit() or len(digits) > 5:
            raise ValueError(f"'{digits}' is not a whole number of hours.")
        hours.append(int(digits))
    return hours


def reminder_hours_problem(hours: object, completion_days: int) -> str | None:
    """Why these hours-before-the-deadline cannot be the assessment's reminders, or None."""
    if not isinstance(hours, list) or not all(
        isinstance(hour, int) and not isinstance(hour, bool) for hour in hours
    ):
        return "Give the reminders as whole numbers of hours, e.g. 48, 24."
    if len(hours) > MAX_REMINDERS_BEFORE:
        return f"At most {MAX_REMINDERS_BEFORE} reminders before the deadline."
    if len(set(hours)) != len(hours):
        return "Each reminder's hours may be given once."
    window_hours = completion_days * 24
    for hour in hours:
        if not 1 <= hour < window_hours:
            return (
                f"A reminder {hour} hour(s) before the deadline is outside the completion "
                f"window: give 1 to {window_hours - 1}."
            )
    return None


def due_reminders(
    *,
    hours_before: Iterable[int],
    days_after: int | None,
    invitation_sent_at: datetime.datetime | None,
    deadline: datetime.datetime,
    now: datetime.datetime,
) -> list[DueReminder]:
    """The reminders of one live invitation that should have gone by `now`, oldest first."""
    if invitation_sent_at is None or now >= deadline:
        return []
    candidates = [
        DueReminder(f"{hours}h-before", deadline - datetime.timedelta(hours=hours))
        for hours in hours_before
    ]
    if days_after:
        candidates.append(
            DueReminder(
                f"{days_after}d-after", invitation_sent_at + datetime.timedelta(days=days_after)
            )
        )
    return sorted(
        (
            reminder
            for reminder in candidates
            if invitation_sent_at < reminder.due_at <= now and reminder.due_at < deadline
        ),
        key=lambda reminder: reminder.due_at,
    )
