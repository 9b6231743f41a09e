"""Greenhouse voids an invitation: the application is rejected, or moves out of the Harver stage.

The worker asks Harvest first, as for an invitation: a stale web hook (the application moved
again since) withdraws nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import responses
from django.core import mail
from django.test import Client

from assessments.models import CandidateAssessment
from integrations import services
from integrations.models import Delivery, InboundEvent
from tests.greenhouse.test_webhooks import (  # noqa: F401 (fixture)
    STAGE_ID,
    greenhouse,
    post,
    stage_change,
    still_in_stage,
)

pytestmark = pytest.mark.django_db
State = InboundEvent.State
Status = CandidateAssessment.Status
PHONE_SCREEN_ID = 71500


def moved(body: dict[str, Any], stage_id: int) -> dict[str, Any]:
    body["payload"]["application"]["current_stage"]["id"] = stage_id
    return body


def invite(greenhouse: dict[str, Any], django_capture_on_commit_callbacks: Any) -> str:  # noqa: F811
    """The candidate's emailed link, after a stage change into the Harver stage."""
    services.set_ats_credentials(
        greenhouse["integration"], status_field="application:harver_status"
    )
    still_in_stage()
    with django_capture_on_commit_callbacks(execute=True):
        post(greenhouse["url"], stage_change())
    responses.reset()
    (link,) = re.findall(r"https://\S+(/assessment/\S+/)", str(mail.outbox[-1].body))
    return link


@responses.activate
def test_a_move_out_of_the_harver_stage_withdraws_the_invitation(
    greenhouse: dict[str, Any],  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    invited = invite(greenhouse, django_capture_on_commit_callbacks)
    # when the application moves to an unmapped stage, and Harvest shows it there
    still_in_stage(stage_id=PHONE_SCREEN_ID)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            greenhouse["url"],
            moved(stage_change(stage="Phone Screen"), PHONE_SCREEN_ID),
            event_id="evt-2",
        )

    # then the invitation is withdrawn, its link says so, and the status field gets `Withdrawn`
    assert response.status_code == 200
    candidate_assessment = CandidateAssessment.objects.get()
    assert candidate_assessment.status == Status.REJECTED
    assert candidate_assessment.events.last().source == "greenhouse"  # type: ignore[union-attr]
    event = InboundEvent.objects.get(event_id="evt-2")
    assert (event.state, event.outcome) == (
        State.DONE,
        'Withdrew the invitation to "Store Associate": The application moved to "Phone Screen".',
    )
    page = Client().get(invited)
    assert page.status_code == 410
    assert "withdrawn" in page.content.decode()
    words = [
        delivery.payload["fields"][0]["value"]
        for delivery in Delivery.objects.filter(kind=Delivery.Kind.STATUS).order_by("pk")
    ]
    assert words[-1] == "Withdrawn"


@responses.activate
def test_a_rejected_application_withdraws_the_invitation(
    greenhouse: dict[str, Any],  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    invite(greenhouse, django_capture_on_commit_callbacks)
    still_in_stage(status="rejected")
    with django_capture_on_commit_callbacks(execute=True):
        post(greenhouse["url"], stage_change(status="rejected"), event_id="evt-2")

    assert CandidateAssessment.objects.get().status == Status.REJECTED
    assert InboundEvent.objects.get(event_id="evt-2").outcome == (
        'Withdrew the invitation to "Store Associate": The application is rejected now.'
    )


@responses.activate
def test_a_stale_move_withdraws_nothing(
    greenhouse: dict[str, Any],  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    invited = invite(greenhouse, django_capture_on_commit_callbacks)
    # given the application is back in the Harver stage by the time the worker asks
    still_in_stage(stage_id=STAGE_ID)
    with django_capture_on_commit_callbacks(execute=True):
        post(
            greenhouse["url"],
            moved(stage_change(stage="Phone Screen"), PHONE_SCREEN_ID),
            event_id="evt-2",
        )

    assert CandidateAssessment.objects.get().status == Status.PENDING
    event = InboundEvent.objects.get(event_id="evt-2")
    assert (event.state, event.outcome) == (
        State.IGNORED,
        'The stage "Phone Screen" is not mapped to an assessment.',
    )
    assert Client().get(invited).status_code == 200


@responses.activate
def test_a_move_of_an_application_without_a_live_invitation_asks_nothing(
    greenhouse: dict[str, Any],  # noqa: F811
) -> None:
    response = post(greenhouse["url"], stage_change(stage="Phone Screen"))

    assert response.status_code == 200
    assert InboundEvent.objects.get().state == State.IGNORED
    assert len(responses.calls) == 0
