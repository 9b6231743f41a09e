"""The retention job: candidates' personal data is anonymised once its account's retention period
after the assessment ended has passed.

An assessment ended when it reached its final status (completed, expired or withdrawn): the
status history says when. Each account's candidate assessments past its period are anonymised in
batches, each batch in its own transaction with its own `PersonalDataRecord`, so a run cut short
keeps what it finished and the next run picks up the rest.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Account
from assessments.lifecycle import TERMINAL_STATUSES
from assessments.models import CandidateAssessment, PersonalDataRecord
from assessments.personal_data.holders import Removal
from assessments.personal_data.rights import remove, values_of

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
SCHEDULER_ACTOR = "scheduler"


def due(account: Account, now: datetime.datetime) -> list[int]:
    """Ids of the account's candidate assessments that ended before its retention period."""
    cutoff = now - datetime.timedelta(days=account.retention_days)
    return list(
        CandidateAssessment.objects.filter(
            account=account,
            anonymised_at__isnull=True,
            status__in=TERMINAL_STATUSES,
            events__status=F("status"),
            events__occurred_at__lte=cutoff,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:BATCH_SIZE]
    )


def anonymise_batch(account: Account, now: datetime.datetime) -> int:
    """Anonymise one batch of the account's due candidate assessments; returns how many."""
    with transaction.atomic():
        ids = due(account, now)
        if not ids:
            return 0
        rows = CandidateAssessment.objects.select_for_update().filter(pk__in=ids)
        removal = Removal(
            account=account,
            candidate_assessment_ids=list(rows.values_list("pk", flat=True)),
            values=values_of(rows),
            erasure=False,
            now=now,
        )
        counts = remove(removal)
        PersonalDataRecord.objects.create(
            account=account,
            action=PersonalDataRecord.Action.RETENTION,
            actor=SCHEDULER_ACTOR,
            candidate_assessment_ids=removal.candidate_assessment_ids,
            counts=counts,
        )
    return len(removal.candidate_assessment_ids)


def anonymise_expired_data(now: datetime.datetime | None = None) -> int:
    """Anonymise every account's candidate data past its retention period; returns how many."""
    now = now or timezone.now()
    total = 0
    for account in Account.objects.order_by("pk"):
        while count := anonymise_batch(account, now):
            total += count
    if total:
        logger.info("Anonymised %d candidate assessment(s) past their retention period.", total)
    return total
