"""What the assessment engine's side keeps about candidates: the events it sent, with their bodies
and our answers. Exported in full; on removal the rows stay (a repeated event id still gets its
answer's status) but lose their bodies."""

from __future__ import annotations

from typing import Any

from assessments.personal_data.holders import Holder, Removal
from engine.models import EngineEvent


def export(candidate_assessment_ids: list[int]) -> dict[str, Any]:
    events = EngineEvent.objects.filter(candidate_assessment_id__in=candidate_assessment_ids)
    return {
        "engine_events": [
            {
                "candidate_assessment": event.candidate_assessment_id,
                "event_id": event.event_id,
                "type": event.type,
                "received_at": event.received_at.isoformat(),
                "body": event.payload,
                "answer": event.response_body,
            }
            for event in events.order_by("received_at", "pk")
        ]
    }


def remove(removal: Removal) -> dict[str, int]:
    cleared = EngineEvent.objects.filter(
        candidate_assessment_id__in=removal.candidate_assessment_ids
    ).update(payload={}, response_body={})
    return {"engine event bodies removed": cleared}


HOLDER = Holder(name="engine", export=export, remove=remove)
