"""The delivery outbox: everything owed to an ATS, stored before it is sent, sent until it lands.

The database is the source of truth, the broker only a doorbell. A status change writes its
deliveries in its own transaction (`add`); their tasks are published after commit. A task takes
a delivery id and claims the row with a conditional update (`pending` and due → `sending` with
a lease): only the worker whose update changed one row sends, so a task delivered twice sends
once. Each attempt is recorded with what the partner answered; transient failures wait in
`next_attempt_at` for the next step of DELIVERY_RETRY_SCHEDULE, permanent ones stop at once.
Short waits are also published as broker countdowns; longer ones only in the database, because
a Redis broker re-delivers countdowns longer than its visibility timeout.

The sweeper (`sweep`, run by beat) is what makes this durable: it re-takes deliveries whose
worker died (lease run out), releases held deliveries of enabled integrations, and publishes
deliveries that are due but whose task was never published or was lost (broker restarted).

Status deliveries carry a rank (pending < completed/expired/rejected): one is dropped, not sent,
once a higher-ranked status delivery exists for the same candidate assessment, and waits while
a lower-ranked one is being sent, so the ATS never sees an older status after a newer one.
"""

from __future__ import annotations

import datetime
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations.models import Delivery, DeliveryAttempt, Integration
from integrations.providers import get_provider
from integrations.transport import (
    DeliveryError,
    DeliveryTimeout,
    Exchange,
    PermanentError,
    Postponed,
    TransientError,
)

logger = logging.getLogger(__name__)

State = Delivery.State
Outcome = DeliveryAttempt.Outcome

# A task may run this much before its delivery is due (clocks of workers and broker differ).
EARLY = datetime.timedelta(milliseconds=50)
# A status delivery waiting for an older one in flight looks again this soon.
ORDER_RECHECK = datetime.timedelta(milliseconds=500)
SWEEP_BATCH = 1000
# After a publish failed, this process leaves publishing to the sweeper for this long.
BROKER_RETRY_SECONDS = 2.0
REPLAYABLE_STATES = (State.FAILED, State.SUCCEEDED)
HEALTH_WINDOW = datetime.timedelta(hours=24)

Sender = Callable[[Delivery], Exchange]


# --- Publishing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Doorbell:
    """One task to publish: which delivery, for which provider's task, and when it is due."""

    delivery_id: int
    provider: str
    eta: datetime.datetime | None = None


@cache
def _task(provider: str) -> Task[Any, Any]:
    task: Task[Any, Any] = import_string(get_provider(provider).delivery_task)
    return task


class _Broker:
    """This process's memory of a broker that just refused, so requests stop waiting on it."""

    down_until = 0.0


def publish(doorbells: Iterable[Doorbell]) -> int:
    """Publish a task per delivery; returns how many went out.

    A broker that is down must not fail or slow the caller: the first error stops publishing
    (and for BROKER_RETRY_SECONDS this process does not try again), and the deliveries not
    published are marked so that the next sweep publishes them.
    """
    pending = list(doorbells)
    for index, doorbell in enumerate(pending):
        try:
            if time.monotonic() < _Broker.down_until:
                raise ConnectionError("the broker was down a moment ago")
            options: dict[str, Any] = {"eta": doorbell.eta} if doorbell.eta else {}
            _task(doorbell.provider).apply_async(
                args=(doorbell.delivery_id,), retry=False, **options
            )
        except Exception as error:
            _Broker.down_until = time.monotonic() + BROKER_RETRY_SECONDS
            missed = [item.delivery_id for item in pending[index:]]
            logger.warning(
                "Could not publish %d delivery task(s) (%s); the sweeper will.",
                len(missed),
                type(error).__name__,
            )
            try:
                Delivery.objects.filter(pk__in=missed).update(enqueued_at=None)
            except Exception:
                logger.warning("Could not mark deliveries %s as unpublished.", missed[:20])
            return index
    return len(pending)


def publish_after_commit(doorbells: Iterable[Doorbell]) -> None:
    items = list(doorbells)
    if items:
        transaction.on_commit(lambda: publish(items))


def _doorbell_for(delivery: Delivery, due: datetime.datetime, now: datetime.datetime) -> Doorbell:
    eta = due if due > now else None
    return Doorbell(delivery.pk, delivery.integration.provider, eta)


