"""What the platform's operators scrape (`GET /metrics`, Prometheus text format).

Every figure is read from the database at scrape time, in a fixed number of aggregate queries
over indexed ranges, so any web worker answers the same whatever process did the work:
gunicorn's workers and the Celery workers share nothing but the database, and prometheus_client's
multiprocess mode (files per process, cleaned on restart) would count only the processes of one
machine. Windows are stated in each metric's name and help.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone
from prometheus_client.core import (
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from integrations.inbound_counts import hour_of
from integrations.models import Delivery, DeliveryAttempt, InboundEvent, InboundRequestCount, Issue

State = Delivery.State
OPEN_STATES = (State.PENDING, State.SENDING, State.HELD)
FINISHED_STATES = (State.SUCCEEDED, State.FAILED, State.DROPPED)
ATTEMPT_WINDOW = datetime.timedelta(minutes=15)
# Upper bounds (seconds) of the attempt duration buckets.
DURATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class PlatformCollector(Collector):
    """The outbox, the inbound calls and the issues, as gauges computed from the database."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        yield from self._deliveries(now)
        yield self._attempt_durations(now)
        yield from self._queue(now)
        yield self._inbound_requests(now)
        yield self._issues()

    def _deliveries(self, now: datetime.datetime) -> Iterator[Metric]:
        waiting = GaugeMetricFamily(
            "harver_deliveries",
            "Deliveries not finished, by state (pending, sending, held) and ATS.",
            labels=["state", "provider"],
        )
        for row in (
            Delivery.objects.filter(state__in=OPEN_STATES)
            .order_by()
            .values("state", provider=F("integration__provider"))
            .annotate(total=Count("pk"))
        ):
            waiting.add_metric([row["state"], row["provider"]], row["total"])
        yield waiting
        finished = GaugeMetricFamily(
            "harver_deliveries_finished_24h",
            "Deliveries finished in the last 24 hours, by state (succeeded, failed, dropped) "
            "and ATS.",
            labels=["state", "provider"],
        )
        for row in (
            Delivery.objects.filter(
                state__in=FINISHED_STATES, finished_at__gte=now - datetime.timedelta(hours=24)
            )
            .order_by()
            .values("state", provider=F("integration__provider"))
            .annotate(total=Count("pk"))
        ):
            finished.add_metric([row["state"], row["provider"]], row["total"])
        yield finished

    def _attempt_durations(self, now: datetime.datetime) -> Metric:
        buckets = {
            f"le_{index}": Count("pk", filter=Q(duration_ms__lte=bound * 1000))
            for index, bound in enumerate(DURATION_BUCKETS)
        }
        histogram = GaugeHistogramMetricFamily(
            "harver_delivery_attempt_duration_seconds",
            "How long the ATS took to answer delivery attempts started in the last 15 minutes, "
            "by ATS.",
            labels=["provider"],
        )
        rows = (
            DeliveryAttempt.objects.filter(
                started_at__gte=now - ATTEMPT_WINDOW, duration_ms__isnull=False
            )
            .order_by()
            .values(provider=F("integration__provider"))
            .annotate(total=Count("pk"), milliseconds=Sum("duration_ms"), **buckets)
        )
        for row in rows:
            values: dict[str, Any] = dict(row)
            counts = [
                (str(bound), values[f"le_{index}"]) for index, bound in enumerate(DURATION_BUCKETS)
            ]
            histogram.add_metric(
                [row["provider"]],
                [*counts, ("+Inf", row["total"])],
                gsum_value=(row["milliseconds"] or 0) / 1000,
            )
        return histogram

    def _queue(self, now: datetime.datetime) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "harver_delivery_queue_depth",
            "Pending deliveries that are due now (not waiting for a retry), by ATS.",
            labels=["provider"],
        )
        oldest = GaugeMetricFamily(
            "harver_delivery_queue_oldest_seconds",
            "How long the oldest due pending delivery has been due, by ATS.",
            labels=["provider"],
        )
        for row in (
            Delivery.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
            .order_by()
            .values(provider=F("integration__provider"))
            .annotate(total=Count("pk"), first_due=Min("next_attempt_at"))
        ):
            depth.add_metric([row["provider"]], row["total"])
            oldest.add_metric([row["provider"]], (now - row["first_due"]).total_seconds())
        yield depth
        yield oldest
        events = GaugeMetricFamily(
            "harver_inbound_events_open",
            "Stored ATS calls (web hooks) not processed yet, by state.",
            labels=["state"],
        )
        for state, total in (
            InboundEvent.objects.filter(state__in=InboundEvent.OPEN_STATES)
            .order_by()
            .values("state")
            .annotate(total=Count("pk"))
            .values_list("state", "total")
        ):
            events.add_metric([state], total)
        yield events

    def _inbound_requests(self, now: datetime.datetime) -> Metric:
        current = hour_of(now)
        previous = current - datetime.timedelta(hours=1)
        requests = GaugeMetricFamily(
            "harver_inbound_requests",
            "Calls of the ATSes to Harver answered in an hour (UTC), by ATS and HTTP status; "
            'hour="previous" is the last full hour, hour="current" the one under way.',
            labels=["provider", "status", "hour"],
        )
        for row in (
            InboundRequestCount.objects.filter(hour__gte=previous)
            .order_by()
            .values("provider", "status", "hour")
            .annotate(total=Sum("count"))
        ):
            hour = "current" if row["hour"] == current else "previous"
            requests.add_metric([row["provider"], str(row["status"]), hour], row["total"])
        return requests

    def _issues(self) -> Metric:
        issues = GaugeMetricFamily(
            "harver_issues_open",
            "Unresolved integration issues, by type and state (open, snoozed).",
            labels=["type", "state"],
        )
        for row in (
            Issue.objects.exclude(state=Issue.State.RESOLVED)
            .order_by()
            .values("type", "state")
            .annotate(total=Count("pk"))
        ):
            issues.add_metric([row["type"], row["state"]], row["total"])
        return issues
