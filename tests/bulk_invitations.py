"""Many invitations through two ATSs at once, for the bulk actions' tests.

Half come through Workable, half through Greenhouse with a status field, so every status change
owes both kinds of ATS a delivery. They are written with bulk inserts (a set of 500 is built in
a few queries) in the state an invitation has in each case: live (pending, or started), expired,
or withdrawn by an admin, its ATS invitation no longer live and its last status still owed.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from accounts.models import Account
from assessments.lifecycle import status_rank
from assessments.models import Assessment, CandidateAssessment, CandidateAssessmentEvent
from integrations import services
from integrations.models import AtsInvitation, Delivery, Integration
from tests.greenhouse import support as greenhouse_support
from tests.workable import delivery_support as workable_support
from workable.invitations import invitation_refs

Status = CandidateAssessment.Status
STATUS_FIELD = "application:harver_status"
# The sets every bulk action is measured on; "mixed" cycles through the four states.
SETS = {
    "live": (Status.PENDING,),
    "expired": (Status.EXPIRED,),
    "withdrawn": (Status.REJECTED,),
    "mixed": (Status.PENDING, Status.STARTED, Status.EXPIRED, Status.REJECTED),
}
FINAL_STATUS_LABELS = {Status.EXPIRED: "Expired", Status.REJECTED: "Withdrawn"}


@dataclass(frozen=True)
class Channel:
    """One ATS integration and the assessment it invites to."""

    integration: Integration
    assessment: Assessment


def channels(account: Account) -> list[Channel]:
    """An enabled Workable and an enabled Greenhouse integration (with a status field)."""
    workable, workable_assessment = workable_support.configure(account)
    greenhouse, greenhouse_assessment, _ = greenhouse_support.configure(account)
    services.set_ats_credentials(greenhouse, status_field=STATUS_FIELD)
    return [Channel(workable, workable_assessment), Channel(greenhouse, greenhouse_assessment)]


def _refs(channel: Channel, number: int) -> dict[str, str]:
    if channel.integration.provider == "workable":
        return invitation_refs(
            callback_url=f"{workable_support.SPI}/assessments/bulk{number}/results",
            job_shortcode="A1B2C3",
            job_title="Store Associate",
        )
    return {"application_id": str(900000 + number), "candidate_id": str(800000 + number)}


def _owed_status(
    channel: Channel, candidate_assessment: CandidateAssessment, status: str, number: int
) -> Delivery:
    """The final status still waiting to be sent, as the provider wrote it."""
    refs = _refs(channel, number)
    payload: dict[str, Any]
    if channel.integration.provider == "workable":
        label, url, payload = f"Status {status}", refs["callback_url"], {"status": str(status)}
    else:
        word = FINAL_STATUS_LABELS[Status(status)]
        label, url = f"Status {word} ({STATUS_FIELD})", ""
        payload = {
            "level": "application",
            "record_id": refs["application_id"],
            "fields": [{"name_key": "harver_status", "value": word}],
        }
    return Delivery(
        integration=channel.integration,
        candidate_assessment=candidate_assessment,
        kind=Delivery.Kind.STATUS,
        label=label,
        url=url,
        payload=payload,
        rank=status_rank(candidate_assessment, status),
        state=Delivery.State.PENDING,
        next_attempt_at=timezone.now(),
    )


def invitations(
    channels: Sequence[Channel], count: int, statuses: Sequence[str], *, first: int = 0
) -> list[CandidateAssessment]:
    """`count` invitations numbered from `first` (emails c<number>@example.com), cycling through
    every (status, channel) pair, read back as the admin reads them."""
    now = timezone.now()
    kinds = itertools.cycle(itertools.product(statuses, channels))
    plan = [
        (number, channel, status)
        for number, (status, channel) in zip(range(first, first + count), kinds, strict=False)
    ]
    rows = CandidateAssessment.objects.bulk_create(
        CandidateAssessment(
            account_id=channel.assessment.account_id,
            assessment=channel.assessment,
            email=f"c{number}@example.com",
            first_name=f"Candidate{number}",
            status=status,
            expires_at=now + datetime.timedelta(hours=6)
            if status in (Status.PENDING, Status.STARTED)
            else now - datetime.timedelta(hours=1),
            invitation_sent_at=now - datetime.timedelta(days=1),
            started_at=now - datetime.timedelta(hours=2) if status == Status.STARTED else None,
        )
        for number, channel, status in plan
    )
    closed = (Status.EXPIRED, Status.REJECTED)
    AtsInvitation.objects.bulk_create(
        AtsInvitation(
            integration=channel.integration,
            candidate_assessment=row,
            assessment=channel.assessment,
            email_key=row.email,
            identity_key=AtsInvitation.identity_key_of(f"bulk:{number}"),
            refs=_refs(channel, number),
            is_live=status not in closed,
        )
        for (number, channel, status), row in zip(plan, rows, strict=True)
    )
    CandidateAssessmentEvent.objects.bulk_create(
        CandidateAssessmentEvent(
            candidate_assessment=row, status=status, source="expiry", occurred_at=now
        )
        for (_, _, status), row in zip(plan, rows, strict=True)
        if status in closed
    )
    Delivery.objects.bulk_create(
        _owed_status(channel, row, status, number)
        for (number, channel, status), row in zip(plan, rows, strict=True)
        if status in closed
    )
    return list(
        CandidateAssessment.objects.filter(pk__in=[row.pk for row in rows])
        .select_related("assessment", "account")
        .order_by("pk")
    )
