"""The external engine's events API: each event, repeats, refusals, keys and account scope."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.lifecycle import record_status
from assessments.models import CandidateAssessment, CandidateAssessmentEvent
from engine import keys
from engine.models import EngineApiKey, EngineEvent
from integrations import services
from tests import factories
from tests.engine.conftest import COMPLETED_RESULT, events_url, post_event


def history(candidate_assessment: CandidateAssessment) -> list[tuple[str, str]]:
    return list(
        CandidateAssessmentEvent.objects.filter(candidate_assessment=candidate_assessment)
        .order_by("id")
        .values_list("status", "source")
    )


def outcome(engine: dict[str, Any], event_id: str, kind: str, status: str, changed: bool = True):
    return {
        "event_id": event_id,
        "assessment_id": str(engine["candidate_assessment"].public_id),
        "type": kind,
        "status": status,
        "changed": changed,
    }


# --- Each event -------------------------------------------------------------------------------


def test_it_records_a_started_event(engine) -> None:
    response = post_event(engine, {"event_id": "evt-1", "type": "started"})

    assert response.status_code == 200
    assert response.json() == outcome(engine, "evt-1", "started", "started")
    candidate_assessment = CandidateAssessment.objects.get()
    assert candidate_assessment.status == "started"
    assert candidate_assessment.started_at is not None
    assert history(candidate_assessment) == [("pending", "test"), ("started", "engine")]


def test_it_records_a_completed_event_with_its_result(engine) -> None:
    CandidateAssessment.objects.update(created_at=timezone.now() - datetime.timedelta(hours=2))
    finished = (timezone.now() - datetime.timedelta(minutes=1)).replace(microsecond=0)
    started = finished - datetime.timedelta(minutes=41, seconds=17)
    post_event(engine, {"event_id": "evt-1", "type": "started", "occurred_at": started.isoformat()})

    response = post_event(
        engine,
        {
            "event_id": "evt-2",
            "type": "completed",
            "occurred_at": finished.isoformat(),
            "result": COMPLETED_RESULT,
        },
    )

    assert response.status_code == 200
    assert response.json() == outcome(engine, "evt-2", "completed", "completed")
    candidate_assessment = CandidateAssessment.objects.get()
    assert candidate_assessment.status == "completed"
    assert candidate_assessment.score == 82
    assert candidate_assessment.recommendation == "great_fit"
    assert candidate_assessment.competency_scores == {"Conscientiousness": 88, "Agreeableness": 79}
    assert candidate_assessment.summary == "Great fit. Strongest: Conscientiousness (88)."
    assert candidate_assessment.duration == datetime.timedelta(minutes=41, seconds=17)
    assert candidate_assessment.started_at == started
    assert candidate_assessment.completed_at == finished
    assert history(candidate_assessment)[-1] == ("completed", "engine")


def test_a_completed_event_may_leave_out_summary_and_duration(engine) -> None:
    # given the engine reported the start 10 minutes ago
    started = timezone.now() - datetime.timedelta(minutes=10)
    record_status(engine["candidate_assessment"].pk, "started", source="engine", at=started)

    # when the completion comes without summary and duration, names in another case
    response = post_event(
        engine,
        {
            "event_id": "evt-2",
            "type": "completed",
            "result": {
                "score": 55,
                "recommendation": "good_fit",
                "competency_scores": {"agreeableness": 61, "CONSCIENTIOUSNESS": 49},
            },
        },
    )

    # then they are filled in from the result and the clock, names as the catalog spells them
    assert response.status_code == 200
    candidate_assessment = CandidateAssessment.objects.get()
    assert candidate_assessment.summary == "Good fit. Strongest: Agreeableness (61)."
    assert candidate_assessment.competency_scores == {"Conscientiousness": 49, "Agreeableness": 61}
    assert candidate_assessment.duration is not None
    assert (
        datetime.timedelta(minutes=10)
        <= candidate_assessment.duration
        < datetime.timedelta(minutes=11)
    )


def test_a_completion_without_a_start_takes_no_time(engine) -> None:
    response = post_event(
        engine,
        {
            "event_id": "evt-1",
            "type": "completed",
            "result": {"score": 40, "recommendation": "poor_fit", "competency_scores": {}},
        },
    )

    assert response.status_code == 200
    candidate_assessment = CandidateAssessment.objects.get()
    assert candidate_assessment.duration == datetime.timedelta(0)
    assert candidate_assessment.summary == "Poor fit."


@pytest.mark.parametrize("kind", ["expired", "rejected"])
def test_it_records_an_expired_or_rejected_event(engine, kind: str) -> None:
    response = post_event(engine, {"event_id": "evt-1", "type": kind})

    assert response.status_code == 200
    assert response.json() == outcome(engine, "evt-1", kind, kind)
    candidate_assessment = CandidateAssessment.objects.get()
    assert candidate_assessment.status == kind
    assert history(candidate_assessment)[-1] == (kind, "engine")


def test_the_same_status_again_changes_nothing(engine) -> None:
    post_event(engine, {"event_id": "evt-1", "type": "started"})

    response = post_event(engine, {"event_id": "evt-2", "type": "started"})

    assert response.status_code == 200
    assert response.json() == outcome(engine, "evt-2", "started", "started", changed=False)
    assert len(history(engine["candidate_assessment"])) == 2


# --- Repeats ------------------------------------------------------------------------------------


def test_a_repeated_event_id_gets_the_first_answer_and_changes_nothing(engine) -> None:
    # given a completed event that was applied
    body = {"event_id": "evt-7", "type": "completed", "result": COMPLETED_RESULT}
    first = post_event(engine, body)
    before = CandidateAssessment.objects.values().get()

    # when the engine retries it
    again = post_event(engine, body)

    # then it gets the same answer, marked as a replay, and nothing changed
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert CandidateAssessment.objects.values().get() == before
    assert len(history(engine["candidate_assessment"])) == 2
    assert EngineEvent.objects.count() == 1


def test_a_repeated_refused_event_is_refused_again(engine) -> None:
    post_event(engine, {"event_id": "evt-1", "type": "rejected"})
    body = {"event_id": "evt-2", "type": "started"}

    first = post_event(engine, body)
    again = post_event(engine, body)

    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()


def test_an_event_id_reused_for_another_event_is_refused(engine) -> None:
    post_event(engine, {"event_id": "evt-1", "type": "started"})

    response = post_event(engine, {"event_id": "evt-1", "type": "expired"})

    assert response.status_code == 409
    assert response.json() == {
        "status": 409,
        "message": "The event_id 'evt-1' was already used for a different event; give each "
        "event its own event_id.",
    }
    assert CandidateAssessment.objects.get().status == "started"


def test_event_ids_are_per_account(engine) -> None:
    # given another account whose engine happens to use the same event id
    other = factories.AccountFactory.create(name="Northwind")
    other_assessment = factories.AssessmentFactory.create(account=other)
    other_candidate = factories.CandidateAssessmentFactory.create(assessment=other_assessment)
    other_client = APIClient()
    other_client.credentials(HTTP_AUTHORIZATION=f"Bearer {keys.issue_key(other).key}")
    other_client.post(
        events_url(other_candidate), {"event_id": "evt-1", "type": "started"}, format="json"
    )

    response = post_event(engine, {"event_id": "evt-1", "type": "started"})

    assert response.status_code == 200
    assert response.json()["changed"] is True
    assert EngineEvent.objects.count() == 2


def test_it_keeps_what_the_engine_sent_and_what_it_answered(engine) -> None:
    body = {"event_id": "evt-1", "type": "started"}

    post_event(engine, body)

    event = EngineEvent.objects.get()
    assert event.payload == body
    assert event.response_status == 200
    assert event.api_key == engine["api_key"]
    assert event.candidate_assessment == engine["candidate_assessment"]


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "then", "message"),
    [
        pytest.param(
            "completed",
            "started",
            "The assessment is completed; it cannot become started.",
            id="started-after-completed",
        ),
        pytest.param(
            "expired",
            "completed",
            "The assessment is expired; it cannot become completed.",
            id="completed-after-expired",
        ),
        pytest.param(
            "rejected",
            "expired",
            "The assessment is rejected; it cannot become expired.",
            id="expired-after-rejected",
        ),
    ],
)
def test_an_event_moving_the_status_backwards_is_refused_with_409(
    engine, done: str, then: str, message: str
) -> None:
    first: dict[str, Any] = {"event_id": "evt-1", "type": done}
    second: dict[str, Any] = {"event_id": "evt-2", "type": then}
    for body in (first, second):
        if body["type"] == "completed":
            body["result"] = COMPLETED_RESULT
    post_event(engine, first)
    before = CandidateAssessment.objects.values().get()

    response = post_event(engine, second)

    assert response.status_code == 409
    assert response.json() == {"status": 409, "message": message}
    assert CandidateAssessment.objects.values().get() == before


def test_a_candidate_completion_wins_over_a_late_engine_start(engine) -> None:
    record_status(engine["candidate_assessment"].pk, "expired", source="expiry")

    response = post_event(engine, {"event_id": "evt-1", "type": "started"})

    assert response.status_code == 409
    assert CandidateAssessment.objects.get().status == "expired"


# --- Keys and accounts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        pytest.param(
            None, "Send an engine API key as 'Authorization: Bearer hvr_eng_…'.", id="none"
        ),
        pytest.param(
            "Bearer hvr_eng_" + "A" * 46,
            "The engine API key is not valid: unknown, mistyped or revoked.",
            id="bad-checksum",
        ),
        pytest.param(
            "Token abc",
            "Send the engine API key as 'Authorization: Bearer <key>'.",
            id="other-scheme",
        ),
    ],
)
def test_it_refuses_a_call_without_a_valid_key_with_401(
    engine, authorization: str | None, message: str
) -> None:
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = client.post(
        events_url(engine["candidate_assessment"]),
        {"event_id": "evt-1", "type": "started"},
        format="json",
    )

    assert response.status_code == 401
    assert response.json() == {"status": 401, "message": message}
    assert response["WWW-Authenticate"] == 'Bearer realm="harver-engine"'
    assert CandidateAssessment.objects.get().status == "pending"


def test_a_revoked_key_is_refused(engine) -> None:
    keys.revoke_key(engine["api_key"])

    response = post_event(engine, {"event_id": "evt-1", "type": "started"})

    assert response.status_code == 401
    assert CandidateAssessment.objects.get().status == "pending"


def test_an_integration_token_is_not_an_engine_key(engine) -> None:
    integration = factories.ready_integration(engine["account"])
    token = services.rotate_inbound_token(integration)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.post(
        events_url(engine["candidate_assessment"]),
        {"event_id": "evt-1", "type": "started"},
        format="json",
    )

    assert response.status_code == 401


def test_it_notes_when_a_key_was_last_used(engine) -> None:
    post_event(engine, {"event_id": "evt-1", "type": "started"})

    assert EngineApiKey.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("other-account", id="another-accounts-assessment"),
        pytest.param("00000000-0000-0000-0000-000000000000", id="unknown-id"),
        pytest.param("not-a-uuid", id="not-an-id"),
    ],
)
def test_an_assessment_outside_the_keys_account_is_404(engine, target: str) -> None:
    if target == "other-account":
        other = factories.CandidateAssessmentFactory.create()
        target = str(other.public_id)

    response = post_event(engine, {"event_id": "evt-1", "type": "started"}, target=target)

    assert response.status_code == 404
    assert response.json() == {"status": 404, "message": f"No assessment {target} in this account."}
    assert not EngineEvent.objects.exists()
    assert set(CandidateAssessment.objects.values_list("status", flat=True)) == {"pending"}


# --- Validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param(
            {"type": "started"}, {"event_id": ["This field is required."]}, id="no-event-id"
        ),
        pytest.param(
            {"event_id": "e", "type": "declined"},
            {"type": ['"declined" is not a valid choice.']},
            id="unknown-type",
        ),
        pytest.param(
            {"event_id": "e", "type": "completed"},
            {"result": ["A completed event needs its result."]},
            id="completed-without-result",
        ),
        pytest.param(
            {"event_id": "e", "type": "started", "result": COMPLETED_RESULT},
            {"result": ["Only a completed event carries a result."]},
            id="result-on-started",
        ),
        pytest.param(
            {"event_id": "e", "type": "completed", "result": {**COMPLETED_RESULT, "score": 101}},
            {"result.score": ["Ensure this value is less than or equal to 100."]},
            id="score-over-100",
        ),
        pytest.param(
            {
                "event_id": "e",
                "type": "completed",
                "result": {**COMPLETED_RESULT, "recommendation": "maybe"},
            },
            {"result.recommendation": ['"maybe" is not a valid choice.']},
            id="unknown-recommendation",
        ),
        pytest.param(
            {
                "event_id": "e",
                "type": "completed",
                "result": {**COMPLETED_RESULT, "competency_scores": {"Leadership": 70}},
            },
            {
                "result.competency_scores": [
                    "Not competencies of this assessment: Leadership. It scores: "
                    "Conscientiousness, Agreeableness."
                ]
            },
            id="unknown-competency",
        ),
        pytest.param(
            {
                "event_id": "e",
                "type": "completed",
                "result": {**COMPLETED_RESULT, "competency_scores": {"Agreeableness": -1}},
            },
            {
                "result.competency_scores.Agreeableness": [
                    "Ensure this value is greater than or equal to 0."
                ]
            },
            id="competency-score-below-0",
        ),
        pytest.param(
            {"event_id": "e", "type": "completed", "result": {**COMPLETED_RESULT, "duration": "x"}},
            {
                "result.duration": [
                    "Duration has wrong format. Use one of these formats instead: "
                    "[DD] [HH:[MM:]]ss[.uuuuuu]."
                ]
            },
            id="bad-duration",
        ),
        pytest.param(
            {"event_id": "e", "type": "started", "occurred_at": "2999-01-01T00:00:00Z"},
            {"occurred_at": ["This is in the future."]},
            id="future",
        ),
        pytest.param(
            {"event_id": "e", "type": "started", "occurred_at": "2000-01-01T00:00:00Z"},
            {"occurred_at": ["This is before the candidate was invited (INVITED)."]},
            id="before-the-invitation",
        ),
    ],
)
def test_it_names_each_problem_of_a_body_with_422(engine, body, errors) -> None:
    invited = engine["candidate_assessment"].created_at.isoformat()
    errors = {
        field: [message.replace("INVITED", invited) for message in messages]
        for field, messages in errors.items()
    }

    response = post_event(engine, body)

    assert response.status_code == 422
    assert response.json() == {
        "status": 422,
        "message": f"The request has errors in: {', '.join(errors)}.",
        "errors": errors,
    }
    assert CandidateAssessment.objects.get().status == "pending"
    assert not EngineEvent.objects.exists()


def test_a_body_that_is_not_json_is_400(engine) -> None:
    response = engine["client"].post(
        events_url(engine["candidate_assessment"]), "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"status": 400, "message": "The request body is not valid JSON."}


@pytest.mark.parametrize("api_limit", [64 * 1024, 1024 * 1024])
def test_a_body_above_djangos_upload_limit_is_413_naming_the_limit(
    engine, settings, api_limit
) -> None:
    # given the API's own limit below or above Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    settings.API_MAX_BODY_BYTES = api_limit
    limit = min(api_limit, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    body = '{"event_id": "e", "type": "started", "padding": "%s"}' % (
        "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )

    # when a body larger than both is posted
    response = engine["client"].post(
        events_url(engine["candidate_assessment"]), body, content_type="application/json"
    )

    # then it is refused with the limit that applies, and nothing is recorded
    assert response.status_code == 413
    assert response.json() == {
        "status": 413,
        "message": f"The request body is larger than {limit} bytes.",
    }
    assert not EngineEvent.objects.exists()


def test_a_form_body_is_415(engine) -> None:
    response = engine["client"].post(
        events_url(engine["candidate_assessment"]), {"event_id": "e", "type": "started"}
    )

    assert response.status_code == 415
    assert response.json()["status"] == 415


def test_only_post_is_allowed(engine) -> None:
    response = engine["client"].get(events_url(engine["candidate_assessment"]))

    assert response.status_code == 405
    assert response.json()["status"] == 405


# --- Schema -------------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_events_endpoint(client, db) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)

    operation = schema["paths"]["/api/engine/v1/assessments/{assessment_id}/events"]["post"]
    assert set(operation["responses"]) == {
        "200",
        "400",
        "401",
        "404",
        "409",
        "413",
        "415",
        "422",
        "429",
    }
    assert "Retry-After" in operation["responses"]["429"]["description"]
    assert operation["security"] == [{"engineApiKey": []}]
    assert schema["components"]["securitySchemes"]["engineApiKey"]["scheme"] == "bearer"
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][request.rsplit("/", 1)[1]]
    assert sorted(body["required"]) == ["event_id", "type"]
    assert set(body["properties"]) == {"event_id", "type", "occurred_at", "result"}
