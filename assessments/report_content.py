"""What a report says about a candidate assessment, built once for the pages and the PDF alike.

The four report types show the same facts; only the wrapping (page or PDF) and whether personal
data is shown differ. Building the facts here keeps the pages and the PDF from drifting apart.

The Workable job a candidate applied for is not Harver's to know: `assessments` never imports an
ATS app, so the ATS side registers a `JobSource` once (`register_job_source`, called from
`IntegrationsConfig.ready`) and the report asks it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass

from assessments.models import CandidateAssessment

JobSource = Callable[[CandidateAssessment], str]
_job_sources: list[JobSource] = []

HIDDEN = "Hidden"

# Chart geometry (SVG user units); the pages scale the picture to their width.
CHART_LABEL_WIDTH = 170
CHART_BAR_WIDTH = 300
CHART_VALUE_WIDTH = 40
CHART_ROW_HEIGHT = 34
CHART_BAR_HEIGHT = 18
CHART_TOP = 8
CHART_AXIS_HEIGHT = 22
CHART_TICKS = (0, 25, 50, 75, 100)
SCORE_RING_RADIUS = 52

RECOMMENDATION_TONES = {
    CandidateAssessment.Recommendation.GREAT_FIT: "great",
    CandidateAssessment.Recommendation.GOOD_FIT: "good",
    CandidateAssessment.Recommendation.POOR_FIT: "poor",
}


def register_job_source(source: JobSource) -> None:
    """Ask `source` for the job of every report; registering twice is a no-op."""
    if source not in _job_sources:
        _job_sources.append(source)


def job_of(candidate_assessment: CandidateAssessment) -> str:
    """The first non-empty job description a registered source gives, or ""."""
    for source in _job_sources:
        job = source(candidate_assessment)
        if job:
            return job
    return ""


def format_duration(duration: datetime.timedelta | None) -> str:
    """H:MM:SS, hours unbounded (a paused assessment can run past a day)."""
    if duration is None:
        return ""
    seconds = max(int(duration.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def format_moment(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment.astimezone(datetime.UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


@dataclass(frozen=True)
class CompetencyScore:
    name: str
    score: int


@dataclass(frozen=True)
class ChartBar:
    """One competency as a bar of the chart, in SVG user units."""

    name: str
    score: int
    y: int
    width: int
    text_y: int


@dataclass(frozen=True)
class ChartTick:
    value: int
    x: int


@dataclass(frozen=True)
class Chart:
    bars: list[ChartBar]
    ticks: list[ChartTick]
    width: int
    height: int
    label_width: int
    bar_width: int
    bar_height: int
    axis_y: int
    description: str


@dataclass(frozen=True)
class HistoryEntry:
    status: str
    source: str
    occurred_at: str


@dataclass(frozen=True)
class ReportContent:
    """The facts of one report; personal fields are HIDDEN when the link asks for it."""

    public_id: str
    personal_data_hidden: bool
    candidate_name: str
    email: str
    phone: str
    account: str
    assessment: str
    job_code: str
    job: str
    status: str
    status_label: str
    invited_at: str
    completed_at: str
    has_result: bool
    score: int | None
    recommendation: str
    recommendation_tone: str
    competencies: list[CompetencyScore]
    summary: str
    duration: str
    history: list[HistoryEntry]
    chart: Chart | None

    @property
    def title(self) -> str:
        return f"{self.candidate_name} · {self.assessment}"

    @property
    def score_ring_dash(self) -> str:
        """SVG stroke-dasharray drawing the score as the filled part of a ring."""
        circumference = 2 * math.pi * SCORE_RING_RADIUS
        filled = circumference * (self.score or 0) / 100
        return f"{filled:.1f} {circumference:.1f}"


def _competencies(candidate_assessment: CandidateAssessment) -> list[CompetencyScore]:
    """Scores in the assessment's competency order; names the catalog no longer has go last."""
    scores = candidate_assessment.competency_scores or {}
    order = list(candidate_assessment.assessment.competencies.values_list("name", flat=True))
    names = [name for name in order if name in scores]
    names += sorted(name for name in scores if name not in order)
    result = []
    for name in names:
        try:
            score = round(float(scores[name]))
        except (TypeError, ValueError, OverflowError):
            continue
        result.append(CompetencyScore(name=name, score=min(max(score, 0), 100)))
    return result