def _countdown_allowed(due: datetime.datetime, now: datetime.datetime) -> bool:
    return (due - now).total_seconds() <= settings.DELIVERY_MAX_COUNTDOWN_SECONDS


# --- Writing deliveries ---------------------------------------------------------------------


def add(integration: Integration, deliveries: list[Delivery]) -> list[Delivery]:
    """Store `deliveries` in the caller's transaction and publish them once it commits.

    A disabled integration's deliveries are stored `held`, to be sent when it is enabled again.
    """
    now = timezone.now()
    state = State.PENDING if integration.is_enabled else State.HELD
    for delivery in deliveries:
        delivery.integration = integration
        delivery.state = state
        delivery.next_attempt_at = now
        delivery.enqueued_at = now if state == State.PENDING else None
    created = Delivery.objects.bulk_create(deliveries)
    _drop_superseded(created, now)
    if state == State.PENDING:
        publish_after_commit(Doorbell(item.pk, integration.provider) for item in created)
    return created


def _drop_superseded(deliveries: list[Delivery], now: datetime.datetime) -> None:
    """Older statuses not yet on their way will never be sent: drop them now, not at send time.

    The check before sending stays (a delivery may be replayed, or be in flight); this only
    saves workers the runs that would end in `dropped`.
    """
    newest: dict[int, Delivery] = {}
    for delivery in deliveries:
        if delivery.kind == Delivery.Kind.STATUS and delivery.rank is not None:
            current = newest.get(delivery.candidate_assessment_id)
            if current is None or (current.rank or 0) < delivery.rank:
                newest[delivery.candidate_assessment_id] = delivery
    for candidate_assessment_id, delivery in newest.items():
        Delivery.objects.filter(
            candidate_assessment_id=candidate_assessment_id,
            kind=Delivery.Kind.STATUS,
            rank__lt=delivery.rank,
            state__in=[State.PENDING, State.HELD],
        ).update(
            state=State.DROPPED,
            finished_at=now,
            last_error=f"Not sent: a newer status ({delivery.label}) was recorded first.",
            updated_at=now,
        )


# --- Sending --------------------------------------------------------------------------------


def claim(delivery_id: int) -> Delivery | None:
    """Take a due, pending delivery for this worker; None when another has it or it is not due."""
    now = timezone.now()
    lease = now + datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    claimed = Delivery.objects.filter(
        pk=delivery_id, state=State.PENDING, next_attempt_at__lte=now + EARLY
    ).update(state=State.SENDING, locked_until=lease, updated_at=now)
    if claimed != 1:
        return None
    # Only what every send needs; a sender that needs the candidate loads it itself.
    claimed_rows = Delivery.objects.select_related("integration__ats_credential").filter(
        pk=delivery_id
    )
    return next(iter(claimed_rows.order_by()), None)


def process(delivery_id: int, send: Sender, *, task_id: str = "") -> str:
    """Claim a delivery, send it with `send`, record the attempt; returns what happened."""
    delivery = claim(delivery_id)
    if delivery is None:
        return "not claimed"
    if not delivery.integration.is_enabled:
        _settle(delivery, state=State.HELD)
        return "held"
    if delivery.kind == Delivery.Kind.STATUS:
        verdict = _order_verdict(delivery)
        if verdict is not None:
            return verdict
    started_at = timezone.now()
    started = time.monotonic()
    try:
        exchange = send(delivery)
    except Postponed as postponed:
        _postpone(delivery, postponed)
        return "postponed"
    except DeliveryError as error:
        _record_failure(delivery, error, started_at, _elapsed_ms(started), task_id)
        return "failed attempt"
    except Exception as error:
        logger.exception("Delivery %s: unexpected error while sending", delivery.pk)
        unexpected = TransientError(f"Unexpected error while sending ({type(error).__name__}).")
        _record_failure(delivery, unexpected, started_at, _elapsed_ms(started), task_id)
        return "failed attempt"
    _record_success(delivery, exchange, started_at, _elapsed_ms(started), task_id)
    return "succeeded"


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _settle(delivery: Delivery, **changes: Any) -> bool:
    """Apply `changes` if this worker still holds the delivery (its lease was not taken over)."""
    changes.setdefault("locked_until", None)
    changes["updated_at"] = timezone.now()
    held = Delivery.objects.filter(
        pk=delivery.pk, state=State.SENDING, locked_until=delivery.locked_until
    ).update(**changes)
    if not held:
        logger.warning("Delivery %s: lease lost before the result was recorded", delivery.pk)
    return bool(held)


