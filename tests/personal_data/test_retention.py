"""The retention job: candidates' personal data anonymised the account's period after the
assessment ended, scores and statistics kept, what it did recorded."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import lifecycle
from assessments.models import Answer, CandidateAssessment, PersonalDataRecord
from assessments.personal_data import retention
from assessments.tasks import anonymise_expired_candidate_data
from integrations.models import AtsInvitation, Delivery, DeliveryAttempt, InboundEvent
from tests.db_scan import tables_containing
from tests.personal_data.support import BARTHOLOMEW, ZEPHYRINE, known_candidate

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def later(days: float) -> datetime.datetime:
    return timezone.now() + days * DAY


def test_nothing_is_anonymised_a_day_before_the_period_ends_and_everything_a_day_after(settings):
    settings.CANDIDATE_DATA_RETENTION_DAYS = 30
    known = known_candidate(ZEPHYRINE)
    pk = known.candidate_assessment.pk

    with time_machine.travel(later(29), tick=False):
        assert anonymise_expired_candidate_data() == 0
    assert CandidateAssessment.objects.get(pk=pk).email == ZEPHYRINE.email

    with time_machine.travel(later(31), tick=False):
        assert anonymise_expired_candidate_data() == 1

    kept = CandidateAssessment.objects.get(pk=pk)
    assert (kept.email, kept.first_name, kept.last_name, kept.phone, kept.resume_url) == (("",) * 5)
    assert kept.summary == ""
    # the result and the statistics stay
    assert (kept.score, kept.recommendation, kept.competency_scores) == (
        74,
        "good_fit",
        {"Conscientiousness": 80},
    )
    assert kept.duration == datetime.timedelta(minutes=12)
    assert kept.status == "completed"
    assert kept.erased_at is None
    assert Answer.objects.filter(candidate_assessment_id=pk).count() == 11
    assert kept.public_id == known.candidate_assessment.public_id
    # and the rows about them lose their bodies and references
    assert not Delivery.objects.filter(candidate_assessment_id=pk).exclude(payload={}).exists()
    assert (
        not DeliveryAttempt.objects.filter(delivery__candidate_assessment_id=pk)
        .exclude(response_excerpt="")
        .exists()
    )
    assert AtsInvitation.objects.get(candidate_assessment_id=pk).refs == {}
    # the unlinked ATS call is older than the period too
    assert set(InboundEvent.objects.values_list("body", flat=True)) == {""}
    record = PersonalDataRecord.objects.get()
    assert (record.action, record.actor, record.candidate_assessment_ids) == (
        "retention",
        "scheduler",
        [pk],
    )
    assert record.counts["candidate assessments anonymised"] == 1
    assert record.counts["deliveries cancelled before sending"] >= 1


@pytest.mark.postgres
def test_after_the_period_no_table_holds_the_candidates_details():
    known = known_candidate(ZEPHYRINE)
    known.invite(BARTHOLOMEW)  # still live: kept

    with time_machine.travel(later(181), tick=False):
        assert retention.anonymise_expired_data() == 1

    for value in ZEPHYRINE.values:
        assert tables_containing(value) == [], value
    assert tables_containing(BARTHOLOMEW.email)


def test_the_period_counts_from_the_end_whatever_the_end_was(settings):
    settings.CANDIDATE_DATA_RETENTION_DAYS = 10
    known = known_candidate(ZEPHYRINE)
    withdrawn = known.invite(BARTHOLOMEW)
    with time_machine.travel(later(5), tick=False):
        lifecycle.record_status(withdrawn.pk, "rejected", source="workable")

    with time_machine.travel(later(12), tick=False):
        assert retention.anonymise_expired_data() == 1  # completed on day 0
    with time_machine.travel(later(14), tick=False):
        assert retention.anonymise_expired_data() == 0  # withdrawn on day 5
    with time_machine.travel(later(16), tick=False):
        assert retention.anonymise_expired_data() == 1
    assert CandidateAssessment.objects.filter(anonymised_at__isnull=True).count() == 0


def test_a_live_invitation_is_never_anonymised():
    known = known_candidate(ZEPHYRINE)
    live = known.invite(BARTHOLOMEW)
    CandidateAssessment.objects.filter(pk=live.pk).update(expires_at=later(10_000))

    with time_machine.travel(later(1_000), tick=False):
        retention.anonymise_expired_data()

    assert CandidateAssessment.objects.get(pk=live.pk).email == BARTHOLOMEW.email


def test_an_account_keeps_data_for_its_own_period(settings):
    settings.CANDIDATE_DATA_RETENTION_DAYS = 180
    known = known_candidate(ZEPHYRINE)
    known.account.candidate_data_retention_days = 14
    known.account.full_clean()
    known.account.save()

    with time_machine.travel(later(15), tick=False):
        assert retention.anonymise_expired_data() == 1


def test_an_accounts_period_must_be_within_the_bounds(settings, account):
    settings.CANDIDATE_DATA_RETENTION_MIN_DAYS = 7
    settings.CANDIDATE_DATA_RETENTION_MAX_DAYS = 400
    for days, accepted in ((6, False), (7, True), (400, True), (401, False)):
        account.candidate_data_retention_days = days
        if accepted:
            account.full_clean()
        else:
            with pytest.raises(ValidationError, match="between 7 and 400 days"):
                account.full_clean()


def test_a_run_anonymises_in_batches_and_records_each(settings, monkeypatch):
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    known = known_candidate(ZEPHYRINE)
    for number in range(4):
        candidate = known.invite(
            type(BARTHOLOMEW)(f"c{number}@example.org", "First", f"Last{number}", "", "")
        )
        lifecycle.record_status(candidate.pk, "rejected", source="workable")

    with time_machine.travel(later(200), tick=False):
        assert retention.anonymise_expired_data() == 5

    records = PersonalDataRecord.objects.order_by("pk")
    assert [len(record.candidate_assessment_ids) for record in records] == [2, 2, 1]
