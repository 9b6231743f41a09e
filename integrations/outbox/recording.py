"""Recording attempts: each one the moment it ends, only while this worker still holds its lease.

Transient failures wait for the next step of DELIVERY_RETRY_SCHEDULE, permanent ones stop at once.
"""

from __future__ import annotations

import datetime
import logging
import random
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from integrations.models import Delivery, DeliveryAttempt, Integration, PauseCause
from integrations.outbox import pausing
from integrations.outbox.publishing import countdown_allowed, doorbell_for, publish
from integrations.transport import (
    CredentialsUnusable,
    DeliveryError,
    DeliveryTimeout,
    Exchange,
    PermanentError,
    TransientError,
)

logger = logging.getLogger(__name__)

State = Delivery.State
Outcome = DeliveryAttempt.Outcome


@dataclass(frozen=True)
class Sent:
    """A delivery the partner accepted, whose success is not recorded yet."""

    delivery: Delivery
    exchange: Exchange
    started_at: datetime.datetime
    duration_ms: int


def settle(delivery: Delivery, **changes: Any) -> bool:
    """Apply `changes` if this worker still holds the delivery (its lease was not taken over)."""
    changes.setdefault("locked_until", None)
    changes["updated_at"] = timezone.now()
    held = Delivery.objects.filter(
        pk=delivery.pk, state=State.SENDING, locked_until=delivery.locked_until
    ).update(**changes)
    if not held:
        logger.warning("Delivery %s: lease lost before the result was recorded", delivery.pk)
    return bool(held)


def settle_all(deliveries: list[Delivery], **changes: Any) -> int:
    """`settle` for deliveries of one claim (they share its lease), in one statement."""
    if not deliveries:
        return 0
    changes.setdefault("locked_until", None)
    changes["updated_at"] = timezone.now()
    return Delivery.objects.filter(
        pk__in=[delivery.pk for delivery in deliveries],
        state=State.SENDING,
        locked_until=deliveries[0].locked_until,
    ).update(**changes)


def retry_delay(failures: int, retry_after: float | None = None) -> float:
    """Seconds before the retry after the `failures`-th failed attempt in a row.

    The schedule's step, less a random part of up to DELIVERY_RETRY_JITTER of it (so retries of
    many deliveries spread out and never exceed the step), and never less than `retry_after`.
    """
    schedule = settings.DELIVERY_RETRY_SCHEDULE
    base = schedule[min(failures, len(schedule)) - 1] if schedule else 0.0
    delay = base - random.uniform(0, base * settings.DELIVERY_RETRY_JITTER)  # noqa: S311
    return max(delay, retry_after or 0.0, 0.0)