def _order_verdict(delivery: Delivery) -> str | None:
    """Drop a status superseded by a newer one; wait while an older one is being sent."""
    now = timezone.now()
    others = (
        Delivery.objects.filter(
            candidate_assessment_id=delivery.candidate_assessment_id, kind=Delivery.Kind.STATUS
        )
        .exclude(pk=delivery.pk)
        .exclude(state=State.DROPPED)
        .values_list("rank", "state", "locked_until", "label")
    )
    rank = delivery.rank or 0
    in_flight: list[datetime.datetime] = []
    for other_rank, other_state, locked_until, label in others:
        if (other_rank or 0) > rank:
            _settle(
                delivery,
                state=State.DROPPED,
                finished_at=now,
                last_error=f"Not sent: a newer status ({label}) exists for this assessment.",
            )
            logger.info("Delivery %s dropped: superseded by %s", delivery.pk, label)
            return "dropped"
        older = (other_rank or 0) < rank
        if older and other_state == State.SENDING and locked_until and locked_until > now:
            in_flight.append(locked_until)
    if in_flight:
        due = min([*in_flight, now + ORDER_RECHECK])
        if _settle(delivery, state=State.PENDING, next_attempt_at=due, enqueued_at=now):
            publish([_doorbell_for(delivery, due, now)])
        return "waiting for an older status"
    return None


def _postpone(delivery: Delivery, postponed: Postponed) -> None:
    now = timezone.now()
    due = postponed.until
    queued = _countdown_allowed(due, now)
    settled = _settle(
        delivery,
        state=State.PENDING,
        next_attempt_at=due,
        rate_slot_at=due if postponed.reserved else None,
        enqueued_at=now if queued else None,
    )
    if settled and queued:
        publish([_doorbell_for(delivery, due, now)])


def retry_delay(failures: int, retry_after: float | None = None) -> float:
    """Seconds before the retry after the `failures`-th failed attempt in a row.

    The schedule's step, less a random part of up to DELIVERY_RETRY_JITTER of it (so retries of
    many deliveries spread out and never exceed the step), and never less than `retry_after`.
    """
    schedule = settings.DELIVERY_RETRY_SCHEDULE
    base = schedule[min(failures, len(schedule)) - 1] if schedule else 0.0
    delay = base - random.uniform(0, base * settings.DELIVERY_RETRY_JITTER)  # noqa: S311
    return max(delay, retry_after or 0.0, 0.0)


def _attempt(
    delivery: Delivery,
    *,
    outcome: str,
    started_at: datetime.datetime,
    duration_ms: int | None,
    exchange: Exchange,
    error: str = "",
    task_id: str = "",
) -> DeliveryAttempt:
    return DeliveryAttempt.objects.create(
        delivery_id=delivery.pk,
        integration_id=delivery.integration_id,
        number=delivery.attempt_count + 1,
        started_at=started_at,
        duration_ms=duration_ms,
        outcome=outcome,
        request=exchange.request[:300],
        http_status=exchange.http_status,
        response_excerpt=exchange.response_excerpt,
        error=error,
        task_id=task_id[:64],
    )


def _record_success(
    delivery: Delivery,
    exchange: Exchange,
    started_at: datetime.datetime,
    duration_ms: int,
    task_id: str,
) -> None:
    now = timezone.now()
    with transaction.atomic():
        settled = _settle(
            delivery,
            state=State.SUCCEEDED,
            attempt_count=delivery.attempt_count + 1,
            failures=0,
            finished_at=now,
            last_error="",
            rate_slot_at=None,
        )
        _attempt(
            delivery,
            outcome=Outcome.SUCCEEDED,
            started_at=started_at,
            duration_ms=duration_ms,
            exchange=exchange,
            task_id=task_id,
        )
        if settled and delivery.integration.last_error:
            Integration.objects.filter(pk=delivery.integration_id).update(
                last_error="", last_error_at=None
            )
    logger.info(
        "Delivery %s (%s, integration %s, candidate assessment %s) succeeded: HTTP %s in %d ms",
        delivery.pk,
        delivery.label,
        delivery.integration_id,
        delivery.candidate_assessment_id,
        exchange.http_status,
        duration_ms,
    )


