"""Fixtures for the endpoints Workable calls: an enabled integration and a client with its token."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Account
from assessments.reports import ReportType
from integrations import services
from integrations.models import Integration
from tests.factories import AccountFactory, AssessmentFactory, ready_integration

CALLBACK_URL = "https://acme.workable.com/spi/v3/assessments/abc123/results"


def enabled_integration_with_token(account: Account) -> tuple[Integration, str]:
    integration = ready_integration(account)
    services.set_ats_credentials(
        integration,
        subdomain="acme",
        token="wk-token-0123456789",
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )
    services.configure_reports(
        integration,
        enabled=[ReportType.READONLY_CANDIDATE_DETAILS_PAGE],
        results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
    )
    token = services.rotate_inbound_token(integration)
    outcome = services.enable_integration(integration)
    assert outcome.enabled, outcome.problems
    return integration, token


@pytest.fixture
def workable(db):
    """An enabled Workable integration with two offered assessments and one inactive one."""
    account = AccountFactory.create(name="Acme Retail")
    offered = [
        AssessmentFactory.create(
            account=account, name="Store Associate", competencies=["Conscientiousness"]
        ),
        AssessmentFactory.create(account=account, name="Team Lead", competencies=["Leadership"]),
    ]
    AssessmentFactory.create(account=account, name="Retired test", is_active=False)
    integration, token = enabled_integration_with_token(account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return {"integration": integration, "token": token, "client": client, "assessments": offered}


def invitation_body(test_id, **overrides):
    body = {
        "test_id": test_id,
        "callback_url": CALLBACK_URL,
        "candidate": {"email": "jane.doe@example.com", "first_name": "Jane", "last_name": "Doe"},
        "job_shortcode": "A1B2C3",
        "job_title": "Store Associate",
    }
    body.update(overrides)
    return body
