"""What the outbox reports: a task's verdict on each delivery of its batch, and a sweep's counts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class BatchOutcome(Enum):
    """What one task run did with one delivery (not what the ATS answered: see the attempts)."""

    SUCCEEDED = "succeeded"
    FAILED_ATTEMPT = "failed attempt"
    DROPPED = "dropped"
    WAITING_FOR_OLDER_STATUS = "waiting for an older status"
    POSTPONED = "postponed"
    HELD = "held"
    PAUSED = "paused (credentials refused)"
    NOT_CLAIMED = "not claimed"

    @property
    def ends_the_task(self) -> bool:
        """After this the task takes no further batch of the integration."""
        return self in {BatchOutcome.POSTPONED, BatchOutcome.HELD, BatchOutcome.PAUSED}


@dataclass(frozen=True)
class SweepCounts:
    """How many deliveries one sweep re-took from lost workers, released and published."""

    reclaimed: int = 0
    released: int = 0
    published: int = 0

    def __bool__(self) -> bool:
        return bool(self.reclaimed or self.released or self.published)
