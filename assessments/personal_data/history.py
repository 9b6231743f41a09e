"""The configuration history (django-auditlog) about candidates: its entries keep the action, who
did it and when, but not the candidate's details.

Entries are found by the object they are about (a candidate assessment or one of its
deliveries) and, on erasure, by the candidate's email anywhere in the entry; each found entry has
the candidate's values replaced wherever it names them.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from assessments.models import CandidateAssessment
from assessments.personal_data.holders import Removal
from assessments.personal_data.redaction import redact

REDACTED_FIELDS = ("object_repr", "changes_text", "changes", "serialized_data", "additional_data")


def _about(candidate_assessment_ids: list[int]) -> Q:
    return Q(
        content_type=ContentType.objects.get_for_model(CandidateAssessment),
        object_pk__in=[str(pk) for pk in candidate_assessment_ids],
    )


def export(candidate_assessment_ids: list[int]) -> list[dict[str, Any]]:
    entries = LogEntry.objects.filter(_about(candidate_assessment_ids)).order_by("timestamp", "pk")
    return [
        {
            "candidate_assessment": int(entry.object_pk),
            "at": entry.timestamp.isoformat(),
            "action": entry.get_action_display(),
            "changes": entry.changes,
            "by": entry.actor_email or "",
        }
        for entry in entries
    ]


def remove(removal: Removal) -> dict[str, int]:
    found = _about(removal.candidate_assessment_ids)
    if removal.erasure:
        for value in removal.values:
            if "@" in value:
                found |= (
                    Q(object_repr__icontains=value)
                    | Q(changes_text__icontains=value)
                    | Q(changes__icontains=value)
                    | Q(serialized_data__icontains=value)
                    | Q(additional_data__icontains=value)
                )
    changed = 0
    for entry in LogEntry.objects.filter(found):
        before = [getattr(entry, field) for field in REDACTED_FIELDS]
        for field in REDACTED_FIELDS:
            setattr(entry, field, redact(getattr(entry, field), removal.values))
        if [getattr(entry, field) for field in REDACTED_FIELDS] != before:
            entry.save(update_fields=list(REDACTED_FIELDS))
            changed += 1
    return {"history entries redacted": changed}
