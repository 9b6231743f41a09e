"""Publishing: the broker is only a doorbell; a delivery the broker never got is the sweeper's.

At most one doorbell due now is queued per integration: its task takes every due delivery of the
integration, so a second one would only sit in the shared FIFO queue ahead of other customers'
doorbells (a customer with a backlog of hundreds of results would make everyone else's fresh
result wait for hundreds of no-op tasks). Publishing one sets a "ringing" marker in the cache
(`cache.add`, atomic on Redis); while it is set, further doorbells due now for that integration
are not published. The task clears it before it claims, so a commit during its batch rings again.
The marker lives DELIVERY_REQUEUE_AFTER_SECONDS, the time after which the sweeper publishes again
for deliveries whose doorbell was not answered: a lost doorbell costs no more than it did. On
the file cache (no Redis) `add` is not atomic across processes: two doorbells may go out at once,
which costs a no-op task, never a delivery. Doorbells due later (retries, postponements) are one
per waiting delivery, not one per commit, and always go out.

Three lanes (harver_integration.broker_options): a doorbell rung by the commit that owes the
deliveries (`fresh`) goes to the queue workers take fresh work from; one due at a set moment
(the rate limiter's postponements, retries) to the scheduled queue; every other doorbell (the
sweeper's, what a task hands back) to the backlog queue. After an outage the sweeper rings for
every owing customer at once; in one FIFO queue a result committed then waited behind all of
them, and so did a draining customer's next window, due a second later. The marker holds the
lane of the queued doorbell: a fresh commit of an integration whose doorbell waits in the
backlog rings once more, in the fresh lane (its task takes the backlog's deliveries along; the
backlog doorbell then claims nothing).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from celery import Task
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils.module_loading import import_string

from harver_integration.broker_options import BACKLOG_QUEUE, FRESH_QUEUE, SCHEDULED_QUEUE
from harver_integration.queueing import schedule_options
from integrations.models import Delivery
from integrations.providers import get_provider

logger = logging.getLogger(__name__)

# After a publish failed, this process leaves publishing to the sweeper for this long.
BROKER_RETRY_SECONDS = 2.0


@dataclass(frozen=True)
class Doorbell:
    """One task to publish: which delivery, for which provider's task, and when it is due.

    `covered` are further due deliveries of the same integration that this task's batch takes
    too; they share its fate if publishing fails (left to the sweeper). `fresh`: rung by the
    commit that owes them, so it goes ahead of work put back in line.
    """

    delivery_id: int
    provider: str
    integration_id: int
    eta: datetime.datetime | None = None
    covered: tuple[int, ...] = field(default=())
    fresh: bool = False

    @property
    def queue(self) -> str:
        if self.fresh:
            return FRESH_QUEUE
        return BACKLOG_QUEUE if self.eta is None else SCHEDULED_QUEUE


@cache
def _task(provider: str) -> Task[Any, Any]:
    task: Task[Any, Any] = import_string(get_provider(provider).delivery_task)
    return task


class _Broker:
    """This process's memory of a broker that just refused, so requests stop waiting on it."""

    down_until = 0.0


def _ringing_key(integration_id: int) -> str:
    return f"outbox:doorbell-ringing:{integration_id}"


def _start_ringing(doorbell: Doorbell) -> bool:
    """Mark the integration's doorbell as queued in `doorbell`'s lane; False when one already was
    (in the backlog lane, for a fresh doorbell: that one is overtaken, the fresh one rings).

    A cache that fails counts as not ringing: a doorbell too many costs a no-op task, a doorbell
    too few costs a delivery's latency. Overtaking is not atomic: two fresh commits at once may
    both ring, which costs a no-op task.
    """
    key = _ringing_key(doorbell.integration_id)
    timeout = settings.DELIVERY_REQUEUE_AFTER_SECONDS
    cache = caches["default"]
    try:
        if cache.add(key, doorbell.queue, timeout=timeout):
            return True
        if doorbell.fresh and cache.get(key) == BACKLOG_QUEUE:
            cache.set(key, FRESH_QUEUE, timeout=timeout)
            return True
        return False
    except Exception:
        logger.warning(
            "Could not mark integration %s's doorbell as queued.", doorbell.integration_id
        )
        return True


def answered(integration_id: int) -> None:
    """A task of the integration is about to claim: the next commit rings again."""
    try:
        caches["default"].delete(_ringing_key(integration_id))
    except Exception:
        logger.warning("Could not clear integration %s's doorbell marker.", integration_id)


def publish(doorbells: Iterable[Doorbell]) -> int:
    """Publish a task per doorbell; returns how many deliveries they cover are on their way.

    A doorbell due now is not published while the integration's is already queued: its task
    takes these deliveries too. A broker that is down must not fail or slow the caller: the
    first error stops publishing (and for BROKER_RETRY_SECONDS this process does not try again),
    and the deliveries not published are marked so that the next sweep publishes them.
    """
    pending = list(doorbells)
    for index, doorbell in enumerate(pending):
        marked = False
        try:
            if time.monotonic() < _Broker.down_until:
                raise ConnectionError("the broker was down a moment ago")
            if doorbell.eta is None:
                marked = _start_ringing(doorbell)
                if not marked:
                    continue
            task = _task(doorbell.provider)
            options = schedule_options(task, doorbell.eta)
            task.apply_async(
                args=(doorbell.delivery_id,), retry=False, queue=doorbell.queue, **options
            )
        except Exception as error:
            _Broker.down_until = time.monotonic() + BROKER_RETRY_SECONDS
            if marked:
                answered(doorbell.integration_id)
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


def doorbell_for(delivery: Delivery, due: datetime.datetime, now: datetime.datetime) -> Doorbell:
    eta = due if due > now else None
    return Doorbell(delivery.pk, delivery.integration.provider, delivery.integration_id, eta)


def doorbells_for(
    rows: Iterable[tuple[int, int, str, datetime.datetime]],
    now: datetime.datetime,
    *,
    fresh: bool = False,
) -> list[Doorbell]:
    """Doorbells for (id, integration id, provider, due) rows: one per integration for what is
    due now (its batch takes them all), one per delivery for what is due later.

    The integrations owing the most go first: after an outage the largest backlog sets the
    drain's length (it can only drain at its own rate limit), so its first window must not wait
    behind every small customer's single batch.
    """
    due_now: dict[int, list[tuple[int, str]]] = {}
    later: list[Doorbell] = []
    for pk, integration_id, provider, next_attempt_at in rows:
        if next_attempt_at > now:
            later.append(Doorbell(pk, provider, integration_id, next_attempt_at))
        else:
            due_now.setdefault(integration_id, []).append((pk, provider))
    return [
        Doorbell(
            group[0][0],
            group[0][1],
            integration_id,
            covered=tuple(pk for pk, _ in group[1:]),
            fresh=fresh,
        )
        for integration_id, group in sorted(
            due_now.items(), key=lambda item: len(item[1]), reverse=True
        )
    ] + later


def countdown_allowed(due: datetime.datetime, now: datetime.datetime) -> bool:
    return (due - now).total_seconds() <= settings.DELIVERY_MAX_COUNTDOWN_SECONDS
