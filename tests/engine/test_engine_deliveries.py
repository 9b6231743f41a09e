"""An engine event causes what a status change owes Workable, once, and a refusal causes nothing.

The status seam in one test: the engine's `completed` is written to the outbox in the event's
own transaction, exactly as the candidate pages' submit is.
"""

from __future__ import annotations

from rest_framework.test import APIClient

from engine import keys
from integrations.models import Delivery
from tests.engine.conftest import events_url
from tests.workable.delivery_support import Setup, invited_fixture  # noqa: F401

COMPLETED = {
    "event_id": "evt-9",
    "type": "completed",
    "result": {
        "score": 82,
        "recommendation": "great_fit",
        "competency_scores": {"Conscientiousness": 88, "Agreeableness": 79},
        "summary": "Great fit. Strongest: Conscientiousness (88).",
        "duration": "00:41:17",
    },
}


def engine_client(invited: Setup) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {keys.issue_key(invited.integration.account).key}"
    )
    return client


def test_a_completed_event_owes_workable_the_result_once(invited: Setup) -> None:
    client = engine_client(invited)
    url = events_url(invited.candidate_assessment)
    before = len(invited.deliveries())

    response = client.post(url, COMPLETED, format="json")
    owed = invited.deliveries()
    again = client.post(url, COMPLETED, format="json")

    assert response.status_code == again.status_code == 200
    assert len(owed) > before
    [status] = [
        delivery
        for delivery in owed
        if delivery.kind == Delivery.Kind.STATUS and delivery.payload["status"] == "completed"
    ]
    assert status.payload["assessment"] == {
        "score": "82",
        "grade": "excelled",
        "summary": "Great fit. Strongest: Conscientiousness (88).",
        "details": {"Conscientiousness": 88, "Agreeableness": 79},
        "duration": "00:41:17",
    }
    assert len(invited.deliveries()) == len(owed)


def test_a_refused_event_owes_nothing(invited: Setup) -> None:
    client = engine_client(invited)
    url = events_url(invited.candidate_assessment)
    client.post(url, COMPLETED, format="json")
    owed = len(invited.deliveries())

    response = client.post(url, {"event_id": "evt-10", "type": "expired"}, format="json")

    assert response.status_code == 409
    assert len(invited.deliveries()) == owed
