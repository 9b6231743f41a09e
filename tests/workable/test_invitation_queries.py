"""The invitation write path does not read back what it writes (bench/inbound measures its cost).

A new invitation is inserted straight away, the live-invitation constraint catching a repeat, and
the status listener takes the invitation from the candidate assessment it was attached to.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import CandidateAssessment
from tests.workable.conftest import invitation_body

ASSESSMENTS_URL = "/api/workable/assessments"


def invitation_reads(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "integrations_atsinvitation"' in query["sql"]
    ]


def test_a_new_invitation_reads_no_invitation_back(workable):
    body = invitation_body(str(workable["assessments"][0].pk))

    with CaptureQueriesContext(connection) as queries:
        response = workable["client"].post(ASSESSMENTS_URL, body, format="json")

    assert response.status_code == 201
    assert invitation_reads(queries) == []


def test_a_repeat_is_found_through_the_constraint_and_leaves_one_row(workable):
    body = invitation_body(str(workable["assessments"][0].pk))
    first = workable["client"].post(ASSESSMENTS_URL, body, format="json")

    with CaptureQueriesContext(connection) as queries:
        repeat = workable["client"].post(ASSESSMENTS_URL, body, format="json")

    assert (first.status_code, repeat.status_code) == (201, 200)
    assert repeat.json() == first.json()
    assert CandidateAssessment.objects.count() == 1
    assert len(invitation_reads(queries)) == 1


def test_the_offered_test_is_read_from_its_own_table_alone(workable):
    body = invitation_body(str(workable["assessments"][0].pk))

    with CaptureQueriesContext(connection) as queries:
        response = workable["client"].post(ASSESSMENTS_URL, body, format="json")

    assert response.status_code == 201
    reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "assessments_assessment"' in query["sql"]
    ]
    assert len(reads) == 1
    assert "JOIN" not in reads[0]


def test_a_new_invitation_writes_its_pending_status_without_updating_the_outbox(workable):
    # a first `pending` has nothing older to supersede: no UPDATE of the deliveries table
    body = invitation_body(str(workable["assessments"][0].pk))

    with CaptureQueriesContext(connection) as queries:
        response = workable["client"].post(ASSESSMENTS_URL, body, format="json")

    assert response.status_code == 201
    updates = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("UPDATE") and '"integrations_delivery"' in query["sql"]
    ]
    assert updates == []
