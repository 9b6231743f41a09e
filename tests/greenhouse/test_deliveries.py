"""Results go back to Greenhouse: custom-field values per level and one activity-feed note,
through the outbox (retries, rate limit, replay); a note is never posted twice."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import responses
from django.utils import timezone

from assessments import lifecycle
from assessments.models import Assessment, CandidateAssessment
from greenhouse import deliveries
from integrations import inbound
from integrations.models import AtsCredential, Delivery, Integration
from integrations.outbox import requeue, sending
from integrations.outbox.outcomes import BatchOutcome
from tests.greenhouse.support import STAGE, USER_ID, configure, harvest, sent_json, token_endpoint

pytestmark = pytest.mark.django_db
State = Delivery.State
Kind = Delivery.Kind

APPLICATION_ID = 265277
CANDIDATE_ID = 265772
RESULT = lifecycle.Result(
    score=82,
    recommendation="great_fit",
    competency_scores={"Conscientiousness": 88},
    summary="Great fit. Strongest: Conscientiousness (88).",
    duration=datetime.timedelta(minutes=41),
)
CANDIDATE_FIELDS = [
    {"id": 1, "name_key": "harver_score", "value_type": "number", "active": True},
    {"id": 2, "name_key": "harver_c", "value_type": "short_text", "active": True},
]
APPLICATION_FIELDS = [{"id": 3, "name_key": "harver_fit", "value_type": "single_select"}]
OPTIONS = [{"id": 31, "custom_field_id": 3, "name": "Great fit"}, {"id": 32, "name": "Poor fit"}]


@dataclass
class Invited:
    integration: Integration
    assessment: Assessment
    candidate_assessment: CandidateAssessment

    def complete(self) -> list[Delivery]:
        lifecycle.record_status(
            self.candidate_assessment.pk, "completed", source="engine", result=RESULT
        )
        return list(
            Delivery.objects.filter(candidate_assessment=self.candidate_assessment).order_by("pk")
        )


def invite(integration: Integration, assessment: Assessment) -> CandidateAssessment:
    return inbound.invite(
        integration,
        inbound.InvitationRequest(
            assessment=assessment,
            email="giuseppe.hurley@example.com",
            refs={
                "application_id": str(APPLICATION_ID),
                "candidate_id": str(CANDIDATE_ID),
                "job_id": "3485",
                "job_name": "Designer",
                "stage_id": "71416",
                "stage_name": STAGE,
            },
            first_name="Giuseppe",
            last_name="Hurley",
        ),
    ).candidate_assessment


@pytest.fixture
def invited(account, settings) -> Invited:
    settings.DELIVERY_RETRY_SCHEDULE = [30.0, 120.0, 600.0]
    integration, assessment, _ = configure(
        account,
        fields=[
            ("overall", "candidate:harver_score"),
            ("Conscientiousness", "candidate:harver_c"),
            ("recommendation", "application:harver_fit"),
        ],
    )
    return Invited(integration, assessment, invite(integration, assessment))


def run(delivery: Delivery) -> BatchOutcome:
    """One worker run of the delivery's task, as if it were due."""
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return sending.process(delivery.pk, deliveries.connect, task_id="task-1")


