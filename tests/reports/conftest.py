"""Fixtures for the report tests: a completed candidate assessment, its people, a stopped clock."""

from __future__ import annotations

import datetime
import io

import pypdf
import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from assessments.models import CandidateAssessment, CandidateAssessmentEvent
from tests import factories

NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC)
PASSWORD = "correct horse battery staple"


class Clock:
    """Stands in for django.utils.timezone.now: the tests move time by hand."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(NOW)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def complete(
    candidate_assessment: CandidateAssessment,
    *,
    score: int = 82,
    recommendation: str = CandidateAssessment.Recommendation.GREAT_FIT,
    competency_scores: dict[str, int] | None = None,
    at: datetime.datetime = NOW - datetime.timedelta(days=2),
) -> CandidateAssessment:
    """Give a candidate assessment its history (pending, started, completed) and result."""
    invited = at - datetime.timedelta(days=1)
    started = at - datetime.timedelta(minutes=41, seconds=17)
    for status, source, moment in (
        (CandidateAssessment.Status.PENDING, "workable", invited),
        (CandidateAssessment.Status.STARTED, "candidate", started),
        (CandidateAssessment.Status.COMPLETED, "engine", at),
    ):
        CandidateAssessmentEvent.objects.create(
            candidate_assessment=candidate_assessment,
            status=status,
            source=source,
            occurred_at=moment,
        )
    candidate_assessment.status = CandidateAssessment.Status.COMPLETED
    candidate_assessment.started_at = started
    candidate_assessment.completed_at = at
    candidate_assessment.score = score
    candidate_assessment.recommendation = recommendation
    candidate_assessment.competency_scores = competency_scores or {
        "Conscientiousness": 88,
        "Agreeableness": 79,
        "Customer focus": 64,
    }
    candidate_assessment.summary = "Great fit. Strongest: Conscientiousness (88)."
    candidate_assessment.duration = datetime.timedelta(minutes=41, seconds=17)
    candidate_assessment.save()
    return candidate_assessment


@pytest.fixture
def acme(db: None) -> factories.Account:
    return factories.AccountFactory.create(name="Acme Retail")


@pytest.fixture
def candidate_assessment(acme: factories.Account) -> CandidateAssessment:
    """Priya Sharma completed the Store Associate Assessment of Acme Retail: 82, great fit."""
    assessment = factories.AssessmentFactory.create(
        account=acme,
        name="Store Associate Assessment",
        job_code="ACME-STORE-01",
        competencies=["Conscientiousness", "Agreeableness", "Customer focus"],
    )
    return complete(
        factories.CandidateAssessmentFactory.create(
            assessment=assessment,
            first_name="Priya",
            last_name="Sharma",
            email="priya.sharma@example.com",
            phone="+31 6 1234 5678",
        )
    )


@pytest.fixture
def acme_staff(acme: factories.Account) -> User:
    user = factories.UserFactory.create(username="hannah")
    acme.members.add(user)
    return user


@pytest.fixture
def other_staff(db: None) -> User:
    """A staff member of another customer account."""
    northwind = factories.AccountFactory.create(name="Northwind Stores")
    user = factories.UserFactory.create(username="nina")
    northwind.members.add(user)
    return user


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def token_of(url: str) -> str:
    """The signed token of an absolute /r/<token>/… link."""
    return url.split("/r/", 1)[1].split("/", 1)[0]
