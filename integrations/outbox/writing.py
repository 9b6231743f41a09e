"""Writing deliveries: stored in the caller's transaction, published once it commits.

`add_many` stores what many status changes owe, across integrations, in the same few queries
as one: a bulk action on hundreds of invitations writes their deliveries in one insert, drops
the statuses they supersede in one update, and rings one doorbell per integration.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone

from integrations.models import Delivery, Integration
from integrations.outbox.publishing import Doorbell, publish_after_commit

State = Delivery.State


def add(integration: Integration, deliveries: list[Delivery]) -> list[Delivery]:
    """Store `deliveries` in the caller's transaction and publish them once it commits.

    A disabled integration's deliveries are stored `held`, to be sent when it is enabled again.
    """
    return add_many([(integration, deliveries)])


def add_many(owed: Sequence[tuple[Integration, list[Delivery]]]) -> list[Delivery]:
    """`add` for the deliveries of many integrations at once, in a number of queries that does
    not grow with them; an integration may appear more than once."""
    now = timezone.now()
    integrations: dict[int, Integration] = {}
    for integration, deliveries in owed:
        integrations[integration.pk] = integration
        state = State.PENDING if integration.is_enabled else State.HELD
        for delivery in deliveries:
            delivery.integration = integration
            delivery.state = state
            delivery.next_attempt_at = now
            delivery.enqueued_at = now if state == State.PENDING else None
    pending = [delivery for _, deliveries in owed for delivery in deliveries]
    if not pending:
        return []
    created = Delivery.objects.bulk_create(pending)
    _drop_superseded(created, now)
    publish_after_commit(_doorbells(created, integrations))
    return created


def _doorbells(created: list[Delivery], integrations: dict[int, Integration]) -> list[Doorbell]:
    """One fresh doorbell per integration whose deliveries are pending: its batch takes all."""
    by_integration: dict[int, list[int]] = {}
    for delivery in created:
        if delivery.state == State.PENDING:
            by_integration.setdefault(delivery.integration_id, []).append(delivery.pk)
    return [
        Doorbell(
            first,
            integrations[integration_id].provider,
            integration_id,
            covered=tuple(rest),
            fresh=True,
        )
        for integration_id, (first, *rest) in by_integration.items()
    ]


def _drop_superseded(deliveries: list[Delivery], now: datetime.datetime) -> None:
    """Older statuses not yet on their way will never be sent: drop them now, not at send time.

    The check before sending stays (a delivery may be replayed, or be in flight); this only
    saves workers the runs that would end in `dropped`. One update for every candidate
    assessment: each one's older statuses go, named after its newest status just written.
    """
    statuses = [
        delivery
        for delivery in deliveries
        if delivery.kind == Delivery.Kind.STATUS and delivery.rank is not None
    ]
    # The lowest rank (a new invitation's `pending`) has nothing older to drop.
    if not any(delivery.rank for delivery in statuses):
        return
    newest = Delivery.objects.filter(
        pk__in=[delivery.pk for delivery in statuses],
        candidate_assessment_id=OuterRef("candidate_assessment_id"),
    ).order_by("-rank", "pk")
    Delivery.objects.filter(
        candidate_assessment_id__in={delivery.candidate_assessment_id for delivery in statuses},
        kind=Delivery.Kind.STATUS,
        state__in=[State.PENDING, State.HELD],
        rank__lt=Subquery(newest.values("rank")[:1]),
    ).update(
        state=State.DROPPED,
        finished_at=now,
        last_error=Concat(
            Value("Not sent: a newer status ("),
            Subquery(newest.values("label")[:1]),
            Value(") was recorded first."),
        ),
        updated_at=now,
    )