def _record_failure(
    delivery: Delivery,
    error: DeliveryError,
    started_at: datetime.datetime,
    duration_ms: int,
    task_id: str,
) -> None:
    now = timezone.now()
    failures = delivery.failures + 1
    permanent = isinstance(error, PermanentError)
    exhausted = failures > len(settings.DELIVERY_RETRY_SCHEDULE)
    if isinstance(error, DeliveryTimeout):
        outcome = Outcome.TIMEOUT
    elif permanent:
        outcome = Outcome.PERMANENT
    else:
        outcome = Outcome.TRANSIENT
    changes: dict[str, Any] = {
        "attempt_count": delivery.attempt_count + 1,
        "failures": failures,
        "last_error": str(error),
        "rate_slot_at": None,
    }
    due: datetime.datetime | None = None
    if permanent or exhausted:
        changes.update(state=State.FAILED, finished_at=now)
    else:
        retry_after = error.retry_after if isinstance(error, TransientError) else None
        due = now + datetime.timedelta(seconds=retry_delay(failures, retry_after))
        queued = _countdown_allowed(due, now)
        changes.update(
            state=State.PENDING, next_attempt_at=due, enqueued_at=now if queued else None
        )
        due = due if queued else None
    with transaction.atomic():
        settled = _settle(delivery, **changes)
        _attempt(
            delivery,
            outcome=outcome,
            started_at=started_at,
            duration_ms=duration_ms,
            exchange=error.exchange,
            error=str(error),
            task_id=task_id,
        )
        if permanent and getattr(error, "credentials_rejected", False):
            label = delivery.integration.provider_impl.label
            Integration.objects.filter(pk=delivery.integration_id).update(
                last_error=f"{label} rejected the credentials: {error}", last_error_at=now
            )
    if settled and due is not None:
        publish([_doorbell_for(delivery, due, now)])
    if changes["state"] == State.FAILED:
        logger.warning(
            "Delivery %s (%s, integration %s, candidate assessment %s) failed after %d "
            "attempt(s): %s",
            delivery.pk,
            delivery.label,
            delivery.integration_id,
            delivery.candidate_assessment_id,
            changes["attempt_count"],
            error,
        )
    else:
        logger.info("Delivery %s attempt %d failed (%s)", delivery.pk, failures, outcome)


# --- Holding, replaying, sweeping -----------------------------------------------------------


def hold(integration: Integration) -> int:
    """Keep a disabled integration's pending deliveries; nothing is lost, nothing is sent."""
    return Delivery.objects.filter(integration=integration, state=State.PENDING).update(
        state=State.HELD, updated_at=timezone.now()
    )


def release(integration: Integration) -> int:
    """Send an enabled integration's held deliveries (after the caller's transaction commits)."""
    return _requeue(Delivery.objects.filter(integration=integration, state=State.HELD))


def _requeue(deliveries: QuerySet[Delivery], **extra: Any) -> int:
    now = timezone.now()
    rows = list(deliveries.values_list("pk", "integration__provider", "state"))
    if not rows:
        return 0
    count = Delivery.objects.filter(
        pk__in=[pk for pk, _, _ in rows], state__in={state for _, _, state in rows}
    ).update(
        state=State.PENDING,
        next_attempt_at=now,
        enqueued_at=now,
        locked_until=None,
        rate_slot_at=None,
        updated_at=now,
        **extra,
    )
    publish_after_commit(Doorbell(pk, provider) for pk, provider, _ in rows)
    return count


def replay(delivery: Delivery) -> bool:
    """Send a failed (or succeeded) delivery again, with a fresh retry schedule."""
    if delivery.state not in REPLAYABLE_STATES:
        return False
    replayed = _requeue(
        Delivery.objects.filter(pk=delivery.pk, state=delivery.state),
        failures=0,
        finished_at=None,
    )
    return replayed == 1


