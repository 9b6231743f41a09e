"""Outbox rows written straight to the database, at chosen times, for health and issue tests."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from integrations.models import Delivery, DeliveryAttempt, Integration
from tests import factories

State = Delivery.State
Outcome = DeliveryAttempt.Outcome


def delivery(
    integration: Integration,
    *,
    state: str = State.SUCCEEDED,
    kind: str = Delivery.Kind.STATUS,
    label: str = "Status completed",
    created_at: datetime.datetime | None = None,
    finished_at: datetime.datetime | None = None,
) -> Delivery:
    candidate = factories.CandidateAssessmentFactory.create(assessment__account=integration.account)
    row = Delivery.objects.create(
        integration=integration,
        candidate_assessment=candidate,
        kind=kind,
        label=label,
        state=state,
        next_attempt_at=timezone.now(),
        finished_at=finished_at,
    )
    if created_at is not None:
        Delivery.objects.filter(pk=row.pk).update(created_at=created_at)
        row.created_at = created_at
    return row


def attempt(
    row: Delivery,
    *,
    outcome: str = Outcome.SUCCEEDED,
    started_at: datetime.datetime | None = None,
    http_status: int | None = 200,
    duration_ms: int = 120,
) -> DeliveryAttempt:
    return DeliveryAttempt.objects.create(
        delivery=row,
        integration_id=row.integration_id,
        number=1,
        started_at=started_at or timezone.now(),
        duration_ms=duration_ms,
        outcome=outcome,
        http_status=http_status,
    )


def attempts(
    integration: Integration,
    *,
    succeeded: int,
    failed: int,
    at: datetime.datetime | None = None,
    status: int = 500,
) -> None:
    """Attempts of one (finished) delivery: `succeeded` successes and `failed` failures."""
    row = delivery(integration, state=State.FAILED, finished_at=at or timezone.now())
    for _ in range(succeeded):
        attempt(row, started_at=at)
    for _ in range(failed):
        attempt(row, outcome=Outcome.TRANSIENT, started_at=at, http_status=status)


def many_integrations(count: int, member: User) -> list[Integration]:
    """`count` enabled integrations of one account of `member`, each with one delivery sent once."""
    account = factories.AccountFactory.create()
    account.members.add(member)
    made = Integration.objects.bulk_create(
        Integration(account=account, provider="workable", is_enabled=True) for _ in range(count)
    )
    now = timezone.now()
    candidate = factories.CandidateAssessmentFactory.create(assessment__account=account)
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            integration=integration,
            candidate_assessment=candidate,
            kind=Delivery.Kind.STATUS,
            label="Status completed",
            state=State.SUCCEEDED,
            next_attempt_at=now,
            finished_at=now,
        )
        for integration in made
    )
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(
            delivery=delivery,
            integration_id=delivery.integration_id,
            number=1,
            started_at=now,
            outcome=DeliveryAttempt.Outcome.SUCCEEDED,
        )
        for delivery in deliveries
    )
    return made
