"""An admin's actions on invitations: extend the deadline, re-invite, withdraw; each in the
history, each reaching the ATS as its contract has it. Many at once, through both ATSs:
`test_candidate_actions_in_bulk`."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from django.utils import timezone

from assessments import candidate_actions, invitations, lifecycle
from assessments.models import CandidateAssessment
from integrations.models import AtsInvitation, Delivery
from tests import factories
from tests.workable.delivery_support import (  # noqa: F401 (fixture)
    Setup,
    invite,
    invited_fixture,
)

Status = CandidateAssessment.Status
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
IN_A_MONTH = timezone.localdate() + datetime.timedelta(days=30)


def emailed_link() -> str:
    (link,) = re.findall(r"https://\S+(/assessment/\S+/)", str(mail.outbox[-1].body))
    return link


def history_of(candidate_assessment: CandidateAssessment) -> list[dict[str, Any]]:
    return [
        entry.changes_dict
        for entry in LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(CandidateAssessment),
            object_pk=str(candidate_assessment.pk),
        ).order_by("pk")
    ]


# --- Extending ------------------------------------------------------------------------------


def test_extending_a_live_invitation_moves_its_deadline_to_the_end_of_that_day(db: None) -> None:
    candidate_assessment = factories.CandidateAssessmentFactory.create(
        expires_at=timezone.now() + datetime.timedelta(hours=2)
    )
    until = timezone.localdate() + datetime.timedelta(days=10)

    outcome = candidate_actions.extend([candidate_assessment], until)

    assert outcome.done == [candidate_assessment]
    candidate_assessment.refresh_from_db()
    assert timezone.localtime(candidate_assessment.expires_at).date() == until
    assert timezone.localtime(candidate_assessment.expires_at).time() == datetime.time.max
    assert candidate_assessment.status == Status.PENDING
    (entry,) = history_of(candidate_assessment)
    assert entry["deadline"][1] == f"{until.isoformat()} 23:59"


def test_extending_an_expired_workable_invitation_tells_workable_pending_again(
    invited: Setup,
) -> None:
    # given an invitation that expired, its `expired` owed to Workable
    candidate_assessment = invited.candidate_assessment
    lifecycle.record_status(candidate_assessment.pk, Status.EXPIRED, source="expiry")
    candidate_assessment.refresh_from_db()

    # when an admin extends it
    outcome = candidate_actions.extend([candidate_assessment], IN_A_MONTH)

    # then it is pending again, live for repeats, and Workable gets `pending` after `expired`
    assert outcome.done == [candidate_assessment]
    candidate_assessment.refresh_from_db()
    assert (candidate_assessment.status, candidate_assessment.reopen_count) == (Status.PENDING, 1)
    assert AtsInvitation.objects.get(candidate_assessment=candidate_assessment).is_live
    statuses = [
        (delivery.payload, delivery.rank, delivery.state)
        for delivery in invited.deliveries(kind=Delivery.Kind.STATUS)
    ]
    assert statuses[-1] == ({"status": "pending"}, 3, Delivery.State.PENDING)
    assert ({"status": "expired"}, 2) in [(payload, rank) for payload, rank, _ in statuses]
    assert candidate_assessment.events.last().source == "admin"  # type: ignore[union-attr]


def test_extending_refuses_completed_withdrawn_and_later_deadlines_naming_each(db: None) -> None:
    completed = factories.CandidateAssessmentFactory.create(status=Status.COMPLETED)
    withdrawn = factories.CandidateAssessmentFactory.create(status=Status.REJECTED)
    later = factories.CandidateAssessmentFactory.create(
        expires_at=timezone.now() + datetime.timedelta(days=30)
    )

    outcome = candidate_actions.extend([completed, withdrawn, later], TOMORROW)

    assert outcome.done == []
    reasons = dict(outcome.refused)
    assert reasons[completed] == "it is completed."
    assert reasons[withdrawn] == "it was withdrawn; re-invite the candidate to reopen it."
    assert reasons[later].startswith("its deadline is already ")
    later.refresh_from_db()
    assert later.expires_at > timezone.now() + datetime.timedelta(days=29)


@pytest.mark.parametrize(
    ("days", "problem"),
    [(-1, "has passed: give a date from today on."), (400, "is more than 365 days away.")],
)
def test_extending_refuses_a_date_in_the_past_or_too_far(db: None, days: int, problem: str) -> None:
    candidate_assessment = factories.CandidateAssessmentFactory.create()

    with pytest.raises(candidate_actions.ActionError, match=problem):
        candidate_actions.extend(
            [candidate_assessment], timezone.localdate() + datetime.timedelta(days=days)
        )


# --- Re-inviting ----------------------------------------------------------------------------


def test_reinviting_emails_a_fresh_link_and_the_old_one_says_it_was_replaced(
    db: None, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # given a candidate who got their invitation email and started
    candidate_assessment = factories.CandidateAssessmentFactory.create(
        expires_at=timezone.now() + datetime.timedelta(hours=3)
    )
    invitations.send_invitation(candidate_assessment.pk)
    old_link = emailed_link()

    # when an admin re-invites them
    with django_capture_on_commit_callbacks(execute=True):
        outcome = candidate_actions.reinvite([candidate_assessment])

    # then a second email carries a new link that opens the assessment, with a new deadline
    assert outcome.done == [candidate_assessment]
    assert len(mail.outbox) == 2
    new_link = emailed_link()
    assert new_link != old_link
    assert client.get(new_link).status_code == 200
    candidate_assessment.refresh_from_db()
    window = datetime.timedelta(days=candidate_assessment.assessment.completion_days)
    assert abs(candidate_assessment.expires_at - (timezone.now() + window)) < (
        datetime.timedelta(minutes=1)
    )
    # and the old link answers a clear 410
    replaced = client.get(old_link)
    assert replaced.status_code == 410
    assert "This link has been replaced" in replaced.content.decode()
    assert "re-invited" in history_of(candidate_assessment)[0]


def test_reinviting_an_expired_workable_invitation_reopens_it(
    invited: Setup, django_capture_on_commit_callbacks: Any
) -> None:
    candidate_assessment = invited.candidate_assessment
    lifecycle.record_status(candidate_assessment.pk, Status.EXPIRED, source="expiry")
    candidate_assessment.refresh_from_db()
    sent_before = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = candidate_actions.reinvite([candidate_assessment])

    assert outcome.done == [candidate_assessment]
    candidate_assessment.refresh_from_db()
    assert candidate_assessment.status == Status.PENDING
    assert len(mail.outbox) == sent_before + 1
    last = invited.deliveries(kind=Delivery.Kind.STATUS)[-1]
    assert (last.payload, last.rank) == ({"status": "pending"}, 3)


def test_reinviting_refuses_when_the_ats_invited_the_candidate_again_since(
    invited: Setup,
) -> None:
    # given an expired invitation, and a newer live one Workable asked for since
    old = invited.candidate_assessment
    lifecycle.record_status(old.pk, Status.EXPIRED, source="expiry")
    old.refresh_from_db()
    newer = invite(invited.integration, invited.assessment, "jane.doe@example.com")
    assert newer.pk != old.pk

    outcome = candidate_actions.reinvite([old])

    assert outcome.done == []
    ((refused, problem),) = outcome.refused
    assert refused == old
    assert "re-invite or extend that newer invitation instead" in problem
    old.refresh_from_db()
    assert old.status == Status.EXPIRED


def test_reinviting_refuses_a_completed_assessment(db: None) -> None:
    completed = factories.CandidateAssessmentFactory.create(status=Status.COMPLETED)

    outcome = candidate_actions.reinvite([completed])

    assert outcome.refused == [(completed, "it is completed.")]


# --- Withdrawing ----------------------------------------------------------------------------


def test_withdrawing_voids_the_link_and_tells_workable_rejected(
    invited: Setup, client: Client
) -> None:
    candidate_assessment = invited.candidate_assessment
    invitations.send_invitation(candidate_assessment.pk)
    link = emailed_link()

    outcome = candidate_actions.withdraw([candidate_assessment])

    assert outcome.done == [candidate_assessment]
    candidate_assessment.refresh_from_db()
    assert candidate_assessment.status == Status.REJECTED
    page = client.get(link)
    assert page.status_code == 410
    assert "This invitation has been withdrawn" in page.content.decode()
    last = invited.deliveries(kind=Delivery.Kind.STATUS)[-1]
    assert last.payload == {"status": "rejected"}
    assert history_of(candidate_assessment)[-1]["status"] == ["pending", "rejected"]


def test_withdrawing_refuses_a_closed_invitation(db: None) -> None:
    expired = factories.CandidateAssessmentFactory.create(status=Status.EXPIRED)

    outcome = candidate_actions.withdraw([expired])

    assert outcome.refused == [(expired, "it is already expired.")]
