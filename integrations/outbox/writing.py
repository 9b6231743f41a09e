"""Writing deliveries: stored in the caller's transaction, published once it commits."""

from __future__ import annotations

import datetime

from django.utils import timezone

from integrations.models import Delivery, Integration
from integrations.outbox.publishing import Doorbell, publish_after_commit

State = Delivery.State


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
        publish_after_commit(
            [Doorbell(first.pk, integration.provider, integration.pk, covered=covered, fresh=True)]
        )
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
