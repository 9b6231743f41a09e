"""Delivery health figures of integrations, for the overview and the platform health page.

Computed from the outbox tables with a fixed number of aggregate queries, whatever the number of
integrations: each reads an indexed range (attempts by `started_at`, finished deliveries by
`state, finished_at`, undelivered ones by `state`), never a table scan. The latency is commit to
delivery: from the moment the delivery row was written, in the transaction of the status change
that caused it, to the moment the ATS accepted it.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from integrations.models import Delivery, DeliveryAttempt, Integration, Issue

Outcome = DeliveryAttempt.Outcome
SENT = (Outcome.SUCCEEDED, *DeliveryAttempt.FAILURES)
UNDELIVERED = (Delivery.State.PENDING, Delivery.State.SENDING)
DAY = datetime.timedelta(hours=24)
WEEK = datetime.timedelta(days=7)
CHART_DAYS = 7


@dataclass
class DayBar:
    day: datetime.date
    succeeded: int = 0
    failed: int = 0


@dataclass
class HealthFigures:
    """One integration's delivery health; rates are None when nothing was sent."""

    attempts_24h: dict[str, int] = field(default_factory=dict)
    sent_24h: int = 0
    succeeded_24h: int = 0
    sent_7d: int = 0
    succeeded_7d: int = 0
    backlog: int = 0
    oldest_waiting_at: datetime.datetime | None = None
    latency_p50_seconds: float | None = None
    latency_p95_seconds: float | None = None
    last_success_at: datetime.datetime | None = None
    open_issues: int = 0

    @property
    def success_rate_24h(self) -> float | None:
        return self.succeeded_24h / self.sent_24h if self.sent_24h else None

    @property
    def success_rate_7d(self) -> float | None:
        return self.succeeded_7d / self.sent_7d if self.sent_7d else None

    @property
    def outcomes_24h(self) -> list[tuple[str, int]]:
        """Attempts of the last 24 h by outcome, in the outcomes' order, with their labels."""
        return [
            (label, self.attempts_24h[value])
            for value, label in Outcome.choices
            if self.attempts_24h.get(value)
        ]

    def worst_first_key(self, now: datetime.datetime) -> tuple[float, float, float]:
        """Sorts the worst first: more open issues, then a lower 24 h success rate, then the
        older backlog."""
        waiting = (now - self.oldest_waiting_at).total_seconds() if self.oldest_waiting_at else 0
        rate = self.success_rate_24h
        return (-self.open_issues, 1.0 if rate is None else rate, -waiting)


def figures(
    integrations: Iterable[Integration], *, now: datetime.datetime | None = None
) -> dict[int, HealthFigures]:
    """Health figures of these integrations, by id, in five queries."""
    now = now or timezone.now()
    ids = [integration.pk for integration in integrations]
    result = {pk: HealthFigures() for pk in ids}
    if not ids:
        return result
    _add_attempts(result, ids, now)
    _add_last_success(result, ids)
    _add_backlog(result, ids)
    _add_latency(result, ids, now)
    for row in (
        Issue.objects.filter(integration_id__in=ids)
        .exclude(state=Issue.State.RESOLVED)
        .order_by()
        .values("integration_id")
        .annotate(total=Count("pk"))
    ):
        result[row["integration_id"]].open_issues = row["total"]
    return result


def _add_attempts(result: dict[int, HealthFigures], ids: list[int], now: datetime.datetime) -> None:
    rows = (
        DeliveryAttempt.objects.filter(started_at__gte=now - WEEK, integration_id__in=ids)
        .order_by()
        .values("integration_id", "outcome")
        .annotate(week=Count("pk"), day=Count("pk", filter=Q(started_at__gte=now - DAY)))
    )
    for row in rows:
        health = result[row["integration_id"]]
        outcome = row["outcome"]
        if row["day"]:
            health.attempts_24h[outcome] = row["day"]
        if outcome in SENT:
            health.sent_24h += row["day"]
            health.sent_7d += row["week"]
        if outcome == Outcome.SUCCEEDED:
            health.succeeded_24h += row["day"]
            health.succeeded_7d += row["week"]


