"""The delivery outbox: everything owed to an ATS, stored before it is sent, sent until it lands.

The database is the source of truth, the broker only a doorbell. A status change writes its
deliveries in its own transaction (`add`); one task per integration is published after commit. A
task takes a delivery id and claims, in one short transaction, that delivery and the other due
deliveries of its integration (`pending` and due → `sending` with a shared lease; `SKIP LOCKED`
on PostgreSQL, so concurrent tasks take disjoint batches and a task delivered twice sends each
delivery once). The batch goes out through one sender (one token, one HTTP session), within a
time box; each attempt is recorded the moment it ends, with what the partner answered, so a
worker lost mid-batch re-sends only what it had not recorded. Transient failures wait in
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
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from celery import Task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations.models import Delivery, DeliveryAttempt, Integration
from integrations.providers import get_provider
from integrations.transport import (
    CredentialsUnusable,
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
# Successes of idempotent deliveries wait for at most this many more before they are recorded.
RECORD_EVERY = 10
# Outcomes after which a task takes no further batch of the integration.
ENDS_THE_TASK = frozenset({"postponed", "held"})
HEALTH_WINDOW = datetime.timedelta(hours=24)

Sender = Callable[[Delivery], Exchange]
# Opens one sender for a claimed batch of an integration's deliveries (one token, one session).
Connect = Callable[[Integration, list[Delivery]], AbstractContextManager[Sender]]


# --- Publishing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Doorbell:
    """One task to publish: which delivery, for which provider's task, and when it is due.

    `covered` are further due deliveries of the same integration that this task's batch takes
    too; they share its fate if publishing fails (left to the sweeper).
    """

    delivery_id: int
    provider: str
    eta: datetime.datetime | None = None
    covered: tuple[int, ...] = field(default=())


@cache
def _task(provider: str) -> Task[Any, Any]:
    task: Task[Any, Any] = import_string(get_provider(provider).delivery_task)
    return task


class _Broker:
    """This process's memory of a broker that just refused, so requests stop waiting on it."""

    down_until = 0.0


