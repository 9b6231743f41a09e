"""The status seam: changes only move forward, and listeners run inside the change's transaction."""

import datetime

import pytest
from django.db import transaction

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
