"""Every status change of a candidate assessment goes through here, and so does what it causes.

The seam between Harver's side and the ATS side: `assessments` knows no ATS, yet a status change
must create the deliveries owed to the ATS in the same database transaction. Whoever owes the
ATS something registers one listener with `register_status_listener` (the integrations app does,
in `IntegrationsConfig.ready`). `record_status` and `create_candidate_assessment` call every
listener inside their transaction, so a change and its consequences commit or roll back together.

Statuses only move forward, with one exception an admin makes on purpose: `reopen` puts a closed
or live invitation back to `pending` (a re-invitation, or a deadline extended after it expired).
Each reopening starts a new round, and a status's rank (`status_rank`) counts the rounds, so a
delivery of the new round's `pending` outranks the old round's `expired` and reaches the ATS.

An admin's bulk action changes hundreds of invitations at once: `record_statuses` and
`reopen_many` do what `record_status` and `reopen` do to each, in a number of queries that does
not grow with them (one locking read, one update, one insert of events). They tell the batch
listeners (`register_batch_status_listener`), which first name the changes they refuse (a
listener of one change raises instead) and then record the rest, all in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment, CandidateAssessment, CandidateAssessmentEvent

Status = CandidateAssessment.Status

# How far along each status is; a change may only move forward.
STATUS_RANK = {
    Status.PENDING: 0,
    Status.STARTED: 1,
    Status.COMPLETED: 2,
    Status.EXPIRED: 2,
    Status.REJECTED: 2,
}
TERMINAL_STATUSES = frozenset({Status.COMPLETED, Status.EXPIRED, Status.REJECTED})
# Ranks one round of an invitation spans: pending, started, and one final status.
RANKS_PER_ROUND = max(STATUS_RANK.values()) + 1


def status_rank(candidate_assessment: CandidateAssessment, status: str) -> int:
    """The order of `status` among everything this invitation told its ATS, all rounds long."""
    return STATUS_RANK[Status(status)] + RANKS_PER_ROUND * candidate_assessment.reopen_count


@dataclass(frozen=True)
class StatusChange:
    candidate_assessment: CandidateAssessment
    previous: str | None
    current: str
    source: str
    context: dict[str, Any] = field(default_factory=dict)


StatusListener = Callable[[StatusChange], None]
_listeners: list[StatusListener] = []


def register_status_listener(listener: StatusListener) -> None:
    """Call `listener` inside every status change's transaction; registering twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)


@dataclass(frozen=True)
class BatchStatusListener:
    """What a listener does for many changes at once, each as its single form would.

    `refusals` names the changes that may not happen ({candidate assessment id: why}) before
    anything is written; `record` then records what the others cause, inside their transaction.
    """

    refusals: Callable[[Sequence[StatusChange]], dict[int, str]]
    record: Callable[[Sequence[StatusChange]], None]


_batch_listeners: list[BatchStatusListener] = []


def register_batch_status_listener(listener: BatchStatusListener) -> None:
    """Tell `listener` of every bulk change (`record_statuses`, `reopen_many`); registering
    twice is a no-op. Whoever registers a status listener registers its batch form too."""
    if listener not in _batch_listeners:
        _batch_listeners.append(listener)


@dataclass
class BatchOutcome:
    """What a bulk change did: the status changes made, and why the refused ones were not."""

    changes: list[StatusChange] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


class StatusTransitionError(Exception):
    """The change would move a candidate assessment backwards or out of a final status."""


@dataclass(frozen=True)
class Result:
    score: int
    recommendation: str
    competency_scores: dict[str, int]
    summary: str
    duration: datetime.timedelta


def _notify(change: StatusChange) -> None:
    for listener in _listeners:
        listener(change)


def create_candidate_assessment(
    *,
    assessment: Assessment,
    email: str,
    source: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    resume_url: str = "",
    attach: Callable[[CandidateAssessment], None] | None = None,
    context: dict[str, Any] | None = None,
) -> CandidateAssessment:
    """Create a pending invitation; listeners get `previous=None`. Call inside a transaction.

    `attach` stores the caller's own rows about the new candidate assessment (an ATS's job and
    callback URL, say) before the listeners run, so they can rely on them.
    """
    now = timezone.now()
    candidate_assessment = CandidateAssessment.objects.create(
        account_id=assessment.account_id,
        assessment=assessment,
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        resume_url=resume_url,
        expires_at=now + datetime.timedelta(days=assessment.completion_days),
    )
    CandidateAssessmentEvent.objects.create(
        candidate_assessment=candidate_assessment,
        status=Status.PENDING,
        source=source,
        occurred_at=now,
    )
    if attach is not None:
        attach(candidate_assessment)
    _notify(
        StatusChange(
            candidate_assessment=candidate_assessment,
            previous=None,
            current=Status.PENDING,
            source=source,
            context=context or {},
        )
    )
    return candidate_assessment


