"""The web hook endpoint: signed stage changes invite once; everything else is answered as
Greenhouse needs it (200 whenever a retry would change nothing), never with a 500."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import responses
from django.core import mail
from django.test import Client
from django.utils import timezone

from assessments.models import CandidateAssessment
from greenhouse.sandbox.webhooks import greenhouse_json
from greenhouse.signatures import signature_header
from integrations import services
from integrations.models import AtsCredential, AtsInvitation, InboundEvent
from tests.greenhouse.support import STAGE, WEBHOOK_SECRET, configure, harvest, token_endpoint

pytestmark = pytest.mark.django_db
State = InboundEvent.State

APPLICATION_ID = 265277
CANDIDATE_ID = 265772
STAGE_ID = 71416


def stage_change(
    *, stage: str = STAGE, status: str = "active", email: str = "giuseppe.hurley@example.com"
) -> dict[str, Any]:
    return {
        "action": "candidate_stage_change",
        "payload": {
            "application": {
                "id": APPLICATION_ID,
                "status": status,
                "prospect": False,
                "current_stage": {"id": STAGE_ID, "name": stage, "interviews": []},
                "candidate": {
                    "id": CANDIDATE_ID,
                    "first_name": "Giuseppe",
                    "last_name": "Hurley <3",
                    "can_email": True,
                    "is_private": False,
                    "email_addresses": [{"value": email, "type": "personal"}],
                    "phone_numbers": [{"value": "330-281-8004", "type": "home"}],
                },
                "jobs": [{"id": 3485, "name": "Designer", "custom_fields": {}}],
            }
        },
    }


@pytest.fixture
def greenhouse(account):
    integration, assessment, token = configure(account)
    return {
        "integration": integration,
        "assessment": assessment,
        "url": f"/api/greenhouse/webhooks/{token}",
    }


def post(
    url: str,
    body: Any,
    *,
    secret: str | None = WEBHOOK_SECRET,
    event_id: str = "evt-1",
    signature: str | None = None,
) -> Any:
    raw = body if isinstance(body, bytes) else greenhouse_json(body)
    headers = {"Greenhouse-Event-ID": event_id}
    if signature is not None:
        headers["Signature"] = signature
    elif secret is not None:
        headers["Signature"] = signature_header(raw, secret)
    return Client().post(url, raw, content_type="application/json", headers=headers)


def still_in_stage(stage_id: int = STAGE_ID, status: str = "in_process") -> None:
    token_endpoint()
    harvest(
        "GET",
        "/applications",
        [{"id": APPLICATION_ID, "status": status}],
        query={"ids": str(APPLICATION_ID)},
    )
    harvest(
        "GET",
        "/application_stages",
        [{"application_id": APPLICATION_ID, "job_interview_stage_id": stage_id, "exited_at": None}],
        query={"application_ids": str(APPLICATION_ID), "current": "true"},
    )


def answer_of(response: Any) -> tuple[int, str]:
    data = response.json()
    assert data["status"] == response.status_code
    return response.status_code, data["message"]


@responses.activate
def test_a_signed_stage_change_invites_and_emails_once_whatever_repeats(
    greenhouse, django_capture_on_commit_callbacks
):
    still_in_stage()

    with django_capture_on_commit_callbacks(execute=True):
        first = post(greenhouse["url"], stage_change())
    with django_capture_on_commit_callbacks(execute=True):
        repeat = post(greenhouse["url"], stage_change())  # the same Greenhouse-Event-ID
    with django_capture_on_commit_callbacks(execute=True):
        again = post(greenhouse["url"], stage_change(), event_id="evt-2")  # a new id

    assert answer_of(first) == (200, "Received: the invitation is on its way.")
    assert answer_of(repeat)[0] == answer_of(again)[0] == 200
    candidate_assessment = CandidateAssessment.objects.get()
    assert candidate_assessment.email == "giuseppe.hurley@example.com"
    assert candidate_assessment.last_name == "Hurley <3"
    assert AtsInvitation.objects.get().refs == {
        "application_id": str(APPLICATION_ID),
        "candidate_id": str(CANDIDATE_ID),
        "job_id": "3485",
        "job_name": "Designer",
        "stage_id": str(STAGE_ID),
        "stage_name": STAGE,
    }
    assert len(mail.outbox) == 1
    events = list(InboundEvent.objects.order_by("pk"))
    assert [event.event_id for event in events] == ["evt-1", "evt-2"]
    assert [event.state for event in events] == [State.DONE, State.DONE]
    assert events[0].candidate_assessment == candidate_assessment
    assert "already has a live invitation" in events[1].outcome


@responses.activate
def test_an_application_that_moved_on_is_not_invited(
    greenhouse, django_capture_on_commit_callbacks
):
    still_in_stage(stage_id=99999)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(greenhouse["url"], stage_change())

    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.state == State.IGNORED
    assert "moved on" in event.outcome
    assert not CandidateAssessment.objects.exists()
    assert mail.outbox == []


@responses.activate
def test_harvest_down_keeps_the_event_for_a_retry(greenhouse, django_capture_on_commit_callbacks):
    token_endpoint()
    harvest("GET", "/applications", status=503, query={"ids": str(APPLICATION_ID)})

    with django_capture_on_commit_callbacks(execute=True):
        response = post(greenhouse["url"], stage_change())

    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.state == State.RECEIVED
    assert event.outcome.startswith("Will try again: Greenhouse had a server error (HTTP 503)")
    assert mail.outbox == []


@responses.activate
def test_an_unmapped_stage_is_ignored_without_asking_greenhouse(greenhouse):
    response = post(greenhouse["url"], stage_change(stage="Phone Screen"))

    assert answer_of(response) == (
        200,
        'Ignored: The stage "Phone Screen" is not mapped to an assessment.',
    )
    assert InboundEvent.objects.get().state == State.IGNORED
    assert len(responses.calls) == 0


def test_a_candidate_without_email_needs_the_admin(greenhouse):
    body = stage_change()
    body["payload"]["application"]["candidate"]["email_addresses"] = []

    response = post(greenhouse["url"], body)

    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert (event.state, event.outcome) == (
        State.ATTENTION,
        f"Candidate {CANDIDATE_ID} (application {APPLICATION_ID}) has no email address.",
    )


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({"secret": None}, "missing"),
        ({"secret": "not-the-secret-key"}, "does not match"),
        ({"signature": "sha256 " + "0" * 64}, "does not match"),
        ({"signature": "sha1 abc"}, "does not match"),
    ],
)
def test_unsigned_or_wrongly_signed_calls_get_401_and_nothing_is_done(greenhouse, headers, words):
    response = post(greenhouse["url"], stage_change(), **headers)

    status, message = answer_of(response)
    assert status == 401
    assert "Signature header is missing or does not match" in message
    assert not InboundEvent.objects.exists()


def test_a_ping_gets_200_signed_or_not_even_before_enabling(account):
    _, _, token = configure(account, enable=False)
    url = f"/api/greenhouse/webhooks/{token}"
    ping = {"action": "ping", "payload": {"web_hook_id": 9590, "event": "Candidate hired"}}

    unsigned = post(url, ping, secret=None, event_id="ping-1")
    signed = post(url, ping, event_id="ping-2")

    assert answer_of(unsigned) == answer_of(signed) == (200, "Pong: Harver received the ping.")
    first, second = InboundEvent.objects.order_by("pk")
    assert first.details == {
        "web_hook_id": 9590,
        "event": "Candidate hired",
        "signature_matched": False,
    }
    assert second.details["signature_matched"] is True
    assert 'The web hook is for "Candidate hired"' in second.outcome


def test_a_disabled_integration_answers_200_and_records_it_ignored(greenhouse):
    services.disable_integration(greenhouse["integration"])

    response = post(greenhouse["url"], stage_change())

    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert (event.state, event.outcome) == (State.IGNORED, "The integration is not enabled.")


def test_other_actions_are_ignored(greenhouse):
    response = post(greenhouse["url"], {"action": "application_updated", "payload": {}})

    assert answer_of(response) == (
        200,
        'Ignored: Greenhouse\'s "application_updated" is not used.',
    )


def test_an_unreadable_stage_change_is_recorded_for_the_admin(greenhouse):
    body = stage_change()
    body["payload"]["application"]["id"] = "not a number"

    response = post(greenhouse["url"], body)

    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.state == State.ATTENTION
    assert "payload.application.id" in event.outcome


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "The body is not JSON."),
        (b"[1, 2]", "The body is not a JSON object."),
        (b'{"payload": {}}', "The body has no action."),
        (b"\xff\xfe{}", "The body is not JSON."),
        (b"[" * 5000 + b"]" * 5000, "The body is nested more than 32 levels deep."),
        (b'{"action": "ping", "x": "a\\u0000b"}', "NUL character"),
        (b'{"action": "candidate_stage_change", "x": "\\ud800"}', "unpaired surrogate"),
    ],
)
def test_a_body_that_is_not_a_web_hook_gets_400(greenhouse, raw, message):
    response = post(greenhouse["url"], raw)

    status, said = answer_of(response)
    assert status == 400
    assert message in said
    assert not InboundEvent.objects.exists()


def test_an_unknown_token_gets_404(greenhouse):
    response = post("/api/greenhouse/webhooks/hvr_ats_unknown", stage_change())

    assert answer_of(response) == (404, "No Greenhouse integration has this web hook URL.")


def test_a_workable_token_opens_no_greenhouse_web_hook(account):
    from tests.factories import ready_integration

    workable = ready_integration(account)
    token = services.rotate_inbound_token(workable)

    response = post(f"/api/greenhouse/webhooks/{token}", stage_change())

    assert response.status_code == 404


def test_an_oversized_body_gets_413(greenhouse, settings):
    settings.GREENHOUSE_WEBHOOK_MAX_BODY_BYTES = 1000
    body = stage_change()
    body["payload"]["padding"] = "x" * 1000

    response = post(greenhouse["url"], body)

    assert answer_of(response) == (413, "The body is larger than 1000 bytes.")
    assert not InboundEvent.objects.exists()


def test_a_body_larger_than_djangos_form_limit_is_still_read(greenhouse, settings):
    body = stage_change(stage="Phone Screen")
    body["payload"]["padding"] = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)

    response = post(greenhouse["url"], body)

    assert response.status_code == 200
    assert InboundEvent.objects.get().state == State.IGNORED


def test_only_post_is_served(greenhouse):
    response = Client().get(greenhouse["url"])

    assert answer_of(response) == (405, "Greenhouse web hooks are POSTed.")


def test_the_previous_secret_key_verifies_during_the_grace_period(greenhouse, settings):
    services.set_ats_credentials(greenhouse["integration"], webhook_secret="whsec-new-0123456789")

    old = post(greenhouse["url"], stage_change(stage="Phone Screen"), event_id="e1")
    new = post(
        greenhouse["url"],
        stage_change(stage="Phone Screen"),
        secret="whsec-new-0123456789",
        event_id="e2",
    )
    credential = AtsCredential.objects.get(integration=greenhouse["integration"])
    hints = credential.secret_hints
    grace = datetime.timedelta(seconds=settings.GREENHOUSE_SECRET_GRACE_SECONDS + 1)
    replaced = timezone.now() - grace
    hints["previous:webhook_secret"]["replaced_at"] = replaced.isoformat()
    AtsCredential.objects.filter(pk=credential.pk).update(secret_hints=hints)
    too_late = post(greenhouse["url"], stage_change(stage="Phone Screen"), event_id="e3")

    assert (old.status_code, new.status_code, too_late.status_code) == (200, 200, 401)


def test_a_repeat_is_answered_200_even_after_the_mapping_changed(greenhouse):
    first = post(greenhouse["url"], stage_change(stage="Phone Screen"))
    second = post(greenhouse["url"], stage_change(stage="Phone Screen"))

    assert answer_of(second) == (
        200,
        "A repeat of a delivery already received; nothing more was done.",
    )
    assert first.status_code == 200
    assert InboundEvent.objects.count() == 1
    assert json.loads(InboundEvent.objects.get().body)["action"] == "candidate_stage_change"


@pytest.mark.parametrize("declared", ["²", "٣", "-1", "9" * 40])
def test_an_odd_content_length_is_never_a_500(greenhouse, declared):
    raw = greenhouse_json(stage_change())
    response = Client().post(
        greenhouse["url"],
        raw,
        content_type="application/json",
        headers={"Signature": signature_header(raw, WEBHOOK_SECRET)},
        CONTENT_LENGTH=declared,
    )

    assert response.status_code in (400, 413)
    assert response.json()["status"] == response.status_code


def test_a_stage_mapped_for_a_job_id_that_is_no_number_is_not_a_500(greenhouse):
    from integrations import stages

    stages.map_stage(
        greenhouse["integration"],
        assessment=greenhouse["assessment"],
        stage_name="Phone Screen",
        job_id="²",
    )

    response = post(greenhouse["url"], stage_change(stage="Phone Screen"))

    assert response.status_code == 200
    assert InboundEvent.objects.get().state == State.IGNORED


@responses.activate
def test_a_job_code_on_the_job_invites_to_the_assessment_with_that_code(
    greenhouse, django_capture_on_commit_callbacks
):
    from tests.factories import AssessmentFactory

    other = AssessmentFactory.create(
        account=greenhouse["integration"].account, name="Cashier", job_code="CASH-1"
    )
    services.set_ats_credentials(greenhouse["integration"], job_code_field="harver_job_code")
    still_in_stage()
    body = stage_change()
    body["payload"]["application"]["jobs"][0]["custom_fields"] = {
        "harver_job_code": {"name": "Harver job code", "type": "short_text", "value": "cash-1"}
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = post(greenhouse["url"], body)

    assert response.status_code == 200
    assert CandidateAssessment.objects.get().assessment == other
