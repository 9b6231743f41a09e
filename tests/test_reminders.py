"""The scheduler's reminder and deadline rules, in frozen time: each reminder once, at its time;
none after completion, expiry, withdrawal or erasure; none twice when two schedulers run; at the
deadline the invitation expires and `expired` is owed to the ATS."""

from __future__ import annotations

import datetime
import re
import threading
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from assessments import candidate_actions, lifecycle, reminders, tasks
from assessments.deadlines import due_reminders
from assessments.models import Assessment, CandidateAssessment, Reminder
from integrations.models import Delivery
from tests import factories
from tests.workable.delivery_support import Setup, invited_fixture  # noqa: F401 (fixture)

Status = CandidateAssessment.Status
INVITED_AT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
DEADLINE = INVITED_AT + datetime.timedelta(days=7)


def at(moment: datetime.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def hours_before_deadline(hours: float) -> datetime.datetime:
    return DEADLINE - datetime.timedelta(hours=hours)


@pytest.fixture
def assessment(db: None) -> Assessment:
    return factories.AssessmentFactory.create(
        name="Store Associate",
        completion_days=7,
        reminder_hours_before=[48, 24],
        reminder_days_after=2,
    )


@pytest.fixture
def candidate(assessment: Assessment) -> CandidateAssessment:
    with at(INVITED_AT):
        return factories.CandidateAssessmentFactory.create(
            assessment=assessment,
            first_name="Jane",
            invitation_sent_at=INVITED_AT,
            expires_at=DEADLINE,
        )


def sweep_at(moment: datetime.datetime) -> int:
    with at(moment):
        return tasks.send_reminders()


def test_each_reminder_goes_once_at_its_time(candidate: CandidateAssessment) -> None:
    # nothing is due right after the invitation, nor a minute before the first reminder
    assert sweep_at(INVITED_AT + datetime.timedelta(hours=1)) == 0
    assert sweep_at(INVITED_AT + datetime.timedelta(days=2, minutes=-1)) == 0

    # two days after the invitation: the days-after reminder, once
    assert sweep_at(INVITED_AT + datetime.timedelta(days=2)) == 1
    assert sweep_at(INVITED_AT + datetime.timedelta(days=2, hours=1)) == 0

    # 48 h and then 24 h before the deadline: one each, once
    assert sweep_at(hours_before_deadline(48.01)) == 0
    assert sweep_at(hours_before_deadline(48)) == 1
    assert sweep_at(hours_before_deadline(47)) == 0
    assert sweep_at(hours_before_deadline(24)) == 1
    assert sweep_at(hours_before_deadline(1)) == 0

    assert [message.to for message in mail.outbox] == [[candidate.email]] * 3
    assert list(Reminder.objects.values_list("rule", flat=True)) == [
        "2d-after",
        "48h-before",
        "24h-before",
    ]


def test_a_late_scheduler_sends_what_is_still_ahead_of_the_deadline_once(
    candidate: CandidateAssessment,
) -> None:
    # the scheduler was down from the invitation until 12 hours before the deadline
    assert sweep_at(hours_before_deadline(12)) == 3
    assert sweep_at(hours_before_deadline(11)) == 0


def test_the_reminder_email_carries_a_working_link_and_the_deadline(
    candidate: CandidateAssessment, client: Client
) -> None:
    sweep_at(hours_before_deadline(24))

    message = mail.outbox[-1]
    assert message.subject == f"{candidate.account.name}: a reminder about your Store Associate"
    assert "Hello Jane," in message.body
    assert "Please complete it by 9 March 2026, 09:00 UTC." in message.body
    (link,) = re.findall(r"https://\S+(/assessment/\S+/)", str(message.body))
    html, _ = message.alternatives[0]
    assert "Continue the assessment" in str(html)
    with at(hours_before_deadline(23)):
        assert client.get(link).status_code == 200


def test_no_reminder_that_came_due_before_the_invitation_email(assessment: Assessment) -> None:
    # given an invitation emailed 30 hours before its deadline
    with at(hours_before_deadline(30)):
        factories.CandidateAssessmentFactory.create(
            assessment=assessment,
            invitation_sent_at=hours_before_deadline(30),
            expires_at=DEADLINE,
        )

    # then the 48 h reminder never goes, the 24 h one does
    assert sweep_at(hours_before_deadline(29)) == 0
    assert sweep_at(hours_before_deadline(24)) == 1
    assert list(Reminder.objects.values_list("rule", flat=True)) == ["24h-before"]


def test_no_reminder_before_the_invitation_email_went_out(assessment: Assessment) -> None:
    factories.CandidateAssessmentFactory.create(
        assessment=assessment, invitation_sent_at=None, expires_at=DEADLINE
    )

    assert sweep_at(hours_before_deadline(24)) == 0


def test_an_assessment_without_reminders_sends_none(candidate: CandidateAssessment) -> None:
    Assessment.objects.filter(pk=candidate.assessment_id).update(
        reminder_hours_before=[], reminder_days_after=None
    )

    assert sweep_at(hours_before_deadline(1)) == 0


@pytest.mark.parametrize(
    "close",
    [
        lambda pk: lifecycle.record_status(
            pk, Status.COMPLETED, source="engine", result=factories_result()
        ),
        lambda pk: lifecycle.record_status(pk, Status.EXPIRED, source="expiry"),
        lambda pk: lifecycle.record_status(pk, Status.REJECTED, source="admin"),
        lambda pk: CandidateAssessment.objects.filter(pk=pk).update(erased_at=timezone.now()),
    ],
    ids=["completed", "expired", "withdrawn", "erased"],
)
def test_no_reminder_after_the_invitation_closed(
    candidate: CandidateAssessment, close: Any
) -> None:
    with at(INVITED_AT + datetime.timedelta(days=1)):
        close(candidate.pk)

    assert sweep_at(hours_before_deadline(1)) == 0
    assert mail.outbox == []


def factories_result() -> lifecycle.Result:
    return lifecycle.Result(
        score=70,
        recommendation="great_fit",
        competency_scores={"Conscientiousness": 70},
        summary="Great fit.",
        duration=datetime.timedelta(minutes=10),
    )


def test_none_after_the_deadline(candidate: CandidateAssessment) -> None:
    assert sweep_at(DEADLINE) == 0
    assert sweep_at(DEADLINE + datetime.timedelta(days=1)) == 0


def test_an_extended_deadline_gets_its_own_reminders(candidate: CandidateAssessment) -> None:
    # given the 24 h reminder went for the first deadline
    assert sweep_at(hours_before_deadline(24)) == 3
    # when the admin extends the deadline by three days
    new_day = (DEADLINE + datetime.timedelta(days=3)).date()
    with at(hours_before_deadline(20)):
        candidate_actions.extend([candidate], new_day)
    new_deadline = candidate_actions.end_of_day(new_day)

    # then the reminders of the new deadline go at their time, once each
    assert sweep_at(new_deadline - datetime.timedelta(hours=48, minutes=1)) == 0
    assert sweep_at(new_deadline - datetime.timedelta(hours=48)) == 1
    assert sweep_at(new_deadline - datetime.timedelta(hours=24)) == 1
    assert sweep_at(new_deadline - datetime.timedelta(hours=23)) == 0


def test_a_claimed_reminder_is_not_sent_again(candidate: CandidateAssessment) -> None:
    with at(hours_before_deadline(24)):
        (reminder, *_) = [
            due
            for due in due_reminders(
                hours_before=[24],
                days_after=None,
                invitation_sent_at=INVITED_AT,
                deadline=DEADLINE,
                now=timezone.now(),
            )
        ]
        assert reminders.send_reminder(candidate.pk, reminder) is True
        assert reminders.send_reminder(candidate.pk, reminder) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_send_each_reminder_once() -> None:
    # given an invitation with one reminder due, committed for other connections to see
    assessment = factories.AssessmentFactory.create(reminder_hours_before=[24])
    factories.CandidateAssessmentFactory.create(
        assessment=assessment, invitation_sent_at=INVITED_AT, expires_at=DEADLINE
    )
    start = threading.Barrier(2)
    results: list[int] = []

    def scheduler() -> None:
        try:
            start.wait()
            results.append(reminders.send_due_reminders())
        finally:
            connection.close()

    # when two schedulers sweep at the same moment
    with at(hours_before_deadline(24)):
        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # then one sent it, the other found it claimed
    assert sorted(results) == [0, 1]
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_at_the_deadline_the_invitation_expires_and_workable_is_owed_expired(
    invited: Setup,
) -> None:
    candidate_assessment = invited.candidate_assessment
    deadline = candidate_assessment.expires_at

    with at(deadline - datetime.timedelta(seconds=1)):
        assert tasks.expire_invitations() == 0
    with at(deadline):
        assert tasks.expire_invitations() == 1

    candidate_assessment.refresh_from_db()
    assert candidate_assessment.status == Status.EXPIRED
    last = invited.deliveries(kind=Delivery.Kind.STATUS)[-1]
    assert last.payload == {"status": "expired"}


def test_a_sweep_reads_in_constant_queries_however_many_invitations_are_live(
    assessment: Assessment, django_assert_max_num_queries: Any
) -> None:
    # given 100 invitations whose three reminders each went already, 200 per run at most
    for _ in range(100):
        factories.CandidateAssessmentFactory.create(
            assessment=assessment, invitation_sent_at=INVITED_AT, expires_at=DEADLINE
        )
    runs = [sweep_at(hours_before_deadline(12)) for _ in range(3)]
    assert runs == [200, 100, 0]

    # then a sweep with nothing left to send reads, and writes nothing
    with django_assert_max_num_queries(4):
        assert sweep_at(hours_before_deadline(11)) == 0