def publish(doorbells: Iterable[Doorbell]) -> int:
    """Publish a task per doorbell; returns how many deliveries they cover went out.

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
            missed = [
                delivery_id
                for item in pending[index:]
                for delivery_id in (item.delivery_id, *item.covered)
            ]
            logger.warning(
                "Could not publish %d delivery task(s) (%s); the sweeper will.",
                len(missed),
                type(error).__name__,
            )
            try:
                Delivery.objects.filter(pk__in=missed).update(enqueued_at=None)
            except Exception:
                logger.warning("Could not mark deliveries %s as unpublished.", missed[:20])
            return _covering(pending[:index])
    return _covering(pending)


def _covering(doorbells: list[Doorbell]) -> int:
    return sum(1 + len(doorbell.covered) for doorbell in doorbells)


def publish_after_commit(doorbells: Iterable[Doorbell]) -> None:
    items = list(doorbells)
    if items:
        transaction.on_commit(lambda: publish(items))


def _doorbell_for(delivery: Delivery, due: datetime.datetime, now: datetime.datetime) -> Doorbell:
    eta = due if due > now else None
    return Doorbell(delivery.pk, delivery.integration.provider, eta)


def doorbells_for(
    rows: Iterable[tuple[int, int, str, datetime.datetime]], now: datetime.datetime
) -> list[Doorbell]:
    """Doorbells for (id, integration id, provider, due) rows: one per integration for what is
    due now (its batch takes them all), one per delivery for what is due later."""
    due_now: dict[int, list[tuple[int, str]]] = {}
    later: list[Doorbell] = []
    for pk, integration_id, provider, next_attempt_at in rows:
        if next_attempt_at > now:
            later.append(Doorbell(pk, provider, next_attempt_at))
        else:
            due_now.setdefault(integration_id, []).append((pk, provider))
    return [
        Doorbell(group[0][0], group[0][1], covered=tuple(pk for pk, _ in group[1:]))
        for group in due_now.values()
    ] + later


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
    if state == State.PENDING and created:
        first, *rest = created
        covered = tuple(item.pk for item in rest)
        publish_after_commit([Doorbell(first.pk, integration.provider, covered=covered)])
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
        if not delivery.rank:
            continue  # the lowest rank (a new invitation's `pending`): nothing older to drop
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


def process(delivery_id: int, connect: Connect, *, task_id: str = "") -> str:
    """Send the due deliveries of `delivery_id`'s integration, that one first, batch by batch.

    Returns what happened to `delivery_id` ("not claimed" when another worker had it or it was
    not due). Takes no further batch after `batch_seconds()`; if the integration still has due
    deliveries then, another task is published for them.
    """
    deadline = time.monotonic() + batch_seconds()
    size = settings.DELIVERY_BATCH_SIZE
    outcome = "not claimed"
    while True:
        batch = claim(delivery_id, size)
        if not batch:
            break
        outcomes = _send_batch(batch, connect, task_id, deadline)
        outcome = outcomes.get(delivery_id, outcome) if outcome == "not claimed" else outcome
        stopped = len(outcomes) < len(batch) or not ENDS_THE_TASK.isdisjoint(outcomes.values())
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
        publish([Doorbell(following, integration.provider)])


def _send_batch(
    batch: list[Delivery], connect: Connect, task_id: str, deadline: float
) -> dict[int, str]:
    """Send a claimed batch in order; returns each settled delivery's outcome by id.

    A delivery postponed by the rate limit postpones the rest of the batch to the same moment
    (they share its token); at the deadline the rest is released for another task. A failure is
    recorded at once; successes of idempotent deliveries are recorded together, at the latest
    with the next note, every RECORD_EVERY, or when the batch ends: a worker lost in between
    sends them again, which leaves the ATS as it was.
    """
    integration = batch[0].integration
    if not integration.is_enabled:
        _settle_all(batch, state=State.HELD)
        return {delivery.pk: "held" for delivery in batch}
    statuses = _status_deliveries_of(batch)
    outcomes: dict[int, str] = {}
    sent: list[Sent] = []
    try:
        with connect(integration, batch) as send:
            for index, delivery in enumerate(batch):
                if index and time.monotonic() >= deadline:
                    _release(batch[index:], due=None)
                    break
                if delivery.kind == Delivery.Kind.STATUS:
                    verdict = _order_verdict(delivery, statuses, batch)
                    if verdict is not None:
                        outcomes[delivery.pk] = verdict
                        continue
                try:
                    result = _send_one(delivery, send, task_id)
                except Postponed as postponed:
                    _postpone(delivery, postponed)
                    outcomes[delivery.pk] = "postponed"
                    _release(batch[index + 1 :], due=postponed.until, doorbell=False)
                    break
                if isinstance(result, str):
                    outcomes[delivery.pk] = result
                    continue
                outcomes[delivery.pk] = "succeeded"
                sent.append(result)
                idempotent = delivery.kind in Delivery.IDEMPOTENT_KINDS
                if not idempotent or len(sent) >= RECORD_EVERY:
                    _record_successes(sent, task_id)
                    sent = []
    finally:
        _record_successes(sent, task_id)
    return outcomes


@dataclass(frozen=True)
class Sent:
    """A delivery the partner accepted, whose success is not recorded yet."""

    delivery: Delivery
    exchange: Exchange
    started_at: datetime.datetime
    duration_ms: int


def _send_one(delivery: Delivery, send: Sender, task_id: str) -> Sent | str:
    """Send one delivery: what was sent, or (after recording the failed attempt) why not."""
    started_at = timezone.now()
    started = time.monotonic()
    try:
        exchange = send(delivery)
    except Postponed:
        raise
    except DeliveryError as error:
        _record_failure(delivery, error, started_at, _elapsed_ms(started), task_id)
        return "failed attempt"
    except Exception as error:
        logger.exception("Delivery %s: unexpected error while sending", delivery.pk)
        unexpected = TransientError(f"Unexpected error while sending ({type(error).__name__}).")
        _record_failure(delivery, unexpected, started_at, _elapsed_ms(started), task_id)
        return "failed attempt"
    return Sent(delivery, exchange, started_at, _elapsed_ms(started))


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


def _settle_all(deliveries: list[Delivery], **changes: Any) -> int:
    """`_settle` for deliveries of one claim (they share its lease), in one statement."""
    if not deliveries:
        return 0
    changes.setdefault("locked_until", None)
    changes["updated_at"] = timezone.now()
    return Delivery.objects.filter(
        pk__in=[delivery.pk for delivery in deliveries],
        state=State.SENDING,
        locked_until=deliveries[0].locked_until,
    ).update(**changes)


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
    queued = doorbell or (due is not None and _countdown_allowed(due, now))
    changes["enqueued_at"] = now if queued else None
    if due is not None:
        changes["next_attempt_at"] = due
    released = _settle_all(deliveries, **changes)
    if released and doorbell:
        first, *rest = deliveries
        publish(
            [
                Doorbell(
                    first.pk,
                    first.integration.provider,
                    eta=due if due and due > now else None,
                    covered=tuple(delivery.pk for delivery in rest),
                )
            ]
        )


StatusRow = tuple[int, int, int | None, str, datetime.datetime | None, str]


def _status_deliveries_of(batch: list[Delivery]) -> dict[int, list[StatusRow]]:
    """Every live status delivery of the batch's candidates, read once for the whole batch."""
    candidates = {d.candidate_assessment_id for d in batch if d.kind == Delivery.Kind.STATUS}
    by_candidate: dict[int, list[StatusRow]] = {}
    if not candidates:
        return by_candidate
    rows = (
        Delivery.objects.filter(candidate_assessment_id__in=candidates, kind=Delivery.Kind.STATUS)
        .exclude(state=State.DROPPED)
        .values_list("pk", "candidate_assessment_id", "rank", "state", "locked_until", "label")
    )
    for row in rows:
        by_candidate.setdefault(row[1], []).append(row)
    return by_candidate


