"""The built-in questionnaire's scoring rules, against results worked out by hand."""

from __future__ import annotations

import datetime
from fractions import Fraction

import pytest

from assessments.scoring import (
    CompetencyWeight,
    CutOffs,
    ScoredAnswer,
    ScoringError,
    competency_score,
    item_score,
    overall_score,
    recommendation_for,
    round_half_up,
    score_answers,
    summary_for,
)

CUT_OFFS = CutOffs(great_fit_min=70, good_fit_min=50)
STORE_ASSOCIATE = [
    CompetencyWeight("Conscientiousness", 3),
    CompetencyWeight("Agreeableness", 2),
    CompetencyWeight("Customer focus", 3),
]


def answers(competency: str, *values: int | tuple[int, str]) -> list[ScoredAnswer]:
    """`(2, "reversed")` is a reversed item answered 2."""
    return [
        ScoredAnswer(competency, value[0], is_reversed=True)
        if isinstance(value, tuple)
        else ScoredAnswer(competency, value)
        for value in values
    ]


@pytest.mark.parametrize(
    ("value", "is_reversed", "expected"),
    [
        pytest.param(4, False, 4, id="plain"),
        pytest.param(4, True, 2, id="reversed-agree"),
        pytest.param(1, True, 5, id="reversed-strongly-disagree"),
        pytest.param(3, True, 3, id="reversed-neutral"),
    ],
)
def test_it_scores_an_item_reversed_or_not(value: int, is_reversed: bool, expected: int) -> None:
    assert item_score(value, is_reversed=is_reversed) == expected


@pytest.mark.parametrize("value", [0, 6, -1])
def test_it_refuses_an_answer_off_the_scale(value: int) -> None:
    with pytest.raises(ScoringError, match="1-5"):
        item_score(value, is_reversed=False)


@pytest.mark.parametrize(
    ("item_scores", "expected"),
    [
        pytest.param([5, 5, 5], 100, id="all-top"),
        pytest.param([1, 1], 0, id="all-bottom"),
        pytest.param([3], 50, id="middle"),
        pytest.param([4, 5, 3], 75, id="mean-4"),
        # mean 13/3: (13/3 - 1) / 4 * 100 = 83.33…
        pytest.param([4, 4, 5], 83, id="thirds-round-down"),
        # mean 3.5: 62.5 rounds half up to 63 (Python's round() would say 62)
        pytest.param([3, 4], 63, id="half-rounds-up"),
    ],
)
def test_it_scores_a_competency_from_0_to_100(item_scores: list[int], expected: int) -> None:
    assert competency_score(item_scores) == expected


def test_it_rounds_halves_up() -> None:
    assert [round_half_up(Fraction(n, 2)) for n in (1, 3, 5, 125)] == [1, 2, 3, 63]


def test_it_weights_the_overall_score() -> None:
    # (80 * 3 + 50 * 1) / 4 = 72.5 → 73; unweighted it would be 65
    assert overall_score({"A": 80, "B": 50}, {"A": 3, "B": 1}) == 73
    assert overall_score({"A": 80, "B": 50}, {"A": 1, "B": 1}) == 65


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        pytest.param(100, "great_fit", id="top"),
        pytest.param(70, "great_fit", id="at-great-cut-off"),
        pytest.param(69, "good_fit", id="just-below-great"),
        pytest.param(50, "good_fit", id="at-good-cut-off"),
        pytest.param(49, "poor_fit", id="just-below-good"),
        pytest.param(0, "poor_fit", id="bottom"),
    ],
)
def test_it_recommends_by_the_assessments_cut_offs(score: int, expected: str) -> None:
    assert recommendation_for(score, CUT_OFFS) == expected


def test_it_names_the_strongest_competency_first_listed_on_a_tie() -> None:
    scores = {"Conscientiousness": 88, "Agreeableness": 88, "Resilience": 40}
    assert (
        summary_for(recommendation_for(88, CUT_OFFS), scores)
        == "Great fit. Strongest: Conscientiousness (88)."
    )


def test_it_scores_a_whole_questionnaire_with_reversed_items_and_weights() -> None:
    # given the demo Store Associate questionnaire, answered as worked out in
    # docs/candidate-experience.md:
    #   Conscientiousness (weight 3): 5, 4, reversed 2 → 4, 4      mean 4.25 → 81.25 → 81
    #   Agreeableness     (weight 2): 3, reversed 4 → 2, 4          mean 3    → 50
    #   Customer focus    (weight 3): 5, 4, reversed 1 → 5, 5       mean 4.75 → 93.75 → 94
    #   overall: (81 * 3 + 50 * 2 + 94 * 3) / 8 = 625 / 8 = 78.125 → 78, great fit (≥ 70)
    given = [
        *answers("Conscientiousness", 5, 4, (2, "reversed"), 4),
        *answers("Agreeableness", 3, (4, "reversed"), 4),
        *answers("Customer focus", 5, 4, (1, "reversed"), 5),
    ]

    result = score_answers(
        given, STORE_ASSOCIATE, CUT_OFFS, duration=datetime.timedelta(minutes=12, seconds=5)
    )

    assert result.competency_scores == {
        "Conscientiousness": 81,
        "Agreeableness": 50,
        "Customer focus": 94,
    }
    assert list(result.competency_scores) == [
        "Conscientiousness",
        "Agreeableness",
        "Customer focus",
    ]
    assert result.score == 78
    assert result.recommendation == "great_fit"
    assert result.summary == "Great fit. Strongest: Customer focus (94)."
    assert result.duration == datetime.timedelta(minutes=12, seconds=5)


def test_a_heavier_weak_competency_pulls_the_recommendation_down() -> None:
    # the same answers with Agreeableness weighing 10:
    #   (81 * 3 + 50 * 10 + 94 * 3) / 16 = 1025 / 16 = 64.06 → 64, a good fit (50 ≤ 64 < 70)
    given = [
        *answers("Conscientiousness", 5, 4, (2, "reversed"), 4),
        *answers("Agreeableness", 3, (4, "reversed"), 4),
        *answers("Customer focus", 5, 4, (1, "reversed"), 5),
    ]
    competencies = [
        CompetencyWeight("Conscientiousness", 3),
        CompetencyWeight("Agreeableness", 10),
        CompetencyWeight("Customer focus", 3),
    ]

    result = score_answers(given, competencies, CUT_OFFS, duration=datetime.timedelta(0))

    assert result.score == 64
    assert result.recommendation == "good_fit"
    assert result.summary == "Good fit. Strongest: Customer focus (94)."


def test_a_competency_without_items_is_left_out_of_the_overall() -> None:
    # Leadership (weight 5) has no statements: the overall is Conscientiousness's 25 alone
    competencies = [CompetencyWeight("Conscientiousness", 1), CompetencyWeight("Leadership", 5)]

    result = score_answers(
        answers("Conscientiousness", 2, 2), competencies, CUT_OFFS, datetime.timedelta(0)
    )

    assert result.competency_scores == {"Conscientiousness": 25}
    assert result.score == 25
    assert result.recommendation == "poor_fit"
    assert result.summary == "Poor fit. Strongest: Conscientiousness (25)."


def test_it_refuses_answers_for_a_competency_the_assessment_does_not_have() -> None:
    with pytest.raises(ScoringError, match="Leadership"):
        score_answers(answers("Leadership", 3), STORE_ASSOCIATE, CUT_OFFS, datetime.timedelta(0))


def test_it_refuses_to_score_nothing() -> None:
    with pytest.raises(ScoringError):
        score_answers([], STORE_ASSOCIATE, CUT_OFFS, datetime.timedelta(0))
