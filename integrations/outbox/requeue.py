"""Holding, releasing, replaying and sweeping: putting deliveries back in line.

The sweeper (`sweep`, run by beat) is what makes the outbox durable: it re-takes deliveries whose
worker died (lease run out), releases held deliveries of enabled integrations, and publishes
deliveries that are due but whose task was never published or was lost (broker restarted),
except those of a paused integration (`outbox.pausing`): `resume` publishes those.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from harver_integration import history
from integrations.models import Delivery, DeliveryAttempt, Integration
from integrations.outbox.outcomes import SweepCounts
from integrations.outbox.publishing import doorbells_for, publish, publish_after_commit
from integrations.outbox.recording import new_attempt, settle
from integrations.transport import Exchange

logger = logging.getLogger(__name__)

State = Delivery.State
Outcome = DeliveryAttempt.Outcome

# At most this many integrations get a doorbell for what is due now per sweep (and this many
# deliveries due in the next moments one each).
SWEEP_BATCH = 1000

REPLAYABLE_STATES = (State.FAILED, State.SUCCEEDED)


def hold(integration: Integration) -> int:
    """Keep a disabled integration's pending deliveries; nothing is lost, nothing is sent."""
    return Delivery.objects.filter(integration=integration, state=State.PENDING).update(
        state=State.HELD, updated_at=timezone.now()
    )


def release(integration: Integration) -> int:
    """Send an enabled integration's held deliveries (after the caller's transaction commits)."""
    return _requeue(Delivery.objects.filter(integration=integration, state=State.HELD))


def resume(integration: Integration) -> int:
    """End a pause (`outbox.pausing`): the integration's waiting deliveries go, in the order
    they were written, after the caller's transaction commits. Returns how many wait to go."""
    with transaction.atomic():
        resumed = Integration.objects.filter(
            pk=integration.pk, deliveries_paused_at__isnull=False
        ).update(deliveries_paused_at=None, pause_cause="", paused_reason="")
        integration.deliveries_paused_at = None
        integration.pause_cause = integration.paused_reason = ""
        if not resumed:
            return 0
        waiting = Delivery.objects.filter(integration=integration, state=State.PENDING)
        count = _requeue(waiting.order_by("pk"))  # the first written goes first
        history.record(integration, {"deliveries resumed": ("", f"{count} waiting")})
    logger.info("Integration %s: deliveries resumed (%d waiting)", integration.pk, count)
    return count


def _requeue(deliveries: QuerySet[Delivery], *, fresh: bool = False, **extra: Any) -> int:
    """Make `deliveries` due now and ring for them after commit; `fresh` for an admin's replay,
    who waits for it, the backlog lane for releases of work that waited."""
    now = timezone.now()
    rows = list(deliveries.values_list("pk", "integration_id", "integration__provider", "state"))
    if not rows:
        return 0
    count = Delivery.objects.filter(
        pk__in=[row[0] for row in rows], state__in={row[3] for row in rows}
    ).update(
        state=State.PENDING,
        next_attempt_at=now,
        enqueued_at=now,
        locked_until=None,
        updated_at=now,
        **extra,
    )
    publish_after_commit(doorbells_for([(*row[:3], now) for row in rows], now, fresh=fresh))
    return count


def replay(delivery: Delivery) -> bool:
    """Send a failed (or succeeded) delivery again, with a fresh retry schedule."""
    if delivery.state not in REPLAYABLE_STATES:
        return False
    replayed = _requeue(
        Delivery.objects.filter(pk=delivery.pk, state=delivery.state),
        fresh=True,
        failures=0,
        finished_at=None,
    )
    if replayed:
        history.record(
            delivery.integration, {"replayed": ("", f"delivery {delivery.pk} ({delivery.label})")}
        )
    return replayed == 1


def failed_since(integration: Integration, since: datetime.datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        integration=integration, state=State.FAILED, finished_at__gte=since
    )


def replay_failed_since(integration: Integration, since: datetime.datetime) -> int:
    """Replay every delivery of `integration` that failed at or after `since`; returns how many."""
    replayed = _requeue(failed_since(integration, since), fresh=True, failures=0, finished_at=None)
    if replayed:
        history.record(
            integration,
            {"replayed": ("", f"{replayed} delivery(ies) failed since {since.isoformat()}")},
        )
    return replayed


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
            if not settle(
                delivery,
                state=State.FAILED if failures > limit else State.PENDING,
                attempt_count=delivery.attempt_count + 1,
                failures=failures,
                next_attempt_at=now,
                enqueued_at=None,
                finished_at=now if failures > limit else None,
                last_error=message,
            ):
                continue
            new_attempt(
                delivery,
                outcome=Outcome.INTERRUPTED,
                started_at=delivery.locked_until - lease,
                duration_ms=None,
                exchange=Exchange(),
                error=message,
            ).save()
        reclaimed += 1
        logger.warning("Delivery %s: worker lost mid-send; re-queued", delivery.pk)
    return reclaimed


def sweep() -> SweepCounts:
    """Re-take lost work and publish what is due; safe to run anywhere, any number of times."""
    now = timezone.now()
    reclaimed = reclaim_expired_leases(now)
    released = _requeue(
        Delivery.objects.filter(state=State.HELD, integration__is_enabled=True)[:SWEEP_BATCH]
    )
    published = publish(doorbells_for(_take_due_unpublished(now), now))
    return SweepCounts(reclaimed=reclaimed, released=released, published=published)


def _take_due_unpublished(now: datetime.datetime) -> list[tuple[int, int, str, datetime.datetime]]:
    """Mark as published, and return as (id, integration id, provider, due), what this sweep
    publishes: every delivery due now whose task was never published or was lost, of at most
    SWEEP_BATCH integrations (those waiting longest first), and at most SWEEP_BATCH deliveries
    due within the next 1.5 sweeps whose task was never published.

    Integrations, not rows, are what a sweep counts for what is due now: the one task each gets
    takes all its due deliveries. Counting rows, oldest first, a backlog of 20,000 after an
    outage took 20 sweeps to reach the last customers, though the first sweep's tasks covered
    their rows too. The queries are the same few whatever the backlog, and read the pending rows
    through an index led by `state`, never the settled ones (their plans at a million rows are in
    docs/deliveries.md).
    """
    lookahead = now + datetime.timedelta(seconds=settings.DELIVERY_SWEEP_SECONDS * 1.5)
    requeue_before = now - datetime.timedelta(seconds=settings.DELIVERY_REQUEUE_AFTER_SECONDS)
    unpublished = Q(enqueued_at__isnull=True, next_attempt_at__lte=now) | Q(
        enqueued_at__lte=requeue_before, next_attempt_at__lte=requeue_before
    )
    pending = Delivery.objects.filter(state=State.PENDING)
    owing = dict(
        pending.filter(unpublished, integration__deliveries_paused_at__isnull=True)
        .values("integration_id")
        .annotate(waiting_since=Min("next_attempt_at"))
        .order_by("waiting_since", "integration_id")
        .values_list("integration_id", "integration__provider")[:SWEEP_BATCH]
    )
    # The integrations' own rows, without the join: their index (integration, state, ...).
    owed_now = pending.filter(unpublished, integration_id__in=list(owing))
    rows = [
        (pk, integration_id, owing[integration_id], due)
        for pk, integration_id, due in owed_now.order_by("next_attempt_at", "pk").values_list(
            "pk", "integration_id", "next_attempt_at"
        )
    ]
    owed_now.update(enqueued_at=now)
    soon = list(
        pending.filter(
            enqueued_at__isnull=True,
            next_attempt_at__gt=now,
            next_attempt_at__lte=lookahead,
            integration__deliveries_paused_at__isnull=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", "integration_id", "integration__provider", "next_attempt_at")[
            :SWEEP_BATCH
        ]
    )
    Delivery.objects.filter(pk__in=[pk for pk, *_ in soon]).update(enqueued_at=now)
    return rows + soon