def new_attempt(
    delivery: Delivery,
    *,
    outcome: str,
    started_at: datetime.datetime,
    duration_ms: int | None,
    exchange: Exchange,
    error: str = "",
    task_id: str = "",
) -> DeliveryAttempt:
    """An attempt row, not saved yet."""
    return DeliveryAttempt(
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


def record_successes(sent: list[Sent], task_id: str) -> None:
    """Record sent deliveries of one batch as succeeded, with their attempts, atomically."""
    if not sent:
        return
    now = timezone.now()
    deliveries = [item.delivery for item in sent]
    integration = deliveries[0].integration
    attempts = [
        new_attempt(
            item.delivery,
            outcome=Outcome.SUCCEEDED,
            started_at=item.started_at,
            duration_ms=item.duration_ms,
            exchange=item.exchange,
            task_id=task_id,
        )
        for item in sent
    ]
    record = record_in_one_statement if connection.vendor == "postgresql" else record_in_orm
    settled = record(deliveries, attempts, now)
    if settled and integration.last_error:
        Integration.objects.filter(pk=integration.pk).update(last_error="", last_error_at=None)
        integration.last_error = ""
    if settled < len(sent):
        logger.warning(
            "Deliveries %s: lease lost before the results were recorded",
            [delivery.pk for delivery in deliveries],
        )
    for item in sent:
        logger.info(
            "Delivery %s (%s, integration %s, candidate assessment %s) succeeded: HTTP %s in %d ms",
            item.delivery.pk,
            item.delivery.label,
            item.delivery.integration_id,
            item.delivery.candidate_assessment_id,
            item.exchange.http_status,
            item.duration_ms,
        )


def record_in_orm(
    deliveries: list[Delivery], attempts: list[DeliveryAttempt], now: datetime.datetime
) -> int:
    with transaction.atomic():
        settled = settle_all(
            deliveries,
            state=State.SUCCEEDED,
            attempt_count=F("attempt_count") + 1,
            failures=0,
            finished_at=now,
            last_error="",
        )
        DeliveryAttempt.objects.bulk_create(attempts)
    return settled


# The same as `record_in_orm`, in one statement: one round trip and one commit instead of four
# round trips (BEGIN, UPDATE, INSERT, COMMIT) for what every successful send writes.
RECORD_SUCCEEDED_SQL = """
WITH settled AS (
    UPDATE {deliveries}
       SET state = %(succeeded)s, attempt_count = attempt_count + 1, failures = 0,
           finished_at = %(now)s, last_error = '', locked_until = NULL, updated_at = %(now)s
     WHERE id = ANY(%(ids)s) AND state = %(sending)s AND locked_until = %(lease)s
    RETURNING id
), recorded AS (
    INSERT INTO {attempts} (delivery_id, integration_id, number, started_at, duration_ms,
                            outcome, request, http_status, response_excerpt, error, task_id,
                            created_at)
    SELECT *, %(now)s FROM unnest(
        %(delivery_id)s::bigint[], %(integration_id)s::bigint[], %(number)s::integer[],
        %(started_at)s::timestamptz[], %(duration_ms)s::integer[], %(outcome)s::varchar[],
        %(request)s::varchar[], %(http_status)s::smallint[], %(response_excerpt)s::text[],
        %(error)s::text[], %(task_id)s::varchar[]
    )
)
SELECT count(*) FROM settled
"""


def record_in_one_statement(
    deliveries: list[Delivery], attempts: list[DeliveryAttempt], now: datetime.datetime
) -> int:
    """PostgreSQL: settle the deliveries and insert their attempts in one atomic statement."""
    columns = (
        "delivery_id",
        "integration_id",
        "number",
        "started_at",
        "duration_ms",
        "outcome",
        "request",
        "http_status",
        "response_excerpt",
        "error",
        "task_id",
    )
    params: dict[str, Any] = {
        column: [getattr(attempt, column) for attempt in attempts] for column in columns
    }
    params.update(
        succeeded=State.SUCCEEDED.value,
        sending=State.SENDING.value,
        now=now,
        ids=[delivery.pk for delivery in deliveries],
        lease=deliveries[0].locked_until,
    )
    statement = RECORD_SUCCEEDED_SQL.format(
        deliveries=Delivery._meta.db_table, attempts=DeliveryAttempt._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def record_pause(
    delivery: Delivery,
    error: DeliveryError,
    started_at: datetime.datetime,
    duration_ms: int,
    task_id: str,
) -> None:
    """The ATS refused the credentials (`pausing.pauses_deliveries`): the delivery waits.

    It goes back to pending as it was (no failure counted, no retry used up, not published: the
    resume publishes it), its attempt is recorded as `paused`, and the integration is paused.
    """
    now = timezone.now()
    integration = delivery.integration
    reason = f"{error} Deliveries wait until working credentials are entered."
    with transaction.atomic():
        settled = settle(
            delivery,
            state=State.PENDING,
            attempt_count=delivery.attempt_count + 1,
            last_error=f"Waiting for working credentials: {error}",
            enqueued_at=None,
        )
        if not settled:
            return
        new_attempt(
            delivery,
            outcome=Outcome.PAUSED,
            started_at=started_at,
            duration_ms=duration_ms,
            exchange=error.exchange,
            error=str(error),
            task_id=task_id,
        ).save()
        pausing.pause(integration, PauseCause.CREDENTIALS_REFUSED, reason)
        Integration.objects.filter(pk=integration.pk).update(last_error=reason, last_error_at=now)
        integration.last_error = reason
    logger.warning(
        "Delivery %s (integration %s) waits: credentials refused", delivery.pk, integration.pk
    )


def record_failure(
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
    }
    due: datetime.datetime | None = None
    if permanent or exhausted:
        changes.update(state=State.FAILED, finished_at=now)
    else:
        retry_after = error.retry_after if isinstance(error, TransientError) else None
        due = now + datetime.timedelta(seconds=retry_delay(failures, retry_after))
        queued = countdown_allowed(due, now)
        changes.update(
            state=State.PENDING, next_attempt_at=due, enqueued_at=now if queued else None
        )
        due = due if queued else None
    with transaction.atomic():
        settled = settle(delivery, **changes)
        new_attempt(
            delivery,
            outcome=outcome,
            started_at=started_at,
            duration_ms=duration_ms,
            exchange=error.exchange,
            error=str(error),
            task_id=task_id,
        ).save()
        if permanent and getattr(error, "credentials_rejected", False):
            label = delivery.integration.provider_impl.label
            flag = (
                str(error)
                if isinstance(error, CredentialsUnusable)
                else f"{label} rejected the credentials: {error}"
            )
            Integration.objects.filter(pk=delivery.integration_id).update(
                last_error=flag, last_error_at=now
            )
            delivery.integration.last_error = flag
    if settled and due is not None:
        publish([doorbell_for(delivery, due, now)])
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
