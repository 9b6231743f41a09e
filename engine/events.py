"""Applying one engine event: the same status seam as the candidate pages, at most once per id.

The event row is inserted first, in the same transaction as the status change: a second request
with the same `event_id` (a retry, or the same event sent twice at once) hits the unique
constraint and is answered with what the first one got, without touching the assessment.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments import scoring
from assessments.lifecycle import Result, StatusTransitionError, record_status
from assessments.models import CandidateAssessment
from engine.models import EngineApiKey, EngineEvent
from harver_integration.api import error_body

ENGINE_SOURCE = "engine"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def fingerprint(candidate_assessment: CandidateAssessment, payload: Any) -> str:
    canonical = json.dumps(
        {"assessment_id": str(candidate_assessment.public_id), "body": payload},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def apply_event(
    api_key: EngineApiKey,
    candidate_assessment: CandidateAssessment,
    data: dict[str, Any],
    payload: Any,
) -> Outcome:
    """Record the event's status change once; `data` is the validated body, `payload` the raw."""
    event_fingerprint = fingerprint(candidate_assessment, payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = EngineEvent.objects.create(
                    account_id=api_key.account_id,
                    event_id=data["event_id"],
                    candidate_assessment=candidate_assessment,
                    api_key=api_key,
                    type=data["type"],
                    payload=payload,
                    fingerprint=event_fingerprint,
                    response_status=0,
                    response_body={},
                )
        except IntegrityError:
            return _replay(api_key, data["event_id"], event_fingerprint)
        outcome = _record(candidate_assessment, data)
        event.response_status = outcome.status
        event.response_body = outcome.body
        event.save(update_fields=["response_status", "response_body"])
    return outcome


def _replay(api_key: EngineApiKey, event_id: str, event_fingerprint: str) -> Outcome:
    first = EngineEvent.objects.get(account_id=api_key.account_id, event_id=event_id)
    if first.fingerprint != event_fingerprint:
        return Outcome(
            409,
            error_body(
                409,
                f"The event_id '{event_id}' was already used for a different event; give each "
                "event its own event_id.",
            ),
        )
    return Outcome(first.response_status, first.response_body, replayed=True)


def _result(candidate_assessment: CandidateAssessment, data: dict[str, Any]) -> Result:
    given = data["result"]
    recommendation = CandidateAssessment.Recommendation(given["recommendation"])
    duration = given.get("duration")
    if duration is None:
        ended = data.get("occurred_at") or timezone.now()
        duration = max(ended - (candidate_assessment.started_at or ended), datetime.timedelta(0))
    return Result(
        score=given["score"],
        recommendation=recommendation.value,
        competency_scores=given["competency_scores"],
        summary=given.get("summary")
        or scoring.summary_for(recommendation, given["competency_scores"]),
        duration=duration,
    )


def _record(candidate_assessment: CandidateAssessment, data: dict[str, Any]) -> Outcome:
    kind = EngineEvent.Type(data["type"])
    result = _result(candidate_assessment, data) if kind == EngineEvent.Type.COMPLETED else None
    try:
        change = record_status(
            candidate_assessment.pk,
            kind.value,
            source=ENGINE_SOURCE,
            result=result,
            at=data.get("occurred_at"),
        )
    except StatusTransitionError as error:
        return Outcome(409, error_body(409, str(error)))
    current = change.current if change else kind.value
    return Outcome(
        200,
        {
            "event_id": data["event_id"],
            "assessment_id": str(candidate_assessment.public_id),
            "type": kind.value,
            "status": str(current),
            "changed": change is not None,
        },
    )
