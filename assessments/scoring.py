"""How the built-in questionnaire's answers become a result: pure functions, no database.

Kept apart from the views and the models so the rules can be read (and tested) in one place,
with exact arithmetic: fractions throughout, one rounding (half up) at each reported number.

- item score: the answer (1-5), or 6 - answer for a reversed item;
- competency score: round((mean item score - 1) / 4 * 100), so 0-100;
- matching score: the mean of the competency scores weighted by each competency's weight;
- recommendation: great fit from the assessment's great-fit cut-off, good fit from its good-fit
  cut-off, poor fit below;
- summary: the recommendation and the strongest competency, e.g.
  "Great fit. Strongest: Conscientiousness (88).".

A competency without items is not scored and does not count towards the matching score.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from assessments.lifecycle import Result
from assessments.models import LIKERT_MAX, LIKERT_MIN, CandidateAssessment

Recommendation = CandidateAssessment.Recommendation


class ScoringError(ValueError):
    """The answers cannot be scored: an answer off the scale, or nothing to score."""


@dataclass(frozen=True)
class ScoredAnswer:
    """One answered item, as scoring needs it."""

    competency: str
    value: int
    is_reversed: bool = False


@dataclass(frozen=True)
class CompetencyWeight:
    """A competency of the assessment, in display order, with its weight in the overall."""

    name: str
    weight: int


@dataclass(frozen=True)
class CutOffs:
    great_fit_min: int
    good_fit_min: int


def round_half_up(value: Fraction) -> int:
    """62.5 → 63 (Python's round() would give 62: banker's rounding surprises readers)."""
    return math.floor(value + Fraction(1, 2))


def item_score(value: int, *, is_reversed: bool) -> int:
    if not LIKERT_MIN <= value <= LIKERT_MAX:
        raise ScoringError(f"An answer must be {LIKERT_MIN}-{LIKERT_MAX}, not {value}.")
    return LIKERT_MIN + LIKERT_MAX - value if is_reversed else value


def competency_score(item_scores: Sequence[int]) -> int:
    if not item_scores:
        raise ScoringError("A competency needs at least one answered item to be scored.")
    mean = Fraction(sum(item_scores), len(item_scores))
    return round_half_up((mean - LIKERT_MIN) / (LIKERT_MAX - LIKERT_MIN) * 100)


def overall_score(scores: Mapping[str, int], weights: Mapping[str, int]) -> int:
    """The weighted mean of the competency scores (each already rounded, as the ATS shows them)."""
    total_weight = sum(weights[name] for name in scores)
    if not scores or total_weight <= 0:
        raise ScoringError("There is no weighted competency score to combine.")
    weighted = sum(score * weights[name] for name, score in scores.items())
    return round_half_up(Fraction(weighted, total_weight))


def recommendation_for(score: int, cut_offs: CutOffs) -> Recommendation:
    if score >= cut_offs.great_fit_min:
        return Recommendation.GREAT_FIT
    if score >= cut_offs.good_fit_min:
        return Recommendation.GOOD_FIT
    return Recommendation.POOR_FIT


def summary_for(recommendation: Recommendation, scores: Mapping[str, int]) -> str:
    """The recommendation and the strongest competency; the first listed wins a tie."""
    if not scores:
        return f"{recommendation.label}."
    strongest = max(scores, key=lambda name: scores[name])
    return f"{recommendation.label}. Strongest: {strongest} ({scores[strongest]})."


def score_answers(
    answers: Iterable[ScoredAnswer],
    competencies: Sequence[CompetencyWeight],
    cut_offs: CutOffs,
    duration: datetime.timedelta,
) -> Result:
    """The full result of a questionnaire; competency scores keep the competencies' order."""
    by_competency: dict[str, list[int]] = {competency.name: [] for competency in competencies}
    for answer in answers:
        if answer.competency not in by_competency:
            raise ScoringError(f"'{answer.competency}' is not a competency of this assessment.")
        by_competency[answer.competency].append(
            item_score(answer.value, is_reversed=answer.is_reversed)
        )
    scores = {name: competency_score(items) for name, items in by_competency.items() if items}
    weights = {competency.name: competency.weight for competency in competencies}
    score = overall_score(scores, weights)
    recommendation = recommendation_for(score, cut_offs)
    return Result(
        score=score,
        recommendation=recommendation.value,
        competency_scores=scores,
        summary=summary_for(recommendation, scores),
        duration=max(duration, datetime.timedelta(0)),
    )
