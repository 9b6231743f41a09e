"""The candidates a customer's backlog is owed for, one expired invitation each, written in bulk
for either provider's backlog."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from bench.delivery.platform import Tenant

if TYPE_CHECKING:
    from assessments.models import CandidateAssessment


def expired_candidates(
    tenant: Tenant, size: int, now: datetime.datetime
) -> list[CandidateAssessment]:
    from assessments.models import Assessment, CandidateAssessment

    assessment = Assessment.objects.select_related("account").get(pk=tenant.assessment_id)
    return CandidateAssessment.objects.bulk_create(
        [
            CandidateAssessment(
                account=assessment.account,
                assessment=assessment,
                email=f"owed-{tenant.integration_id}-{number}@example.com",
                status=CandidateAssessment.Status.EXPIRED,
                expires_at=now,
                invitation_sent_at=now,
            )
            for number in range(size)
        ],
        batch_size=2000,
    )
