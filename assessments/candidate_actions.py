"""What an admin does to candidates' invitations: extend the deadline, re-invite, withdraw.

The admin's bulk actions and `manage.py candidates` both call these. Each takes many invitations
at once, does to each what applies, names why it refused the others, and writes one history
entry per invitation. Live invitations are changed with set-wide queries, so a bulk action on
hundreds of them costs a constant number of queries; closed ones go back to `pending` one by one
through `lifecycle.reopen`, because their ATS is told.

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
from assessments.tasks import send_invitation_email
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


def _reopen_each(
    closed: Iterable[CandidateAssessment],
    outcome: Outcome,
    *,
    deadline_of: dict[int, datetime.datetime],
    resend_invitation: bool,
) -> list[CandidateAssessment]:
    reopened = []
    for candidate_assessment in closed:
        try:
            with transaction.atomic():
                lifecycle.reopen(
                    candidate_assessment.pk,
                    source=ADMIN_SOURCE,
                    expires_at=deadline_of[candidate_assessment.pk],
                    resend_invitation=resend_invitation,
                )
        except lifecycle.StatusTransitionError as error:
            outcome.refused.append((candidate_assessment, str(error)))
        else:
            reopened.append(candidate_assessment)
    return reopened


def extend(candidates: Iterable[CandidateAssessment], until: datetime.date) -> Outcome:
    """Give each invitation the deadline `until` (end of that day); see the module's rules."""
    deadline = end_of_day(until)
    now = timezone.now()
    if deadline <= now:
        raise ActionError(f"{until.isoformat()} has passed: give a date from today on.")
    if deadline > now + datetime.timedelta(days=MAX_COMPLETION_DAYS):
        raise ActionError(f"{until.isoformat()} is more than {MAX_COMPLETION_DAYS} days away.")
    outcome = Outcome()
    live: list[CandidateAssessment] = []
    expired: list[CandidateAssessment] = []
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
        elif status == Status.EXPIRED:
            expired.append(candidate_assessment)
        else:
            live.append(candidate_assessment)
    with transaction.atomic():
        CandidateAssessment.objects.filter(
            pk__in=[row.pk for row in live], status__in=LIVE_STATUSES
        ).update(expires_at=deadline, updated_at=now)
        reopened = _reopen_each(
            expired,
            outcome,
            deadline_of={row.pk: deadline for row in expired},
            resend_invitation=False,
        )
        outcome.done = live + reopened
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
    live = [row for row in accepted if row.status in LIVE_STATUSES]
    with transaction.atomic():
        CandidateLink.objects.filter(
            candidate_assessment_id__in=[row.pk for row in accepted], superseded_at__isnull=True
        ).update(superseded_at=now)
        # One update per completion window, not per invitation.
        for window in {row.assessment.completion_days for row in live}:
            CandidateAssessment.objects.filter(
                pk__in=[row.pk for row in live if row.assessment.completion_days == window],
                status__in=LIVE_STATUSES,
            ).update(
                expires_at=now + datetime.timedelta(days=window),
                invitation_sent_at=None,
                updated_at=now,
            )
        closed = [row for row in accepted if row.status not in LIVE_STATUSES]
        reopened = _reopen_each(closed, outcome, deadline_of=deadline_of, resend_invitation=True)
        outcome.done = live + reopened
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
        for row in outcome.done:
            publish_after_commit(send_invitation_email, row.pk)
    return outcome


def withdraw(candidates: Iterable[CandidateAssessment]) -> Outcome:
    """Void each live invitation (`rejected`): its links stop working, no reminder goes, and
    its ATS hears `rejected` where its contract has it."""
    outcome = Outcome()
    with transaction.atomic():
        for candidate_assessment in candidates:
            if candidate_assessment.status not in LIVE_STATUSES:
                reason = f"it is already {candidate_assessment.get_status_display().lower()}."
                outcome.refused.append((candidate_assessment, reason))
                continue
            try:
                with transaction.atomic():
                    lifecycle.record_status(
                        candidate_assessment.pk, Status.REJECTED, source=ADMIN_SOURCE
                    )
            except lifecycle.StatusTransitionError as error:
                outcome.refused.append((candidate_assessment, str(error)))
            else:
                outcome.done.append(candidate_assessment)
        history.record_many(
            [(row, {"status": (row.status, Status.REJECTED.value)}) for row in outcome.done]
        )
    return outcome
