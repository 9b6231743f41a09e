"""What an admin does to candidates' invitations: extend the deadline, re-invite, withdraw.

The admin's bulk actions and `manage.py candidates` both call these. Each takes many invitations
at once, does to each what applies, names why it refused the others, and writes one history
entry per invitation. They change the invitations through `lifecycle.reopen_many` and
`lifecycle.record_statuses` (one locking read, set-wide writes, each ATS's deliveries in one
insert) and queue one task for all the emails, so an action on hundreds of invitations, live or
closed, costs the queries it costs on five.

Decisions:
- A new deadline given as a date is the end of that day (23:59:59 in TIME_ZONE), so the date the
  candidate's pages and emails show is the date the admin gave.
- Extending a live invitation only moves its deadline (no email: the candidate's link keeps
  working, and the new date shows on their pages); extending an expired one reopens it.
- Re-inviting mints a fresh link and emails it, with a new deadline one completion window from
  now; every earlier link of that candidate then opens a page saying it was replaced (410).
- Neither applies to an invitation whose personal data was erased or anonymised (there is no
  one left to write to).
- Neither applies to a completed assessment, and extending does not reopen a withdrawn one
  (withdrawing is the ATS's or an admin's decision; a re-invitation overrides it on purpose).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from assessments import lifecycle
from assessments.models import MAX_COMPLETION_DAYS, CandidateAssessment, CandidateLink
from assessments.tasks import send_invitation_emails
from harver_integration import history
from harver_integration.queueing import publish_after_commit

Status = CandidateAssessment.Status
ADMIN_SOURCE = "admin"
LIVE_STATUSES = (Status.PENDING, Status.STARTED)
ANONYMISED = "its candidate's personal data was erased or anonymised."


class ActionError(Exception):
    """The action as asked cannot apply to any invitation (a date in the past, say)."""


@dataclass
class Outcome:
    done: list[CandidateAssessment] = field(default_factory=list)
    refused: list[tuple[CandidateAssessment, str]] = field(default_factory=list)


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The deadline of an invitation "until" `day`: the last moment of that day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def _shown(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _settle(
    accepted: list[CandidateAssessment], batch: lifecycle.BatchOutcome, outcome: Outcome
) -> None:
    """Sort the accepted invitations into done and refused by what the bulk change did."""
    for candidate_assessment in accepted:
        problem = batch.refused.get(candidate_assessment.pk)
        if problem is None:
            outcome.done.append(candidate_assessment)
        else:
            outcome.refused.append((candidate_assessment, problem))


def extend(candidates: Iterable[CandidateAssessment], until: datetime.date) -> Outcome:
    """Give each invitation the deadline `until` (end of that day); see the module's rules."""
    deadline = end_of_day(until)
    now = timezone.now()
    if deadline <= now:
        raise ActionError(f"{until.isoformat()} has passed: give a date from today on.")
    if deadline > now + datetime.timedelta(days=MAX_COMPLETION_DAYS):
        raise ActionError(f"{until.isoformat()} is more than {MAX_COMPLETION_DAYS} days away.")
    outcome = Outcome()
    accepted: list[CandidateAssessment] = []
    for candidate_assessment in candidates:
        status = candidate_assessment.status
        if candidate_assessment.anonymised_at is not None:
            outcome.refused.append((candidate_assessment, ANONYMISED))
        elif status == Status.COMPLETED:
            outcome.refused.append((candidate_assessment, "it is completed."))
        elif status == Status.REJECTED:
            outcome.refused.append(
                (candidate_assessment, "it was withdrawn; re-invite the candidate to reopen it.")
            )
        elif candidate_assessment.expires_at >= deadline:
            outcome.refused.append(
                (
                    candidate_assessment,
                    f"its deadline is already {_shown(candidate_assessment.expires_at)}.",
                )
            )
        else:
            accepted.append(candidate_assessment)
    with transaction.atomic():
        batch = lifecycle.reopen_many(
            {row.pk: deadline for row in accepted},
            source=ADMIN_SOURCE,
            resend_invitation=False,
            reopenable=(Status.EXPIRED,),
        )
        _settle(accepted, batch, outcome)
        history.record_many(
            [
                (row, {"deadline": (_shown(row.expires_at), _shown(deadline))})
                for row in outcome.done
            ]
        )
    return outcome


def reinvite(candidates: Iterable[CandidateAssessment]) -> Outcome:
    """A fresh link and email for each invitation, with a new deadline; see the module's rules."""
    now = timezone.now()
    outcome = Outcome()
    accepted: list[CandidateAssessment] = []
    for candidate_assessment in candidates:
        if candidate_assessment.anonymised_at is not None:
            outcome.refused.append((candidate_assessment, ANONYMISED))
        elif candidate_assessment.status == Status.COMPLETED:
            outcome.refused.append((candidate_assessment, "it is completed."))
        else:
            accepted.append(candidate_assessment)
    deadline_of = {
        row.pk: now + datetime.timedelta(days=row.assessment.completion_days) for row in accepted
    }
    with transaction.atomic():
        batch = lifecycle.reopen_many(deadline_of, source=ADMIN_SOURCE, resend_invitation=True)
        _settle(accepted, batch, outcome)
        CandidateLink.objects.filter(
            candidate_assessment_id__in=[row.pk for row in outcome.done],
            superseded_at__isnull=True,
        ).update(superseded_at=now)
        history.record_many(
            [
                (
                    row,
                    {
                        "re-invited": ("", "a new link emailed"),
                        "deadline": (_shown(row.expires_at), _shown(deadline_of[row.pk])),
                    },
                )
                for row in outcome.done
            ]
        )
        if outcome.done:
            publish_after_commit(send_invitation_emails, [row.pk for row in outcome.done])
    return outcome


def withdraw(candidates: Iterable[CandidateAssessment]) -> Outcome:
    """Void each live invitation (`rejected`): its links stop working, no reminder goes, and
    its ATS hears `rejected` where its contract has it."""
    outcome = Outcome()
    live: list[CandidateAssessment] = []
    for candidate_assessment in candidates:
        if candidate_assessment.status in LIVE_STATUSES:
            live.append(candidate_assessment)
        else:
            reason = f"it is already {candidate_assessment.get_status_display().lower()}."
            outcome.refused.append((candidate_assessment, reason))
    with transaction.atomic():
        batch = lifecycle.record_statuses(
            [row.pk for row in live], Status.REJECTED, source=ADMIN_SOURCE
        )
        _settle(live, batch, outcome)
        history.record_many(
            [(row, {"status": (row.status, Status.REJECTED.value)}) for row in outcome.done]
        )
    return outcome