def reload(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery


def field_definitions() -> None:
    for level, items in (("candidate", CANDIDATE_FIELDS), ("application", APPLICATION_FIELDS)):
        harvest(
            "GET",
            "/custom_fields",
            items,
            query={"field_type": level, "active": "true", "per_page": "500"},
        )
    harvest(
        "GET", "/custom_field_options", OPTIONS, query={"custom_field_ids": "3", "per_page": "500"}
    )


def notes_listed(found: list[dict[str, Any]]) -> responses.BaseResponse:
    return harvest(
        "GET",
        "/notes",
        found,
        query={"candidate_ids": str(CANDIDATE_ID), "user_ids": USER_ID, "per_page": "500"},
    )


def test_completion_owes_one_write_per_level_and_one_note(invited):
    application, candidate, note = invited.complete()

    assert (application.kind, application.label) == (Kind.FIELD, "Application fields harver_fit")
    assert application.payload == {
        "level": "application",
        "record_id": str(APPLICATION_ID),
        "fields": [{"name_key": "harver_fit", "value": "Great fit", "score": "Recommendation"}],
    }
    assert candidate.payload["record_id"] == str(CANDIDATE_ID)
    assert {item["name_key"]: item["value"] for item in candidate.payload["fields"]} == {
        "harver_score": 82,
        "harver_c": 88,
    }
    assert note.kind == Kind.COMMENT
    body = note.payload["body"]
    assert body.startswith('Harver assessment "Store Associate" completed: Great fit')
    assert "matching score 82/100" in body
    assert "Candidate details (read-only): https://" in body
    assert body.endswith(f"[harver:{invited.candidate_assessment.public_id}]")
    assert note.payload["visibility"] == "public"


@responses.activate
def test_the_values_and_the_note_arrive_typed_for_their_fields(invited):
    token_endpoint()
    field_definitions()
    candidate_patch = harvest("PATCH", f"/candidates/{CANDIDATE_ID}", {})
    application_patch = harvest("PATCH", f"/applications/{APPLICATION_ID}", {})
    posted = harvest("POST", "/notes", {"id": 9001}, status=201)
    first, *_ = invited.complete()

    run(first)

    [candidate_values] = [sent_json(call) for call in candidate_patch.calls]
    assert sorted(candidate_values["custom_fields"], key=lambda item: item["name_key"]) == [
        {"name_key": "harver_c", "value": "88"},
        {"name_key": "harver_score", "value": 82},
    ]
    assert sent_json(application_patch.calls[0]) == {
        "custom_fields": [{"name_key": "harver_fit", "value": 31}]
    }
    note = sent_json(posted.calls[0])
    assert note["candidate_id"] == CANDIDATE_ID
    assert note["application_id"] == APPLICATION_ID
    assert note["user_id"] == int(USER_ID)
    assert note["visibility"] == "public"
    assert note["note_type"] == "NOTE"
    assert all(delivery.state == State.SUCCEEDED for delivery in Delivery.objects.all())
    assert Delivery.objects.get(kind=Kind.COMMENT).remote_ref == "9001"
    scopes = AtsCredential.objects.get(integration=invited.integration).verification["scopes"]
    assert scopes["harvest:notes:create"] == scopes["harvest:candidates:update"] == "verified"


@responses.activate
def test_a_note_whose_post_timed_out_is_found_by_its_marker_not_posted_again(invited):
    token_endpoint()
    *_, note = invited.complete()
    marker = f"[harver:{invited.candidate_assessment.public_id}]"
    timed_out = responses.post(
        "https://harvest.greenhouse.io/v3/notes", body=requests.ReadTimeout("slow")
    )
    run(note)
    assert reload(note).state == State.PENDING
    responses.remove(timed_out)
    listed = notes_listed([{"id": 77, "body": f"elsewhere\n{marker}"}])
    again = harvest("POST", "/notes", {"id": 78}, status=201)

    run(note)

    assert listed.call_count == 1
    assert again.call_count == 0
    assert (reload(note).state, note.remote_ref) == (State.SUCCEEDED, "77")


@responses.activate
def test_a_note_refused_with_a_5xx_is_posted_once_on_the_retry(invited):
    token_endpoint()
    *_, note = invited.complete()
    harvest("POST", "/notes", {"message": "down"}, status=502)
    run(note)
    assert "HTTP 502" in reload(note).last_error
    responses.reset()
    token_endpoint()
    notes_listed([{"id": 5, "body": "[harver:someone-else]"}])
    posted = harvest("POST", "/notes", {"id": 6}, status=201)

    run(note)

    assert posted.call_count == 1
    assert (reload(note).state, note.remote_ref) == (State.SUCCEEDED, "6")


@responses.activate
def test_a_replayed_note_is_not_posted_twice(invited):
    token_endpoint()
    *_, note = invited.complete()
    posted = harvest("POST", "/notes", {"id": 9001}, status=201)
    run(note)

    assert requeue.replay(reload(note))
    run(note)

    assert posted.call_count == 1
    assert reload(note).state == State.SUCCEEDED
    assert "was posted before" in note.attempts.order_by("pk").last().response_excerpt


@responses.activate
def test_a_field_greenhouse_does_not_have_fails_for_good_naming_it(invited):
    token_endpoint()
    harvest(
        "GET",
        "/custom_fields",
        [],
        query={"field_type": "application", "active": "true", "per_page": "500"},
    )
    application, *_ = invited.complete()

    run(application)

    assert reload(application).state == State.FAILED
    assert 'no active application custom field with the key "harver_fit"' in application.last_error


@responses.activate
def test_429_waits_for_retry_after(invited):
    token_endpoint()
    field_definitions()
    harvest(
        "PATCH",
        f"/applications/{APPLICATION_ID}",
        {"message": "Too many requests."},
        status=429,
        headers={"Retry-After": "300"},
    )
    application, *_ = invited.complete()
    before = timezone.now()

    run(application)

    reload(application)
    assert application.state == State.PENDING
    assert application.next_attempt_at >= before + datetime.timedelta(seconds=299)


def test_missing_credentials_fail_each_delivery_with_the_reason(invited):
    AtsCredential.objects.filter(integration=invited.integration).delete()
    application, *_ = invited.complete()

    run(application)

    assert reload(application).state == State.FAILED
    assert application.last_error.startswith("Enter the Greenhouse Client ID")


def test_other_statuses_owe_greenhouse_nothing(invited):
    lifecycle.record_status(invited.candidate_assessment.pk, "started", source="engine")

    assert not Delivery.objects.exists()


@responses.activate
def test_a_status_field_shows_every_status_as_a_word_never_older_over_newer(invited):
    from integrations import services

    services.set_ats_credentials(invited.integration, status_field="application:harver_status")
    candidate_assessment = invite(invited.integration, invited.assessment)  # a repeat: no change
    assert candidate_assessment == invited.candidate_assessment
    other = inbound.invite(
        invited.integration,
        inbound.InvitationRequest(
            assessment=invited.assessment,
            email="ada@example.com",
            refs={"application_id": "500", "candidate_id": "501"},
        ),
    ).candidate_assessment
    lifecycle.record_status(other.pk, "started", source="engine")
    lifecycle.record_status(other.pk, "completed", source="engine", result=RESULT)
    statuses = list(
        Delivery.objects.filter(candidate_assessment=other, kind=Kind.STATUS).order_by("pk")
    )
    assert [(d.label, d.rank) for d in statuses] == [
        ("Status Invited (application:harver_status)", 0),
        ("Status Started (application:harver_status)", 1),
        ("Status Completed (application:harver_status)", 2),
    ]
    assert statuses[2].payload == {
        "level": "application",
        "record_id": "500",
        "fields": [{"name_key": "harver_status", "value": "Completed"}],
    }
    token_endpoint()
    harvest(
        "GET",
        "/custom_fields",
        [{"id": 9, "name_key": "harver_status", "value_type": "short_text"}],
        query={"field_type": "application", "active": "true", "per_page": "500"},
    )
    written = harvest("PATCH", "/applications/500", {})

    run(statuses[2])
    run(statuses[0])

    assert [sent_json(call) for call in written.calls] == [
        {"custom_fields": [{"name_key": "harver_status", "value": "Completed"}]}
    ]
    assert reload(statuses[0]).state == State.DROPPED
