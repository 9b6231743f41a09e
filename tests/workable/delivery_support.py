"""Fixtures for the delivery tests: an enabled, fully configured Workable integration and a
candidate who was invited through it, plus helpers to run the outbox as a worker would."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from assessments import lifecycle
from assessments.models import Assessment, CandidateAssessment
from assessments.reports import ReportType
from integrations import inbound, services
from integrations.models import Delivery, Integration
from integrations.outbox import sending
from integrations.outbox.outcomes import BatchOutcome
from tests.factories import AccountFactory, AssessmentFactory, ready_integration
from workable import deliveries
from workable.invitations import invitation_refs

WORKABLE_TOKEN = "wk-secret-7f3a9c2e5b1d4f60a8e2"
SPI = "https://acme.workable.com/spi/v3"
CALLBACK_URL = "https://acme.workable.com/spi/v3/assessments/abc123/results"
MEMBER_ID = "3f9a"
CANDIDATE_ID = "ce4f2"
RESULT = lifecycle.Result(
    score=82,
    recommendation="great_fit",
    competency_scores={"Conscientiousness": 88, "Agreeableness": 79},
    summary="Great fit. Strongest: Conscientiousness (88).",
    duration=datetime.timedelta(minutes=41, seconds=17),
)


@dataclass
class Setup:
    integration: Integration
    assessment: Assessment
    candidate_assessment: CandidateAssessment

    def deliveries(self, **filters: Any) -> list[Delivery]:
        return list(
            Delivery.objects.filter(
                candidate_assessment=self.candidate_assessment, **filters
            ).order_by("pk")
        )

    def complete(self) -> list[Delivery]:
        lifecycle.record_status(
            self.candidate_assessment.pk, "completed", source="engine", result=RESULT
        )
        return self.deliveries(state=Delivery.State.PENDING)


def configure(account: Any, *, token: str = WORKABLE_TOKEN) -> tuple[Integration, Assessment]:
    assessment = AssessmentFactory.create(
        account=account, name="Store Associate", competencies=["Conscientiousness", "Agreeableness"]
    )
    integration = ready_integration(account)
    services.set_ats_credentials(
        integration,
        subdomain="acme",
        token=token,
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
        note_author_member_id=MEMBER_ID,
    )
    services.configure_reports(
        integration,
        enabled=[ReportType.READONLY_CANDIDATE_DETAILS_PAGE, ReportType.SIGNED_REPORT],
        results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
    )
    services.map_field(
        integration, assessment=assessment, score="overall", ats_field_id="harver_score"
    )
    services.map_field(
        integration, assessment=assessment, score="Conscientiousness", ats_field_id="harver_c"
    )
    outcome = services.enable_integration(integration)
    assert outcome.enabled, outcome.problems
    return integration, assessment


def invite(integration: Integration, assessment: Assessment, email: str) -> CandidateAssessment:
    outcome = inbound.invite(
        integration,
        inbound.InvitationRequest(
            assessment=assessment,
            email=email,
            refs=invitation_refs(
                callback_url=CALLBACK_URL, job_shortcode="A1B2C3", job_title="Store Associate"
            ),
            first_name="Jane",
            last_name="Doe",
        ),
    )
    return outcome.candidate_assessment


@pytest.fixture(name="invited")
def invited_fixture(db: None, settings: Any, tmp_path: Any) -> Setup:
    """Invited, not yet completed; the rate limit is generous unless a test tightens it."""
    settings.VAR_DIR = tmp_path
    settings.WORKABLE_RATE_LIMIT_REQUESTS = 1000
    settings.DELIVERY_RETRY_SCHEDULE = [30.0, 120.0, 600.0]
    account = AccountFactory.create(name="Acme Retail")
    integration, assessment = configure(account)
    candidate_assessment = invite(integration, assessment, "jane.doe@example.com")
    return Setup(integration, assessment, candidate_assessment)


def run(delivery: Delivery) -> BatchOutcome:
    """What one worker run of the delivery's task does (ignoring whether it is due)."""
    make_due(delivery)
    return sending.process(delivery.pk, deliveries.connect, task_id="task-1")


def make_due(delivery: Delivery) -> None:
    """Time passes: the delivery's next attempt is due now."""
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def reload(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery
