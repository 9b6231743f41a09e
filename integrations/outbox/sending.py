"""Sending: claim a batch of an integration's due deliveries and send it through one sender."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Subquery, Value, When
from django.utils import timezone

from integrations.models import Delivery, Integration
from integrations.outbox.ordering import order_verdict, status_deliveries_of
from integrations.outbox.outcomes import BatchOutcome
from integrations.outbox.pausing import pauses_deliveries
from integrations.outbox.publishing import (
    Doorbell,
    answered,
    countdown_allowed,
    doorbell_for,
    publish,
)
from integrations.outbox.recording import (
    Sent,
    record_failure,
    record_pause,
    record_successes,
    settle,
    settle_all,
)
from integrations.transport import DeliveryError, Exchange, Postponed, TransientError

logger = logging.getLogger(__name__)

State = Delivery.State

# A task may run this much before its delivery is due (clocks of workers and broker differ).
EARLY = datetime.timedelta(milliseconds=50)

# Successes of idempotent deliveries wait for at most this many more before they are recorded.
RECORD_EVERY = 10


Sender = Callable[[Delivery], Exchange]
# Opens one sender for a claimed batch of an integration's deliveries (one token, one session).
Connect = Callable[[Integration, list[Delivery]], AbstractContextManager[Sender]]


def batch_seconds() -> float:
    """How long a task keeps starting new sends: well inside the lease its batch holds."""
    return min(settings.DELIVERY_BATCH_SECONDS, settings.DELIVERY_LEASE_SECONDS / 4)


def claim(delivery_id: int, size: int | None = None) -> list[Delivery]:
    """Take `delivery_id` and up to `size` - 1 more due, pending deliveries of its integration.

    The named delivery comes first (its task was published for it), then the others by due
    time. Rows another worker holds are skipped (PostgreSQL's SKIP LOCKED; SQLite writes one
    at a time), and only rows this claim's lease now marks are returned, so no delivery is ever
    in two batches. Empty when nothing of the integration is due.
    """
    size = size or settings.DELIVERY_BATCH_SIZE
    now = timezone.now()
    lease = now + datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    take = claim_in_one_statement if connection.vendor == "postgresql" else claim_in_orm
    return take(delivery_id, size, now, lease)


def claim_in_orm(
    delivery_id: int, size: int, now: datetime.datetime, lease: datetime.datetime
) -> list[Delivery]:
    integration = Delivery.objects.filter(pk=delivery_id).values("integration_id")
    due = Delivery.objects.filter(
        integration_id=Subquery(integration),
        state=State.PENDING,
        next_attempt_at__lte=now + EARLY,
    ).order_by(Case(When(pk=delivery_id, then=Value(0)), default=Value(1)), "next_attempt_at", "pk")
    with transaction.atomic():
        ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:size])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids, state=State.PENDING).update(
            state=State.SENDING, locked_until=lease, updated_at=now
        )
    # Only what every send needs; a sender that needs the candidate loads it itself.
    rows = Delivery.objects.select_related("integration__ats_credential").filter(
        pk__in=ids, state=State.SENDING, locked_until=lease
    )
    position = {pk: index for index, pk in enumerate(ids)}
    batch = sorted(rows.order_by(), key=lambda delivery: position[delivery.pk])
    for delivery in batch[1:]:
        delivery.integration = batch[0].integration  # one integration, one credential, in memory
    return batch


# The same claim as the ORM's in `claim`, in one statement: one round trip and its commit
# instead of BEGIN, SELECT … FOR UPDATE, UPDATE, COMMIT; the integration is then read once,
# not joined to every row.
CLAIM_SQL = """
WITH due AS (
    SELECT id FROM {deliveries}
     WHERE integration_id = (SELECT integration_id FROM {deliveries} WHERE id = %(named)s)
       AND state = %(pending)s AND next_attempt_at <= %(due_by)s
     ORDER BY id = %(named)s DESC, next_attempt_at, id
     LIMIT %(size)s
       FOR UPDATE SKIP LOCKED
)
UPDATE {deliveries} SET state = %(sending)s, locked_until = %(lease)s, updated_at = %(now)s
  FROM due
 WHERE {deliveries}.id = due.id
RETURNING {deliveries}.*
"""


def claim_in_one_statement(
    delivery_id: int, size: int, now: datetime.datetime, lease: datetime.datetime
) -> list[Delivery]:
    """PostgreSQL: `claim` as one atomic statement, in the same order."""
    statement = CLAIM_SQL.format(deliveries=connection.ops.quote_name(Delivery._meta.db_table))
    params = {
        "named": delivery_id,
        "pending": State.PENDING.value,
        "sending": State.SENDING.value,
        "due_by": now + EARLY,
        "size": size,
        "lease": lease,
        "now": now,
    }
    rows = list(Delivery.objects.raw(statement, params))
    if not rows:
        return []
    batch = sorted(
        rows,
        key=lambda delivery: (delivery.pk != delivery_id, delivery.next_attempt_at, delivery.pk),
    )
    integration = (
        Integration.objects.select_related("ats_credential")
        .filter(pk=batch[0].integration_id)
        .first()
    )
    if integration is None:
        return []  # deleted meanwhile, and its deliveries with it
    for delivery in batch:
        delivery.integration = integration  # one integration, one credential, in memory
    return batch


def process(delivery_id: int, connect: Connect, *, task_id: str = "") -> BatchOutcome:
    """Send the due deliveries of `delivery_id`'s integration, that one first, batch by batch.

    Returns what happened to `delivery_id` (NOT_CLAIMED when another worker had it or it was
    not due). Takes no further batch after `batch_seconds()`; if the integration still has due
    deliveries then, another task is published for them.
    """
    deadline = time.monotonic() + batch_seconds()
    size = settings.DELIVERY_BATCH_SIZE
    outcome = BatchOutcome.NOT_CLAIMED
    integration_id = (
        Delivery.objects.filter(pk=delivery_id).values_list("integration_id", flat=True).first()
    )
    if integration_id is None:
        return outcome
    answered(integration_id)  # before claiming: what commits from now on rings again
    while True:
        batch = claim(delivery_id, size)
        if not batch:
            break
        outcomes = _send_batch(batch, connect, task_id, deadline)
        if outcome is BatchOutcome.NOT_CLAIMED:
            outcome = outcomes.get(delivery_id, outcome)
        stopped = len(outcomes) < len(batch) or any(
            result.ends_the_task for result in outcomes.values()
        )
        if stopped or len(batch) < size:
            break  # the batch stopped early, or the integration had nothing more due
        if time.monotonic() >= deadline:
            _publish_next_due(batch[0].integration)
            break
    return outcome


def _publish_next_due(integration: Integration) -> None:
    """Out of time with more due: one task for the integration's next due delivery."""
    now = timezone.now()
    following = (
        Delivery.objects.filter(
            integration=integration, state=State.PENDING, next_attempt_at__lte=now + EARLY
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        publish([Doorbell(following, integration.provider, integration.pk)])


def _send_batch(
    batch: list[Delivery], connect: Connect, task_id: str, deadline: float
) -> dict[int, BatchOutcome]:
    """Send a claimed batch in order; returns each settled delivery's outcome by id.

    A delivery postponed by the rate limit postpones the rest of the batch to the same moment
    (they share its token); one that pauses the integration (credentials refused) hands the
    rest back unsent, to wait with it; at the deadline the rest is released for another task.
    A failure is recorded at once; successes of idempotent deliveries are recorded together, at
    the latest with the next note, every RECORD_EVERY, or when the batch ends: a worker lost in
    between sends them again, which leaves the ATS as it was.
    """
    integration = batch[0].integration
    if not integration.is_enabled:
        settle_all(batch, state=State.HELD)
        return {delivery.pk: BatchOutcome.HELD for delivery in batch}
    if integration.deliveries_paused:
        _release(batch, due=None, doorbell=False)  # the resume publishes them
        return {delivery.pk: BatchOutcome.PAUSED for delivery in batch}
    statuses = status_deliveries_of(batch)
    outcomes: dict[int, BatchOutcome] = {}
    sent: list[Sent] = []
    try:
        with connect(integration, batch) as send:
            for index, delivery in enumerate(batch):
                if index and time.monotonic() >= deadline:
                    _release(batch[index:], due=None)
                    break
                if delivery.kind == Delivery.Kind.STATUS:
                    verdict = order_verdict(delivery, statuses, batch)
                    if verdict is not None:
                        outcomes[delivery.pk] = verdict
                        continue
                try:
                    result = _send_one(delivery, send, task_id)
                except Postponed as postponed:
                    _postpone(delivery, postponed)
                    outcomes[delivery.pk] = BatchOutcome.POSTPONED
                    _release(batch[index + 1 :], due=postponed.until, doorbell=False)
                    break
                if result is BatchOutcome.PAUSED:
                    outcomes[delivery.pk] = result
                    _release(batch[index + 1 :], due=None, doorbell=False)
                    break
                if isinstance(result, BatchOutcome):
                    outcomes[delivery.pk] = result
                    continue
                outcomes[delivery.pk] = BatchOutcome.SUCCEEDED
                sent.append(result)
                idempotent = delivery.kind in Delivery.IDEMPOTENT_KINDS
                if not idempotent or len(sent) >= RECORD_EVERY:
                    record_successes(sent, task_id)
                    sent = []
    finally:
        record_successes(sent, task_id)
    return outcomes


def _send_one(delivery: Delivery, send: Sender, task_id: str) -> Sent | BatchOutcome:
    """Send one delivery: what was sent, or (after recording the failed attempt) why not."""
    started_at = timezone.now()
    started = time.monotonic()
    try:
        exchange = send(delivery)
    except Postponed:
        raise
    except DeliveryError as error:
        if pauses_deliveries(error):
            record_pause(delivery, error, started_at, _elapsed_ms(started), task_id)
            return BatchOutcome.PAUSED
        record_failure(delivery, error, started_at, _elapsed_ms(started), task_id)
        return BatchOutcome.FAILED_ATTEMPT
    except Exception as error:
        logger.exception("Delivery %s: unexpected error while sending", delivery.pk)
        unexpected = TransientError(f"Unexpected error while sending ({type(error).__name__}).")
        record_failure(delivery, unexpected, started_at, _elapsed_ms(started), task_id)
        return BatchOutcome.FAILED_ATTEMPT
    return Sent(delivery, exchange, started_at, _elapsed_ms(started))


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _release(
    deliveries: list[Delivery], *, due: datetime.datetime | None, doorbell: bool = True
) -> None:
    """Hand claimed deliveries back unsent (no attempt): due again at `due`, or as they were.

    With `doorbell`, one task is published for them; without, the caller's own doorbell (a
    postponed delivery of the same integration, due at the same moment) takes them along, or
    the sweeper does.
    """
    if not deliveries:
        return
    now = timezone.now()
    changes: dict[str, Any] = {"state": State.PENDING}
    queued = doorbell or (due is not None and countdown_allowed(due, now))
    changes["enqueued_at"] = now if queued else None
    if due is not None:
        changes["next_attempt_at"] = due
    released = settle_all(deliveries, **changes)
    if released and doorbell:
        first, *rest = deliveries
        publish(
            [
                Doorbell(
                    first.pk,
                    first.integration.provider,
                    first.integration_id,
                    eta=due if due and due > now else None,
                    covered=tuple(delivery.pk for delivery in rest),
                )
            ]
        )


def _postpone(delivery: Delivery, postponed: Postponed) -> None:
    now = timezone.now()
    due = postponed.until
    queued = countdown_allowed(due, now)
    settled = settle(
        delivery, state=State.PENDING, next_attempt_at=due, enqueued_at=now if queued else None
    )
    if settled and queued:
        publish([doorbell_for(delivery, due, now)])
