"""Fixtures for the engine's events API: an account, a candidate assessment, a client with a key."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from assessments.lifecycle import create_candidate_assessment
from assessments.models import CandidateAssessment
from engine import keys
from tests import factories


def events_url(candidate_assessment: CandidateAssessment | str) -> str:
    public_id = (
        candidate_assessment
        if isinstance(candidate_assessment, str)
        else candidate_assessment.public_id
    )
    return f"/api/engine/v1/assessments/{public_id}/events"


@pytest.fixture
def engine(db: None) -> dict[str, Any]:
    """Acme's engine key and one pending candidate assessment of Acme's."""
    account = factories.AccountFactory.create(name="Acme Retail")
    assessment = factories.AssessmentFactory.create(
        account=account,
        name="Store Associate Assessment",
        competencies=["Conscientiousness", "Agreeableness"],
    )
    candidate_assessment = create_candidate_assessment(
        assessment=assessment, email="jane.doe@example.com", source="test"
    )
    issued = keys.issue_key(account, name="Harver engine EU")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.key}")
    return {
        "account": account,
        "candidate_assessment": candidate_assessment,
        "api_key": issued.api_key,
        "key": issued.key,
        "client": client,
    }


def post_event(engine: dict[str, Any], body: dict[str, Any], target: Any = None) -> Any:
    return engine["client"].post(
        events_url(target or engine["candidate_assessment"]), body, format="json"
    )


COMPLETED_RESULT = {
    "score": 82,
    "recommendation": "great_fit",
    "competency_scores": {"Conscientiousness": 88, "Agreeableness": 79},
    "summary": "Great fit. Strongest: Conscientiousness (88).",
    "duration": "00:41:17",
}
