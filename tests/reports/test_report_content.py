"""What a report says: duration, competency order, chart geometry, the ATS job."""

from __future__ import annotations

import datetime

import pytest

from assessments import report_content
from assessments.report_content import build_report, format_duration


@pytest.mark.parametrize(
    ("duration", "shown"),
    [
        (datetime.timedelta(minutes=41, seconds=17), "0:41:17"),
        (datetime.timedelta(hours=2, seconds=5), "2:00:05"),
        (datetime.timedelta(days=1, hours=1), "25:00:00"),
        (datetime.timedelta(seconds=59.9), "0:00:59"),
        (None, ""),
    ],
)
def test_it_shows_durations_as_hours_minutes_seconds(duration, shown):
    assert format_duration(duration) == shown


def test_it_orders_competencies_as_the_assessment_does(candidate_assessment):
    # given scores stored in another order, with one the catalog no longer has
    candidate_assessment.competency_scores = {
        "Retired trait": 50,
        "Customer focus": 64,
        "Conscientiousness": 88.4,
        "Agreeableness": 79,
    }

    # when the report is built
    report = build_report(candidate_assessment)

    # then the catalog's order comes first, rounded, the unknown name last
    assert [(c.name, c.score) for c in report.competencies] == [
        ("Conscientiousness", 88),
        ("Agreeableness", 79),
        ("Customer focus", 64),
        ("Retired trait", 50),
    ]


def test_it_skips_scores_that_are_not_numbers(candidate_assessment):
    candidate_assessment.competency_scores = {"Conscientiousness": "n/a", "Agreeableness": 120}

    report = build_report(candidate_assessment)

    assert [(c.name, c.score) for c in report.competencies] == [("Agreeableness", 100)]


def test_it_draws_bars_proportional_to_the_scores(candidate_assessment):
    chart = build_report(candidate_assessment).chart

    assert chart is not None
    widths = {bar.name: bar.width for bar in chart.bars}
    assert widths == {
        "Conscientiousness": round(chart.bar_width * 0.88),
        "Agreeableness": round(chart.bar_width * 0.79),
        "Customer focus": round(chart.bar_width * 0.64),
    }
    assert [tick.value for tick in chart.ticks] == [0, 25, 50, 75, 100]


def test_it_asks_the_registered_job_sources_in_turn(candidate_assessment, monkeypatch):
    # given two sources, one that does not know the job, registered twice over
    monkeypatch.setattr(report_content, "_job_sources", [])

    def unknown(candidate_assessment):
        return ""

    def ats(candidate_assessment):
        return "Store Associate (A1B2C3)"

    for source in (unknown, ats, ats):
        report_content.register_job_source(source)

    # when a report is built, then the first source that knows names the job
    assert build_report(candidate_assessment).job == "Store Associate (A1B2C3)"
    assert report_content._job_sources == [unknown, ats]