def _order_verdict(
    delivery: Delivery, statuses: dict[int, list[StatusRow]], batch: list[Delivery]
) -> str | None:
    """Drop a status superseded by a newer one; wait while an older one is being sent.

    Statuses of the same batch never wait for each other: they go in batch order, and an older
    one after a newer one is dropped when its turn comes.
    """
    now = timezone.now()
    ours = {item.pk for item in batch}
    rank = delivery.rank or 0
    in_flight: list[datetime.datetime] = []
    for pk, _, other_rank, other_state, locked_until, label in statuses.get(
        delivery.candidate_assessment_id, []
    ):
        if pk == delivery.pk:
            continue
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
        in_flight_elsewhere = other_state == State.SENDING and pk not in ours
        if older and in_flight_elsewhere and locked_until is not None and locked_until > now:
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
        delivery, state=State.PENDING, next_attempt_at=due, enqueued_at=now if queued else None
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


def _record_successes(sent: list[Sent], task_id: str) -> None:
    """Record sent deliveries of one batch as succeeded, with their attempts, atomically."""
    if not sent:
        return
    now = timezone.now()
    deliveries = [item.delivery for item in sent]
    integration = deliveries[0].integration
    attempts = [
        _attempt(
            item.delivery,
            outcome=Outcome.SUCCEEDED,
            started_at=item.started_at,
            duration_ms=item.duration_ms,
            exchange=item.exchange,
            task_id=task_id,
        )
        for item in sent
    ]
    record = _record_in_one_statement if connection.vendor == "postgresql" else _record_in_orm
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


def _record_in_orm(
    deliveries: list[Delivery], attempts: list[DeliveryAttempt], now: datetime.datetime
) -> int:
    with transaction.atomic():
        settled = _settle_all(
            deliveries,
            state=State.SUCCEEDED,
            attempt_count=F("attempt_count") + 1,
            failures=0,
            finished_at=now,
            last_error="",
        )
        DeliveryAttempt.objects.bulk_create(attempts)
    return settled


# The same as `_record_in_orm`, in one statement: one round trip and one commit instead of four
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


def _record_in_one_statement(
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
    publish_after_commit(doorbells_for([(*row[:3], now) for row in rows], now))
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
            ):
                continue
            _attempt(
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
        .values_list("pk", "integration_id", "integration__provider", "next_attempt_at")[
            :SWEEP_BATCH
        ]
    )
    rows = list(due)
    if rows:
        Delivery.objects.filter(pk__in=[row[0] for row in rows]).update(enqueued_at=now)
    published = publish(doorbells_for(rows, now))
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