def build_chart(competencies: list[CompetencyScore]) -> Chart | None:
    if not competencies:
        return None
    bars = []
    for index, competency in enumerate(competencies):
        y = CHART_TOP + index * CHART_ROW_HEIGHT
        bars.append(
            ChartBar(
                name=competency.name,
                score=competency.score,
                y=y,
                width=round(CHART_BAR_WIDTH * competency.score / 100),
                text_y=y + CHART_BAR_HEIGHT // 2,
            )
        )
    axis_y = CHART_TOP + len(competencies) * CHART_ROW_HEIGHT
    ticks = [
        ChartTick(value=value, x=CHART_LABEL_WIDTH + CHART_BAR_WIDTH * value // 100)
        for value in CHART_TICKS
    ]
    description = "Competency scores out of 100: " + ", ".join(
        f"{competency.name} {competency.score}" for competency in competencies
    )
    return Chart(
        bars=bars,
        ticks=ticks,
        width=CHART_LABEL_WIDTH + CHART_BAR_WIDTH + CHART_VALUE_WIDTH,
        height=axis_y + CHART_AXIS_HEIGHT,
        label_width=CHART_LABEL_WIDTH,
        bar_width=CHART_BAR_WIDTH,
        bar_height=CHART_BAR_HEIGHT,
        axis_y=axis_y,
        description=description,
    )


def build_report(
    candidate_assessment: CandidateAssessment, *, hide_personal_data: bool = False
) -> ReportContent:
    """The report of a candidate assessment; load it with `assessment` and `account` selected."""
    status = CandidateAssessment.Status(candidate_assessment.status)
    has_result = status == CandidateAssessment.Status.COMPLETED and (
        candidate_assessment.score is not None
    )
    competencies = _competencies(candidate_assessment) if has_result else []
    recommendation = candidate_assessment.recommendation
    history = [
        HistoryEntry(
            status=event.get_status_display(),
            source=event.source,
            occurred_at=format_moment(event.occurred_at),
        )
        for event in candidate_assessment.events.all()
    ]
    assessment = candidate_assessment.assessment
    return ReportContent(
        public_id=str(candidate_assessment.public_id),
        personal_data_hidden=hide_personal_data,
        candidate_name=(
            f"Candidate {str(candidate_assessment.public_id)[:8].upper()}"
            if hide_personal_data
            else candidate_assessment.candidate_name or candidate_assessment.email
        ),
        email=HIDDEN if hide_personal_data else candidate_assessment.email,
        phone=HIDDEN if hide_personal_data else candidate_assessment.phone,
        account=candidate_assessment.account.name,
        assessment=assessment.name,
        job_code=assessment.job_code,
        job=job_of(candidate_assessment),
        status=status.value,
        status_label=status.label,
        invited_at=format_moment(candidate_assessment.created_at),
        completed_at=format_moment(candidate_assessment.completed_at),
        has_result=has_result,
        score=candidate_assessment.score if has_result else None,
        recommendation=(
            CandidateAssessment.Recommendation(recommendation).label
            if has_result and recommendation
            else ""
        ),
        recommendation_tone=(
            RECOMMENDATION_TONES[CandidateAssessment.Recommendation(recommendation)]
            if has_result and recommendation
            else ""
        ),
        competencies=competencies,
        summary=candidate_assessment.summary if has_result else "",
        duration=format_duration(candidate_assessment.duration) if has_result else "",
        history=history,
        chart=build_chart(competencies),
    )
