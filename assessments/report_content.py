"""What a report says about a candidate assessment, built once for the pages and the PDF alike.

The four report types show the same facts; only the wrapping (page or PDF) and whether personal
data is shown differ. Building the facts here keeps the pages and the PDF from drifting apart.

The ATS job a candidate applied for is not Harver's to know: `assessments` never imports an
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

# Chart geometry, in SVG user units; the pages scale each picture to their width. The wide
# chart puts names left of the bars; the narrow one, for phones, puts them above.
CHART_LABEL_WIDTH = 170
CHART_BAR_WIDTH = 300
CHART_VALUE_WIDTH = 40
CHART_BAR_HEIGHT = 18
CHART_TOP = 8
CHART_AXIS_HEIGHT = 22
CHART_TICKS = (0, 25, 50, 75, 100)
WIDE_ROW_HEIGHT = 34
NARROW_ROW_HEIGHT = 46
NARROW_LABEL_HEIGHT = 20
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
    """One competency as a bar, placed for the wide and the narrow chart."""

    name: str
    score: int
    width: int
    wide_y: int
    wide_text_y: int
    narrow_label_y: int
    narrow_y: int
    narrow_text_y: int


@dataclass(frozen=True)
class ChartTick:
    value: int
    x: int
    narrow_x: int


@dataclass(frozen=True)
class Chart:
    bars: list[ChartBar]
    ticks: list[ChartTick]
    label_width: int
    bar_width: int
    bar_height: int
    wide_width: int
    wide_height: int
    wide_axis_y: int
    narrow_width: int
    narrow_height: int
    narrow_axis_y: int
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
        wide_y = CHART_TOP + index * WIDE_ROW_HEIGHT
        narrow_y = CHART_TOP + index * NARROW_ROW_HEIGHT + NARROW_LABEL_HEIGHT
        bars.append(
            ChartBar(
                name=competency.name,
                score=competency.score,
                width=round(CHART_BAR_WIDTH * competency.score / 100),
                wide_y=wide_y,
                wide_text_y=wide_y + CHART_BAR_HEIGHT // 2,
                narrow_label_y=narrow_y - 7,
                narrow_y=narrow_y,
                narrow_text_y=narrow_y + CHART_BAR_HEIGHT // 2,
            )
        )
    wide_axis_y = CHART_TOP + len(competencies) * WIDE_ROW_HEIGHT
    narrow_axis_y = CHART_TOP + len(competencies) * NARROW_ROW_HEIGHT
    ticks = [
        ChartTick(
            value=value,
            x=CHART_LABEL_WIDTH + CHART_BAR_WIDTH * value // 100,
            narrow_x=CHART_BAR_WIDTH * value // 100,
        )
        for value in CHART_TICKS
    ]
    description = "Competency scores out of 100: " + ", ".join(
        f"{competency.name} {competency.score}" for competency in competencies
    )
    return Chart(
        bars=bars,
        ticks=ticks,
        label_width=CHART_LABEL_WIDTH,
        bar_width=CHART_BAR_WIDTH,
        bar_height=CHART_BAR_HEIGHT,
        wide_width=CHART_LABEL_WIDTH + CHART_BAR_WIDTH + CHART_VALUE_WIDTH,
        wide_height=wide_axis_y + CHART_AXIS_HEIGHT,
        wide_axis_y=wide_axis_y,
        narrow_width=CHART_BAR_WIDTH + CHART_VALUE_WIDTH,
        narrow_height=narrow_axis_y + CHART_AXIS_HEIGHT,
        narrow_axis_y=narrow_axis_y,
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
