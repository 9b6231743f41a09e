"""The assessments' own rows about candidates: the candidate assessment, its answers, status
history and links. Exported in full; on removal the personal fields go, the rest stays.

Retention keeps the result (scores, recommendation, duration) and the answers: statistics that
identify nobody once the candidate's details are gone. An erasure also drops the result and the
answers, gives the row a new public id (the ATS's reference to it is gone) and closes a live
invitation, so no sweeper, reminder or email ever works on it again; its links then say that the
data was erased.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from assessments.models import Answer, CandidateAssessment, CandidateAssessmentEvent, CandidateLink
from assessments.personal_data.holders import Removal

Status = CandidateAssessment.Status
LIVE_STATUSES = (Status.PENDING, Status.STARTED)
ERASURE_SOURCE = "erasure"

PERSONAL_FIELDS = {
    "email": "",
    "first_name": "",
    "last_name": "",
    "phone": "",
    "resume_url": "",
    "summary": "",
}
RESULT_FIELDS: dict[str, Any] = {
    "score": None,
    "recommendation": "",
    "competency_scores": {},
    "duration": None,
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(candidate_assessments: QuerySet[CandidateAssessment]) -> list[dict[str, Any]]:
    rows = candidate_assessments.select_related("assessment").prefetch_related(
        "events", "links", "answers__item__competency"
    )
    return [
        {
            "id": row.pk,
            "assessment_id": str(row.public_id),
            "assessment": {"id": row.assessment_id, "name": row.assessment.name},
            "email": row.email,
            "first_name": row.first_name,
            "last_name": row.last_name,
            "phone": row.phone,
            "resume_url": row.resume_url,
            "status": row.status,
            "created_at": _iso(row.created_at),
            "expires_at": _iso(row.expires_at),
            "invitation_sent_at": _iso(row.invitation_sent_at),
            "terms_accepted_at": _iso(row.terms_accepted_at),
            "started_at": _iso(row.started_at),
            "completed_at": _iso(row.completed_at),
            "result": {
                "score": row.score,
                "recommendation": row.recommendation,
                "competency_scores": row.competency_scores,
                "summary": row.summary,
                "duration_seconds": row.duration.total_seconds() if row.duration else None,
            },
            "status_history": [
                {"status": event.status, "source": event.source, "at": _iso(event.occurred_at)}
                for event in row.events.all()
            ],
            "answers": [
                {
                    "competency": answer.item.competency.name,
                    "statement": answer.item.text,
                    "value": answer.value,
                    "answered_at": _iso(answer.updated_at),
                }
                for answer in row.answers.all()
            ],
            "links": [
                {"issued_to": link.issued_to, "created_at": _iso(link.created_at)}
                for link in row.links.all()
            ],
        }
        for row in rows
    ]


def remove(removal: Removal) -> dict[str, int]:
    ids = removal.candidate_assessment_ids
    rows = CandidateAssessment.objects.filter(pk__in=ids)
    counts: dict[str, int] = {}
    if removal.erasure:
        live = list(rows.filter(status__in=LIVE_STATUSES).values_list("pk", flat=True))
        CandidateAssessmentEvent.objects.bulk_create(
            CandidateAssessmentEvent(
                candidate_assessment_id=pk,
                status=Status.REJECTED,
                source=ERASURE_SOURCE,
                occurred_at=removal.now,
            )
            for pk in live
        )
        rows.filter(pk__in=live).update(status=Status.REJECTED)
        counts["live invitations closed"] = len(live)
        counts["answers deleted"] = Answer.objects.filter(candidate_assessment_id__in=ids).delete()[
            0
        ]
        for pk in ids:
            # The ATS knew the old id; nothing left here may lead back to the candidate.
            rows.filter(pk=pk).update(public_id=uuid.uuid4())
        counts["candidate links closed"] = CandidateLink.objects.filter(
            candidate_assessment_id__in=ids
        ).count()
    changes: dict[str, Any] = {
        **PERSONAL_FIELDS,
        "anonymised_at": removal.now,
        "updated_at": removal.now,
    }
    if removal.erasure:
        changes.update(RESULT_FIELDS, erased_at=removal.now)
    counts["candidate assessments anonymised"] = rows.update(**changes)
    return counts
