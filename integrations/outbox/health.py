"""Delivery health of integrations, for the admin list."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from integrations.models import Delivery, DeliveryAttempt, Integration

State = Delivery.State
Outcome = DeliveryAttempt.Outcome

HEALTH_WINDOW = datetime.timedelta(hours=24)


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