def record_status(
    candidate_assessment_id: int,
    status: str,
    *,
    source: str,
    result: Result | None = None,
    at: datetime.datetime | None = None,
) -> StatusChange | None:
    """Move a candidate assessment forward; returns None when it already has this status.

    Raises StatusTransitionError for a move backwards or out of a final status, and ValueError
    when `completed` comes without a result.
    """
    status = Status(status)
    if status == Status.COMPLETED and result is None:
        raise ValueError("A completed assessment needs its result.")
    at = at or timezone.now()
    with transaction.atomic():
        candidate_assessment = (
            CandidateAssessment.objects.select_for_update()
            .select_related("assessment", "account")
            .get(pk=candidate_assessment_id)
        )
        previous = Status(candidate_assessment.status)
        if previous == status:
            return None
        if previous in TERMINAL_STATUSES or STATUS_RANK[status] < STATUS_RANK[previous]:
            raise StatusTransitionError(
                f"The assessment is {previous.label.lower()}; it cannot become "
                f"{status.label.lower()}."
            )
        candidate_assessment.status = status
        if status == Status.STARTED:
            candidate_assessment.started_at = at
        if status == Status.COMPLETED and result is not None:
            candidate_assessment.completed_at = at
            candidate_assessment.started_at = candidate_assessment.started_at or at
            candidate_assessment.score = result.score
            candidate_assessment.recommendation = result.recommendation
            candidate_assessment.competency_scores = result.competency_scores
            candidate_assessment.summary = result.summary
            candidate_assessment.duration = result.duration
        candidate_assessment.save()
        CandidateAssessmentEvent.objects.create(
            candidate_assessment=candidate_assessment, status=status, source=source, occurred_at=at
        )
        change = StatusChange(
            candidate_assessment=candidate_assessment,
            previous=previous,
            current=status,
            source=source,
        )
        _notify(change)
    return change


def reopen(
    candidate_assessment_id: int,
    *,
    source: str,
    expires_at: datetime.datetime,
    resend_invitation: bool,
) -> StatusChange | None:
    """Give an invitation a new round: `pending` again until `expires_at`; never a completed one.

    A closed (expired or withdrawn) one becomes `pending`, and the candidate accepts the terms
    again (their saved answers stay). A live one keeps its status and progress: only its
    deadline changes, and None is returned (the ATS hears nothing new). `resend_invitation`
    clears the invitation email's sending so that it goes again.
    Raises StatusTransitionError for a completed assessment, or when a listener refuses.
    """
    with transaction.atomic():
        candidate_assessment = (
            CandidateAssessment.objects.select_for_update()
            .select_related("assessment", "account")
            .get(pk=candidate_assessment_id)
        )
        previous = Status(candidate_assessment.status)
        if previous == Status.COMPLETED:
            raise StatusTransitionError("The assessment is completed; it cannot be reopened.")
        candidate_assessment.expires_at = expires_at
        if resend_invitation:
            candidate_assessment.invitation_sent_at = None
        if previous not in TERMINAL_STATUSES:
            candidate_assessment.save()
            return None
        candidate_assessment.status = Status.PENDING
        candidate_assessment.reopen_count += 1
        candidate_assessment.started_at = None
        candidate_assessment.terms_accepted_at = None
        candidate_assessment.save()
        now = timezone.now()
        CandidateAssessmentEvent.objects.create(
            candidate_assessment=candidate_assessment,
            status=Status.PENDING,
            source=source,
            occurred_at=now,
        )
        change = StatusChange(
            candidate_assessment=candidate_assessment,
            previous=previous,
            current=Status.PENDING,
            source=source,
            context={"reopened": True},
        )
        _notify(change)
    return change


def _locked(
    candidate_assessment_ids: Collection[int], outcome: BatchOutcome
) -> list[CandidateAssessment]:
    """The rows, locked in one statement (in id order, so two bulk actions never deadlock), in
    the caller's order (the order one by one would take); the ones gone meanwhile are refused."""
    rows = {
        row.pk: row
        for row in CandidateAssessment.objects.select_for_update()
        .select_related("assessment", "account")
        .filter(pk__in=candidate_assessment_ids)
        .order_by("pk")
    }
    for missing in set(candidate_assessment_ids) - rows.keys():
        outcome.refused[missing] = "The assessment no longer exists."
    return [rows[pk] for pk in candidate_assessment_ids if pk in rows]


