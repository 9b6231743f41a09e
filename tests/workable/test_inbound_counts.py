"""Every answer to an ATS call is counted by caller and status; an unknown caller too."""

from django.db import DatabaseError
from rest_framework.test import APIClient

from integrations import inbound_counts
from integrations.models import InboundRequestCount

CONNECTION_URL = "/api/workable/connection"


def counts() -> dict[tuple[int | None, int], int]:
    return {
        (row.integration_id, row.status): row.count
        for row in InboundRequestCount.objects.filter(provider="workable")
    }


def test_answers_are_counted_under_the_callers_integration_and_status(workable):
    workable["client"].get(CONNECTION_URL)
    workable["client"].get(CONNECTION_URL)
    workable["client"].post("/api/workable/assessments", {"test_id": "x"}, format="json")
    APIClient().get(CONNECTION_URL)  # no token: 401, nobody's

    integration_id = workable["integration"].pk
    assert counts() == {(integration_id, 200): 2, (integration_id, 422): 1, (None, 401): 1}


def test_a_count_that_cannot_be_written_never_changes_the_answer(workable, monkeypatch):
    def broken(*args: object) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(inbound_counts, "count", broken)

    response = workable["client"].get(CONNECTION_URL)

    assert response.status_code == 200
    assert counts() == {}


def test_calls_outside_the_ats_endpoints_are_not_counted(client, db):
    client.get("/healthz")
    assert InboundRequestCount.objects.count() == 0