def failed_since(integration: Integration, since: datetime.datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        integration=integration, state=State.FAILED, finished_at__gte=since
    )


def replay_failed_since(integration: Integration, since: datetime.datetime) -> int:
    """Replay every delivery of `integration` that failed at or after `since`; returns how many."""
    return _requeue(failed_since(integration, since), failures=0, finished_at=None)


def reclaim_expired_leases(now: datetime.datetime) -> int:
    """Deliveries whose worker died mid-send: record the lost attempt and make them due again."""
    lease = datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    limit = len(settings.DELIVERY_RETRY_SCHEDULE)
    expired = Delivery.objects.select_related("integration").filter(
        state=State.SENDING, locked_until__lt=now
    )[:SWEEP_BATCH]
    reclaimed = 0
    for delivery in expired:
        if delivery.locked_until is None:
            continue
        failures = delivery.failures + 1
        message = (
            "The worker stopped before recording a result (its lease ran out); "
            "the delivery is sent again."
        )
        with transaction.atomic():
            if not _settle(
                delivery,
                state=State.FAILED if failures > limit else State.PENDING,
                attempt_count=delivery.attempt_count + 1,
                failures=failures,
                next_attempt_at=now,
                enqueued_at=None,
                finished_at=now if failures > limit else None,
                last_error=message,
                rate_slot_at=None,
            ):
                continue
            _attempt(
                delivery,
                outcome=Outcome.INTERRUPTED,
                started_at=delivery.locked_until - lease,
                duration_ms=None,
                exchange=Exchange(),
                error=message,
            )
        reclaimed += 1
        logger.warning("Delivery %s: worker lost mid-send; re-queued", delivery.pk)
    return reclaimed


def sweep() -> dict[str, int]:
    """Re-take lost work and publish what is due; safe to run anywhere, any number of times."""
    now = timezone.now()
    reclaimed = reclaim_expired_leases(now)
    released = _requeue(
        Delivery.objects.filter(state=State.HELD, integration__is_enabled=True)[:SWEEP_BATCH]
    )
    lookahead = now + datetime.timedelta(seconds=settings.DELIVERY_SWEEP_SECONDS * 1.5)
    requeue_before = now - datetime.timedelta(seconds=settings.DELIVERY_REQUEUE_AFTER_SECONDS)
    due = (
        Delivery.objects.filter(state=State.PENDING)
        .filter(
            Q(enqueued_at__isnull=True, next_attempt_at__lte=lookahead)
            | Q(enqueued_at__lte=requeue_before, next_attempt_at__lte=requeue_before)
        )
        .order_by("next_attempt_at")
        .values_list("pk", "integration__provider", "next_attempt_at")[:SWEEP_BATCH]
    )
    rows = list(due)
    if rows:
        Delivery.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(enqueued_at=now)
    published = publish(
        Doorbell(pk, provider, next_attempt_at if next_attempt_at > now else None)
        for pk, provider, next_attempt_at in rows
    )
    return {"reclaimed": reclaimed, "released": released, "published": published}


# --- Health, for the admin ------------------------------------------------------------------


def with_delivery_health(integrations: QuerySet[Integration]) -> QuerySet[Integration]:
    """Annotate last success, failed attempts in the last 24 h and "failing", in one query."""
    since = timezone.now() - HEALTH_WINDOW
    attempts = DeliveryAttempt.objects.filter(integration=OuterRef("pk"))
    failures = (
        attempts.filter(started_at__gte=since, outcome__in=DeliveryAttempt.FAILURES)
        .order_by()
        .values("integration")
        .annotate(total=Count("pk"))
        .values("total")
    )
    troubled = Delivery.objects.filter(integration=OuterRef("pk")).filter(
        Q(state=State.FAILED, finished_at__gte=since) | Q(state=State.PENDING, failures__gt=0)
    )
    return integrations.annotate(
        delivery_last_success=Subquery(
            attempts.filter(outcome=Outcome.SUCCEEDED)
            .order_by("-started_at")
            .values("started_at")[:1]
        ),
        delivery_failures_24h=Coalesce(Subquery(failures, output_field=IntegerField()), 0),
        delivery_failing=Exists(troubled),
    )
