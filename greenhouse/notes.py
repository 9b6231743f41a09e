"""The activity-feed note of a completed result, and its marker.

Notes are not idempotent in Greenhouse, so every note ends with `[harver:<result id>]`: after a
time-out or a server error the sender lists the candidate's notes and posts only when none
carries the marker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def marker(result_id: str) -> str:
    return f"[harver:{result_id}]"


def note_text(
    *,
    assessment_name: str,
    recommendation: str,
    score: int | None,
    summary: str,
    links: Sequence[tuple[str, str]],
    result_id: str,
) -> str:
    """Plain text: the recommendation and score, the summary, one report link a line, the marker."""
    score_text = "" if score is None else f", matching score {score}/100"
    lines = [f'Harver assessment "{assessment_name}" completed: {recommendation}{score_text}.']
    if summary:
        lines.append(summary)
    lines.extend(f"{label}: {url}" for label, url in links)
    lines.append(marker(result_id))
    return "\n".join(lines)


def note_with_marker(notes: Iterable[Mapping[str, Any]], result_id: str) -> str | None:
    """The id of a note whose body carries this result's marker, or None."""
    wanted = marker(result_id)
    for note in notes:
        body = note.get("body")
        if isinstance(body, str) and wanted in body:
            return str(note.get("id", ""))
    return None
