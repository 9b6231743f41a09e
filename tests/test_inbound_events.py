"""Inbound events: stored once per ATS id, processed by a claimed task, retried, swept."""

import datetime

import pytest
from django.utils import timezone

from integrations import inbound_events
from integrations.inbound_events import EventOutcome
from integrations.models import InboundEvent
from integrations.transport import PermanentError, TransientError
from tests import factories
from tests.stage_provider import KEY

pytestmark = pytest.mark.django_db
State = InboundEvent.State


@pytest.fixture
def staged(stage_provider, account, assessments):
    return factories.ready_integration(account, provider=KEY)


def record(integration, event_id="evt-1", **options):
    return inbound_events.record(
        integration, event_id=event_id, action="stage_change", body='{"a": 1}', **options
    )


def test_a_repeat_of_an_event_id_is_found_not_stored(staged, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as published:
        first = record(staged)
        again = record(staged)
        unnamed = [record(staged, event_id=""), record(staged, event_id="")]

    assert first.created
    assert not again.created
    assert again.event.pk == first.event.pk
    assert all(item.created for item in unnamed)
    assert InboundEvent.objects.count() == 3
    assert len(published) == 3  # one task per stored event


def test_the_task_lets_the_provider_handle_it_once(
    staged,
    stage_provider,
    django_capture_on_commit_callbacks,
):
    handled = []

    def handle(event):
        handled.append(event.pk)
        return EventOutcome(State.DONE, "Invited.", details={"application": 7})

    stage_provider.handle = handle
    with django_capture_on_commit_callbacks(execute=True):
        event = record(staged).event
    inbound_events.process(event.pk)  # a second delivery of the task

    event.refresh_from_db()
    assert handled == [event.pk]
    assert (event.state, event.outcome, event.details) == (
        State.DONE,
        "Invited.",
        {"application": 7},
    )
    assert event.attempt_count == 1
    assert event.finished_at is not None


def test_a_final_state_gets_no_task(staged, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as published:
        event = record(staged, state=State.IGNORED, outcome="A ping.").event
    assert published == []
    assert event.finished_at is not None


def test_transient_failures_are_retried_then_fail(
    staged,
    stage_provider,
    settings,
):
    settings.DELIVERY_RETRY_SCHEDULE = [0.0, 0.0]
    calls = []

    def handle(event):
        calls.append(event.attempt_count)
        raise TransientError("The ATS is down.")

    stage_provider.handle = handle
    event = record(staged).event
    inbound_events.process(event.pk)

    event.refresh_from_db()
    assert calls == [1, 2, 3]  # the two retries ran at once (eager countdowns)
    assert event.state == State.FAILED
    assert event.outcome == "Gave up: The ATS is down."


def test_a_permanent_failure_or_a_bug_fails_at_once(staged, stage_provider):
    stage_provider.handle = lambda event: (_ for _ in ()).throw(PermanentError("Refused."))
    refused = record(staged, "a").event
    inbound_events.process(refused.pk)
    stage_provider.handle = lambda event: 1 / 0
    broken = record(staged, "b").event
    inbound_events.process(broken.pk)

    refused.refresh_from_db()
    broken.refresh_from_db()
    assert (refused.state, refused.outcome) == (State.FAILED, "Refused.")
    assert (broken.state, broken.outcome) == (State.FAILED, "It could not be processed (an error).")


def test_the_sweeper_publishes_lost_and_abandoned_events(
    staged,
    stage_provider,
    settings,
):
    handled = []

    def handle(event):
        handled.append(event.pk)
        return EventOutcome(State.DONE, "ok")

    stage_provider.handle = handle
    lost = record(staged, "lost").event
    abandoned = record(staged, "abandoned").event
    fresh = record(staged, "fresh").event
    long_ago = timezone.now() - datetime.timedelta(
        seconds=settings.DELIVERY_REQUEUE_AFTER_SECONDS + 1
    )
    InboundEvent.objects.filter(pk=lost.pk).update(enqueued_at=long_ago, next_attempt_at=long_ago)
    InboundEvent.objects.filter(pk=abandoned.pk).update(
        state=State.PROCESSING, locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert inbound_events.sweep() == 2

    assert sorted(handled) == sorted([lost.pk, abandoned.pk])
    fresh.refresh_from_db()
    assert fresh.state == State.RECEIVED