def _vetted(proposed: list[StatusChange], outcome: BatchOutcome) -> list[StatusChange]:
    """The proposed changes no batch listener refuses; the refused ones go to `outcome`."""
    for listener in _batch_listeners:
        refused = listener.refusals(proposed)
        outcome.refused.update(refused)
        proposed = [change for change in proposed if change.candidate_assessment.pk not in refused]
    return proposed


def _apply(
    changed: Sequence[CandidateAssessment],
    fields: list[str],
    changes: list[StatusChange],
    at: datetime.datetime,
) -> None:
    """Write the rows' new values, one event per status change, and tell the batch listeners."""
    now = timezone.now()
    for candidate_assessment in changed:
        candidate_assessment.updated_at = now
    CandidateAssessment.objects.bulk_update(changed, [*fields, "updated_at"])
    CandidateAssessmentEvent.objects.bulk_create(
        CandidateAssessmentEvent(
            candidate_assessment=change.candidate_assessment,
            status=change.current,
            source=change.source,
            occurred_at=at,
        )
        for change in changes
    )
    for listener in _batch_listeners:
        listener.record(changes)


def record_statuses(
    candidate_assessment_ids: Collection[int],
    status: str,
    *,
    source: str,
    at: datetime.datetime | None = None,
) -> BatchOutcome:
    """`record_status` for many invitations at once; one already in `status` is left as it is.

    A move backwards or out of a final status is refused, not raised. `completed` is not
    offered: each completion comes with its own result.
    """
    status = Status(status)
    if status == Status.COMPLETED:
        raise ValueError("A completed assessment needs its result: record each one by itself.")
    at = at or timezone.now()
    outcome = BatchOutcome()
    with transaction.atomic():
        proposed = []
        for candidate_assessment in _locked(candidate_assessment_ids, outcome):
            previous = Status(candidate_assessment.status)
            if previous == status:
                continue
            if previous in TERMINAL_STATUSES or STATUS_RANK[status] < STATUS_RANK[previous]:
                outcome.refused[candidate_assessment.pk] = (
                    f"The assessment is {previous.label.lower()}; it cannot become "
                    f"{status.label.lower()}."
                )
                continue
            proposed.append(
                StatusChange(
                    candidate_assessment=candidate_assessment,
                    previous=previous,
                    current=status,
                    source=source,
                )
            )
        outcome.changes = _vetted(proposed, outcome)
        for change in outcome.changes:
            change.candidate_assessment.status = status
            if status == Status.STARTED:
                change.candidate_assessment.started_at = at
        _apply(
            [change.candidate_assessment for change in outcome.changes],
            ["status", "started_at"],
            outcome.changes,
            at,
        )
    return outcome


def reopen_many(
    deadline_of: Mapping[int, datetime.datetime],
    *,
    source: str,
    resend_invitation: bool,
    reopenable: Collection[str] = (Status.EXPIRED, Status.REJECTED),
) -> BatchOutcome:
    """`reopen` for many invitations at once: {candidate assessment id: its new deadline}.

    Live ones only get their deadline; closed ones in a `reopenable` status go back to
    `pending` (the others, and completed ones, are refused). The rows are changed in one update
    whichever they are.
    """
    outcome = BatchOutcome()
    with transaction.atomic():
        live: list[CandidateAssessment] = []
        proposed: list[StatusChange] = []
        for candidate_assessment in _locked(deadline_of.keys(), outcome):
            previous = Status(candidate_assessment.status)
            if previous == Status.COMPLETED:
                outcome.refused[candidate_assessment.pk] = (
                    "The assessment is completed; it cannot be reopened."
                )
            elif previous not in TERMINAL_STATUSES:
                live.append(candidate_assessment)
            elif previous not in reopenable:
                outcome.refused[candidate_assessment.pk] = (
                    f"The assessment is {previous.label.lower()}; it cannot be reopened."
                )
            else:
                proposed.append(
                    StatusChange(
                        candidate_assessment=candidate_assessment,
                        previous=previous,
                        current=Status.PENDING,
                        source=source,
                        context={"reopened": True},
                    )
                )
        outcome.changes = _vetted(proposed, outcome)
        reopened = [change.candidate_assessment for change in outcome.changes]
        for candidate_assessment in reopened:
            candidate_assessment.status = Status.PENDING
            candidate_assessment.reopen_count += 1
            candidate_assessment.started_at = None
            candidate_assessment.terms_accepted_at = None
        for candidate_assessment in live + reopened:
            candidate_assessment.expires_at = deadline_of[candidate_assessment.pk]
            if resend_invitation:
                candidate_assessment.invitation_sent_at = None
        _apply(
            live + reopened,
            [
                "expires_at",
                "invitation_sent_at",
                "status",
                "reopen_count",
                "started_at",
                "terms_accepted_at",
            ],
            outcome.changes,
            timezone.now(),
        )
    return outcome