def _add_last_success(result: dict[int, HealthFigures], ids: list[int]) -> None:
    """The newest success of each, all time: one index lookup per integration."""
    newest = (
        DeliveryAttempt.objects.filter(integration=OuterRef("pk"), outcome=Outcome.SUCCEEDED)
        .order_by("-started_at")
        .values("started_at")[:1]
    )
    for pk, last in (
        Integration.objects.filter(pk__in=ids)
        .order_by()
        .annotate(last=Subquery(newest))
        .values_list("pk", "last")
    ):
        result[pk].last_success_at = last


def _add_backlog(result: dict[int, HealthFigures], ids: list[int]) -> None:
    rows = (
        Delivery.objects.filter(state__in=UNDELIVERED, integration_id__in=ids)
        .order_by()
        .values("integration_id")
        .annotate(waiting=Count("pk"), oldest=Min("created_at"))
    )
    for row in rows:
        health = result[row["integration_id"]]
        health.backlog = row["waiting"]
        health.oldest_waiting_at = row["oldest"]


LATENCY_SQL = """
SELECT integration_id,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at))
  FROM {table}
 WHERE state = %s AND finished_at >= %s AND integration_id = ANY(%s)
 GROUP BY integration_id
"""


def _add_latency(result: dict[int, HealthFigures], ids: list[int], now: datetime.datetime) -> None:
    """p50 and p95 of commit-to-delivery over the deliveries delivered in the last 7 days."""
    since = now - WEEK
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                LATENCY_SQL.format(table=Delivery._meta.db_table),
                [Delivery.State.SUCCEEDED.value, since, ids],
            )
            for integration_id, p50, p95 in cursor.fetchall():
                result[integration_id].latency_p50_seconds = float(p50)
                result[integration_id].latency_p95_seconds = float(p95)
        return
    # The embedded SQLite database has no percentile function: its volumes are small.
    seconds: dict[int, list[float]] = defaultdict(list)
    for integration_id, created_at, finished_at in Delivery.objects.filter(
        state=Delivery.State.SUCCEEDED, finished_at__gte=since, integration_id__in=ids
    ).values_list("integration_id", "created_at", "finished_at"):
        if finished_at is not None:
            seconds[integration_id].append((finished_at - created_at).total_seconds())
    for integration_id, values in seconds.items():
        result[integration_id].latency_p50_seconds = percentile(values, 0.5)
        result[integration_id].latency_p95_seconds = percentile(values, 0.95)


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks, as PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def daily_bars(integration: Integration, *, now: datetime.datetime | None = None) -> list[DayBar]:
    """Sent attempts per day (UTC) of the last CHART_DAYS days, succeeded and failed: the
    overview's chart."""
    now = now or timezone.now()
    first = (now - datetime.timedelta(days=CHART_DAYS - 1)).date()
    bars = {
        first + datetime.timedelta(days=offset): DayBar(first + datetime.timedelta(days=offset))
        for offset in range(CHART_DAYS)
    }
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=datetime.UTC)
    rows = (
        DeliveryAttempt.objects.filter(
            integration=integration, started_at__gte=start, outcome__in=SENT
        )
        .order_by()
        .annotate(day=TruncDate("started_at", tzinfo=datetime.UTC))
        .values("day")
        .annotate(
            succeeded=Count("pk", filter=Q(outcome=Outcome.SUCCEEDED)),
            failed=Count("pk", filter=~Q(outcome=Outcome.SUCCEEDED)),
        )
    )
    for row in rows:
        bar = bars.get(row["day"])
        if bar is not None:
            bar.succeeded, bar.failed = row["succeeded"], row["failed"]
    return list(bars.values())
