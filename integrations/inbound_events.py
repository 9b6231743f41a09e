"""Calls from an ATS that are answered at once and worked on in the background.

`record` stores the event in the caller's transaction and publishes its task once that commits;
an event the ATS sends again under the same id is found, not stored twice. The task claims the
event with a lease (`claim`), asks the provider to handle it (`Provider.process_inbound_event`),
and records what came of it; a transient failure (the ATS unreachable while the provider asks it
something) is tried again on the delivery retry schedule, then fails for the admin to see. The
sweeper publishes events whose task was lost and takes over those whose worker died.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from assessments.models import CandidateAssessment
from harver_integration.queueing import publish_now, schedule_options
from integrations.models import InboundEvent, Integration
from integrations.transport import PermanentError, TransientError

logger = logging.getLogger(__name__)

State = InboundEvent.State
PROCESS_TASK = "integrations.tasks.process_inbound_event"


@dataclass(frozen=True)
class EventOutcome:
    """What handling an event came to, as the provider reports it."""

    state: InboundEvent.State
    message: str
    candidate_assessment: CandidateAssessment | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    event: InboundEvent
    created: bool


def record(
    integration: Integration,
    *,
    event_id: str,
    action: str,
    body: str,
    state: InboundEvent.State = State.RECEIVED,
    outcome: str = "",
    details: dict[str, Any] | None = None,
) -> Recorded:
    """Store an event (a repeat of a known `event_id` returns the first one, `created=False`).

    Only a `received` event gets a task; any other state is final at once (e.g. ignored).
    """
    now = timezone.now()
    finished = None if state in InboundEvent.OPEN_STATES else now
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                integration=integration,
                event_id=event_id[:128],
                action=action[:64],
                state=state,
                outcome=outcome,
                body=body,
                details=details or {},
                next_attempt_at=now if state == State.RECEIVED else None,
                enqueued_at=now if state == State.RECEIVED else None,
                finished_at=finished,
            )
    except IntegrityError:
        existing = InboundEvent.objects.filter(integration=integration, event_id=event_id).first()
        if existing is None:
            raise
        return Recorded(existing, created=False)
    if state == State.RECEIVED:
        transaction.on_commit(lambda: _publish(event.pk))
    return Recorded(event, created=True)


def _publish(event_pk: int) -> bool:
    return publish_now(import_string(PROCESS_TASK), event_pk)


def claim(event_pk: int) -> InboundEvent | None:
    """Take a due event for this worker, or None if another has it or it is settled."""
    now = timezone.now()
    lease = datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    claimable = Q(state=State.RECEIVED, next_attempt_at__lte=now) | Q(
        state=State.PROCESSING, locked_until__lt=now
    )
    with transaction.atomic():
        event = (
            InboundEvent.objects.select_for_update(skip_locked=True)
            .filter(claimable, pk=event_pk)
            .select_related("integration__account")
            .first()
        )
        if event is None:
            return None
        event.state = State.PROCESSING
        event.locked_until = now + lease
        event.attempt_count += 1
        event.save(update_fields=["state", "locked_until", "attempt_count"])
    return event


def process(event_pk: int) -> InboundEvent | None:
    """Claim the event and let its provider handle it (the task's body; safe to run twice)."""
    event = claim(event_pk)
    if event is None:
        return None
    provider = event.integration.provider_impl
    try:
        outcome = provider.process_inbound_event(event)
    except TransientError as error:
        return _retry_or_fail(event, str(error), error.retry_after)
    except PermanentError as error:
        return finish(event, EventOutcome(State.FAILED, str(error)))
    except Exception:
        logger.exception("Inbound event %s failed", event.pk)
        return finish(event, EventOutcome(State.FAILED, "It could not be processed (an error)."))
    return finish(event, outcome)


def finish(event: InboundEvent, outcome: EventOutcome) -> InboundEvent:
    event.state = outcome.state
    event.outcome = outcome.message
    event.details = {**event.details, **outcome.details}
    if outcome.candidate_assessment is not None:
        event.candidate_assessment = outcome.candidate_assessment
    event.locked_until = None
    event.next_attempt_at = None
    event.finished_at = timezone.now()
    event.save(
        update_fields=[
            "state",
            "outcome",
            "details",
            "candidate_assessment",
            "locked_until",
            "next_attempt_at",
            "finished_at",
        ]
    )
    return event


def _retry_or_fail(event: InboundEvent, message: str, retry_after: float | None) -> InboundEvent:
    schedule = settings.DELIVERY_RETRY_SCHEDULE
    if event.attempt_count > len(schedule):
        return finish(event, EventOutcome(State.FAILED, f"Gave up: {message}"))
    delay = max(schedule[event.attempt_count - 1], retry_after or 0.0)
    now = timezone.now()
    event.state = State.RECEIVED
    event.outcome = f"Will try again: {message}"
    event.locked_until = None
    event.next_attempt_at = now + datetime.timedelta(seconds=delay)
    event.enqueued_at = now
    event.save(update_fields=["state", "outcome", "locked_until", "next_attempt_at", "enqueued_at"])
    if delay <= settings.DELIVERY_REQUEUE_AFTER_SECONDS:
        task = import_string(PROCESS_TASK)
        options = schedule_options(task, event.next_attempt_at, now)
        task.apply_async(args=[event.pk], retry=False, **options)
    return event


def sweep() -> int:
    """Publish every due event whose task is not known to be on its way; the count published."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.DELIVERY_REQUEUE_AFTER_SECONDS)
    due = InboundEvent.objects.filter(
        Q(state=State.RECEIVED, next_attempt_at__lte=now)
        & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale) | Q(next_attempt_at__lt=stale))
        | Q(state=State.PROCESSING, locked_until__lt=now)
    ).values_list("pk", flat=True)[:500]
    published = 0
    for event_pk in list(due):
        if not _publish(event_pk):
            break
        InboundEvent.objects.filter(pk=event_pk).update(enqueued_at=now)
        published += 1
    return published
