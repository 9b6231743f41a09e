"""The status seam: changes only move forward, and listeners run inside the change's transaction."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from assessments import lifecycle
from assessments.models import CandidateAssessment, CandidateAssessmentEvent
from tests.factories import CandidateAssessmentFactory

RESULT = lifecycle.Result(
    score=82,
    recommendation="great_fit",
    competency_scores={"Conscientiousness": 88},
    summary="Great fit. Strongest: Conscientiousness (88).",
    duration=datetime.timedelta(minutes=41, seconds=17),
)


@pytest.fixture
def recorded(monkeypatch):
    """Replace the registered listeners with one that records what it sees."""
    changes: list[lifecycle.StatusChange] = []
    monkeypatch.setattr(lifecycle, "_listeners", [changes.append])
    return changes


def test_it_moves_forward_and_keeps_the_history(db, recorded):
    candidate_assessment = CandidateAssessmentFactory.create()

    lifecycle.record_status(candidate_assessment.pk, "started", source="candidate")
    lifecycle.record_status(candidate_assessment.pk, "completed", source="candidate", result=RESULT)

    candidate_assessment.refresh_from_db()
    assert candidate_assessment.status == "completed"
    assert candidate_assessment.score == 82
    assert candidate_assessment.duration == datetime.timedelta(minutes=41, seconds=17)
    assert [(change.previous, change.current) for change in recorded] == [
        ("pending", "started"),
        ("started", "completed"),
    ]
    assert list(CandidateAssessmentEvent.objects.values_list("status", "source")) == [
        ("started", "candidate"),
        ("completed", "candidate"),
    ]


def test_it_ignores_a_repeat_of_the_same_status(db, recorded):
    candidate_assessment = CandidateAssessmentFactory.create()
    lifecycle.record_status(candidate_assessment.pk, "started", source="candidate")

    assert lifecycle.record_status(candidate_assessment.pk, "started", source="engine") is None
    assert len(recorded) == 1


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        ("started", "pending", "The assessment is started; it cannot become pending."),
        ("expired", "started", "The assessment is expired; it cannot become started."),
        ("rejected", "expired", "The assessment is rejected; it cannot become expired."),
    ],
)
def test_it_refuses_to_move_backwards_or_out_of_a_final_status(db, recorded, first, then, message):
    candidate_assessment = CandidateAssessmentFactory.create()
    lifecycle.record_status(candidate_assessment.pk, first, source="engine")

    with pytest.raises(lifecycle.StatusTransitionError, match=message):
        lifecycle.record_status(candidate_assessment.pk, then, source="engine")
    assert CandidateAssessment.objects.get().status == first


def test_it_needs_a_result_to_complete(db, recorded):
    candidate_assessment = CandidateAssessmentFactory.create()

    with pytest.raises(ValueError, match="needs its result"):
        lifecycle.record_status(candidate_assessment.pk, "completed", source="engine")


def test_it_rolls_the_change_back_when_a_listener_fails(db, monkeypatch):
    candidate_assessment = CandidateAssessmentFactory.create()

    def failing_listener(change):
        raise RuntimeError("the provider could not record its deliveries")

    monkeypatch.setattr(lifecycle, "_listeners", [failing_listener])

    with pytest.raises(RuntimeError), transaction.atomic():
        lifecycle.record_status(candidate_assessment.pk, "started", source="candidate")

    assert CandidateAssessment.objects.get().status == "pending"
    assert not CandidateAssessmentEvent.objects.exists()


def test_it_registers_the_integrations_listener_once():
    from integrations.dispatch import on_candidate_status_change

    lifecycle.register_status_listener(on_candidate_status_change)

    assert lifecycle._listeners.count(on_candidate_status_change) == 1


# --- Many at once ---------------------------------------------------------------------------


@pytest.fixture
def batches(monkeypatch):
    """Replace the batch listeners with one that records each batch and refuses `refuse`."""
    seen: list[list[lifecycle.StatusChange]] = []
    refuse: dict[int, str] = {}

    def refusals(changes):
        return {
            change.candidate_assessment.pk: refuse[change.candidate_assessment.pk]
            for change in changes
            if change.candidate_assessment.pk in refuse
        }

    listener = lifecycle.BatchStatusListener(
        refusals=refusals, record=lambda changes: seen.append(list(changes))
    )
    monkeypatch.setattr(lifecycle, "_batch_listeners", [listener])
    return seen, refuse


def test_many_move_forward_at_once_and_the_rest_are_refused_naming_why(db, batches):
    seen, _ = batches
    pending, started, completed = CandidateAssessmentFactory.create_batch(3)
    lifecycle.record_status(started.pk, "started", source="candidate")
    CandidateAssessment.objects.filter(pk=completed.pk).update(status="completed")
    already = CandidateAssessmentFactory.create(status="rejected")

    outcome = lifecycle.record_statuses(
        [pending.pk, started.pk, completed.pk, already.pk, 999_999], "rejected", source="admin"
    )

    assert [(c.candidate_assessment.pk, c.previous) for c in outcome.changes] == [
        (pending.pk, "pending"),
        (started.pk, "started"),
    ]
    assert outcome.refused == {
        completed.pk: "The assessment is completed; it cannot become rejected.",
        999_999: "The assessment no longer exists.",
    }
    assert seen == [outcome.changes]
    assert dict(CandidateAssessment.objects.values_list("pk", "status")) == {
        pending.pk: "rejected",
        started.pk: "rejected",
        completed.pk: "completed",
        already.pk: "rejected",
    }
    assert list(
        CandidateAssessmentEvent.objects.filter(source="admin")
        .order_by("pk")
        .values_list("candidate_assessment_id", "status")
    ) == [(pending.pk, "rejected"), (started.pk, "rejected")]


def test_completions_are_not_recorded_in_bulk(db, batches):
    with pytest.raises(ValueError, match="record each one by itself"):
        lifecycle.record_statuses([1], "completed", source="engine")


def test_reopening_many_changes_only_what_may_be_and_a_listener_may_refuse(db, batches):
    seen, refuse = batches
    deadline = timezone.now() + datetime.timedelta(days=3)
    live = CandidateAssessmentFactory.create(invitation_sent_at=timezone.now())
    expired, refused, withdrawn, completed = (
        CandidateAssessmentFactory.create(status=status)
        for status in ("expired", "expired", "rejected", "completed")
    )
    refuse[refused.pk] = "The ATS has a newer one."

    outcome = lifecycle.reopen_many(
        {row.pk: deadline for row in (live, expired, refused, withdrawn, completed)},
        source="admin",
        resend_invitation=True,
        reopenable=("expired",),
    )

    # the live one keeps its status, the expired one is pending in a new round; both get the
    # deadline and their invitation email again
    assert [change.candidate_assessment.pk for change in outcome.changes] == [expired.pk]
    assert seen == [outcome.changes]
    assert outcome.refused == {
        refused.pk: "The ATS has a newer one.",
        withdrawn.pk: "The assessment is rejected; it cannot be reopened.",
        completed.pk: "The assessment is completed; it cannot be reopened.",
    }
    rows = {row.pk: row for row in CandidateAssessment.objects.all()}
    assert (rows[live.pk].status, rows[live.pk].reopen_count) == ("pending", 0)
    assert (rows[expired.pk].status, rows[expired.pk].reopen_count) == ("pending", 1)
    for pk in (live.pk, expired.pk):
        assert (rows[pk].expires_at, rows[pk].invitation_sent_at) == (deadline, None)
    for row in (refused, withdrawn, completed):
        assert rows[row.pk].status == row.status
        assert rows[row.pk].expires_at == row.expires_at
