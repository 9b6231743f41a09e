"""A 401 from the ATS pauses the integration's deliveries: they wait (no failure, no retry used
up, nothing published), and the resume sends every one of them once, in the order written.

Workable is faked with `responses`; the outbox runs inline, as one worker would run it.
"""

from __future__ import annotations

import re
from unittest import mock

import responses

from harver_integration.broker_options import BACKLOG_QUEUE
from integrations.models import Delivery, DeliveryAttempt, Integration, PauseCause
from integrations.outbox import pausing, requeue, sending
from integrations.outbox.outcomes import BatchOutcome
from tests.workable.delivery_support import (
    CALLBACK_URL,
    CANDIDATE_ID,
    SPI,
    invited_fixture,  # noqa: F401
    make_due,
    reload,
    run,
)
from workable import deliveries
from workable.tasks import send_delivery

State = Delivery.State
Kind = Delivery.Kind

JANE = {"id": CANDIDATE_ID, "email": "jane.doe@example.com", "job": {"shortcode": "A1B2C3"}}


def refused() -> None:
    """Workable refuses the token on every path."""
    for method in (responses.GET, responses.PUT, responses.POST, responses.PATCH):
        responses.add(
            method,
            re.compile(r"https://acme\.workable\.com/.*"),
            status=401,
            json={"error": "Not authorized"},
        )


def accepted() -> None:
    responses.put(CALLBACK_URL, json={})
    responses.get(f"{SPI}/candidates", json={"candidates": [JANE]})
    responses.post(f"{SPI}/candidates/{CANDIDATE_ID}/comments", json={})
    responses.patch(f"{SPI}/candidates/{CANDIDATE_ID}/update_custom_attribute_value", json={})


def paused_integration(invited) -> Integration:
    return Integration.objects.get(pk=invited.integration.pk)


def send_all(delivery: Delivery) -> BatchOutcome:
    make_due(delivery)
    Delivery.objects.filter(integration=delivery.integration_id, state=State.PENDING).update(
        next_attempt_at=delivery.next_attempt_at
    )
    return sending.process(delivery.pk, deliveries.connect, task_id="task-1")


@responses.activate
def test_a_401_pauses_the_integration_and_the_delivery_waits(invited):
    # given a completed assessment: a status, a note and two field values are owed
    [pending] = invited.deliveries()
    responses.put(CALLBACK_URL, status=401, json={"error": "Not authorized"})

    # when Workable refuses the token
    outcome = run(pending)

    # then the delivery waits as it was: pending, no failure counted, not published
    assert outcome == BatchOutcome.PAUSED
    pending = reload(pending)
    assert (pending.state, pending.failures, pending.enqueued_at) == (State.PENDING, 0, None)
    assert pending.attempts.get().outcome == DeliveryAttempt.Outcome.PAUSED
    assert "HTTP 401" in pending.last_error
    # and the integration says why it paused
    integration = paused_integration(invited)
    assert integration.deliveries_paused_at is not None
    assert integration.pause_cause == PauseCause.CREDENTIALS_REFUSED
    assert integration.paused_reason.startswith("Workable rejected the credentials (HTTP 401)")


@responses.activate
def test_the_rest_of_the_batch_is_not_sent_and_nothing_is_claimed_while_paused(invited):
    # given four deliveries owed, and a token Workable refuses
    [pending] = invited.deliveries()
    Delivery.objects.filter(pk=pending.pk).update(state=State.SUCCEEDED)
    owed = invited.complete()
    assert len(owed) == 4
    refused()

    # when a worker takes them
    assert send_all(owed[0]) == BatchOutcome.PAUSED

    # then only the first was tried; the others went back unsent, with no attempt
    assert len(responses.calls) == 1
    for delivery in owed[1:]:
        delivery = reload(delivery)
        assert (delivery.state, delivery.attempt_count, delivery.failures) == (State.PENDING, 0, 0)
    # and later runs, any number of them, send nothing and use up no retry
    for _ in range(5):
        assert send_all(owed[1]) == BatchOutcome.PAUSED
    assert len(responses.calls) == 1
    assert {reload(delivery).state for delivery in owed} == {State.PENDING}
    assert sum(reload(delivery).failures for delivery in owed) == 0


def test_the_sweeper_publishes_nothing_of_a_paused_integration(invited):
    [pending] = invited.deliveries()
    Delivery.objects.filter(pk=pending.pk).update(enqueued_at=None)
    pausing.pause(invited.integration, PauseCause.CREDENTIALS_REFUSED, "refused")

    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        counts = requeue.sweep()

    assert counts.published == 0
    apply_async.assert_not_called()


@responses.activate
def test_resuming_sends_every_waiting_delivery_once_in_the_order_written(
    invited, django_capture_on_commit_callbacks
):
    # given a paused integration with everything of a completed assessment waiting
    [pending] = invited.deliveries()
    refused()
    run(pending)
    invited.complete()
    owed = invited.deliveries()
    kinds = [Kind.STATUS, Kind.STATUS, Kind.COMMENT, Kind.FIELD, Kind.FIELD]
    assert [d.kind for d in owed] == kinds
    assert {d.state for d in owed} == {State.PENDING, State.DROPPED}

    # when a working token is in place and the integration resumes
    responses.reset()
    accepted()
    with (
        mock.patch.object(send_delivery, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        waiting = requeue.resume(paused_integration(invited))

    # then one task is published, for the first written of them
    waiting_ones = [d for d in owed if reload(d).state == State.PENDING]
    assert waiting == len(waiting_ones) == 4
    apply_async.assert_called_once_with(
        args=(waiting_ones[0].pk,), retry=False, queue=BACKLOG_QUEUE
    )
    assert paused_integration(invited).deliveries_paused_at is None
    # and that task sends them all, once each, in order
    assert send_all(waiting_ones[0]) == BatchOutcome.SUCCEEDED
    assert {reload(d).state for d in waiting_ones} == {State.SUCCEEDED}
    sent = [(call.request.method, str(call.request.url).split("?")[0]) for call in responses.calls]
    assert sent == [
        ("PUT", CALLBACK_URL),
        ("GET", f"{SPI}/candidates"),
        ("POST", f"{SPI}/candidates/{CANDIDATE_ID}/comments"),
        ("PATCH", f"{SPI}/candidates/{CANDIDATE_ID}/update_custom_attribute_value"),
        ("PATCH", f"{SPI}/candidates/{CANDIDATE_ID}/update_custom_attribute_value"),
    ]
    assert sum(d.attempts.filter(outcome="succeeded").count() for d in waiting_ones) == 4


def test_a_pause_for_refused_credentials_replaces_a_rotation_but_not_the_reverse(invited):
    integration = invited.integration
    assert pausing.pause(integration, PauseCause.ROTATING, "rotating")
    assert pausing.pause(integration, PauseCause.CREDENTIALS_REFUSED, "refused")
    assert not pausing.pause(integration, PauseCause.ROTATING, "rotating again")

    assert paused_integration(invited).pause_cause == PauseCause.CREDENTIALS_REFUSED


def test_resuming_an_integration_that_is_not_paused_does_nothing(invited):
    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        assert requeue.resume(invited.integration) == 0
    apply_async.assert_not_called()
