"""Ordering of status deliveries: the ATS never sees an older status after a newer one."""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from integrations.models import Delivery
from integrations.outbox.outcomes import BatchOutcome
from integrations.outbox.publishing import doorbell_for, publish
from integrations.outbox.recording import settle

logger = logging.getLogger(__name__)

State = Delivery.State

# A status delivery waiting for an older one in flight looks again this soon.
ORDER_RECHECK = datetime.timedelta(milliseconds=500)


StatusRow = tuple[int, int, int | None, str, datetime.datetime | None, str]


def status_deliveries_of(batch: list[Delivery]) -> dict[int, list[StatusRow]]:
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


def order_verdict(
    delivery: Delivery, statuses: dict[int, list[StatusRow]], batch: list[Delivery]
) -> BatchOutcome | None:
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
            settle(
                delivery,
                state=State.DROPPED,
                finished_at=now,
                last_error=f"Not sent: a newer status ({label}) exists for this assessment.",
            )
            logger.info("Delivery %s dropped: superseded by %s", delivery.pk, label)
            return BatchOutcome.DROPPED
        older = (other_rank or 0) < rank
        in_flight_elsewhere = other_state == State.SENDING and pk not in ours
        if older and in_flight_elsewhere and locked_until is not None and locked_until > now:
            in_flight.append(locked_until)
    if in_flight:
        due = min([*in_flight, now + ORDER_RECHECK])
        if settle(delivery, state=State.PENDING, next_attempt_at=due, enqueued_at=now):
            publish([doorbell_for(delivery, due, now)])
        return BatchOutcome.WAITING_FOR_OLDER_STATUS
    return None
