"""The token of an integration with another ATS opens that ATS's API, never Workable's."""

import pytest
from rest_framework.test import APIClient

from assessments.models import CandidateAssessment
from integrations import registry, services
from integrations.models import Integration
from integrations.provider_types import Pattern
from integrations.providers import Provider
from integrations.registry import ProviderEntry
from tests.factories import AccountFactory, AssessmentFactory, CandidateAssessmentFactory
from tests.workable.conftest import invitation_body

MESSAGE = "The token is not valid for any Workable integration."


class OtherProvider(Provider):
    key = "otherats"
    label = "Other ATS"
    allowed_patterns = (Pattern.ATS_FIRST_AD_HOC,)
    api_path = "/api/otherats"


@pytest.fixture
def other_ats(db, monkeypatch):
    """An enabled integration with another ATS, its token, and an assessment it offers."""
    monkeypatch.setitem(
        registry.PROVIDERS,
        OtherProvider.key,
        ProviderEntry(OtherProvider.label, f"{__name__}.OtherProvider", app=__name__),
    )
    account = AccountFactory.create(name="Other Retail")
    assessment = AssessmentFactory.create(account=account, name="Store Associate")
    integration = services.create_integration(account, OtherProvider.key)
    token = services.rotate_inbound_token(integration)
    Integration.objects.filter(pk=integration.pk).update(is_enabled=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return {"client": client, "assessment": assessment}


def assert_refused(response):
    assert response.status_code == 401
    assert response.json() == {"status": 401, "message": MESSAGE}
    assert response["WWW-Authenticate"] == 'Bearer realm="harver"'


@pytest.mark.parametrize("path", ["/api/workable/connection", "/api/workable/tests"])
def test_it_refuses_the_token_of_another_ats_on_every_read(other_ats, path):
    assert_refused(other_ats["client"].get(path))


def test_it_creates_no_invitation_for_the_token_of_another_ats(other_ats):
    response = other_ats["client"].post(
        "/api/workable/assessments", invitation_body(str(other_ats["assessment"].pk)), format="json"
    )

    assert_refused(response)
    assert CandidateAssessment.objects.count() == 0


def test_it_shares_no_link_for_the_token_of_another_ats(other_ats):
    candidate_assessment = CandidateAssessmentFactory.create(assessment=other_ats["assessment"])

    response = other_ats["client"].get(
        f"/api/workable/assessments/{candidate_assessment.public_id}/shared-link"
    )

    assert_refused(response)


def test_it_refuses_the_token_of_another_ats_even_when_disabled(other_ats):
    Integration.objects.filter(provider=OtherProvider.key).update(is_enabled=False)

    assert_refused(other_ats["client"].get("/api/workable/connection"))


def test_a_workable_token_still_opens_the_workable_api(workable, other_ats):
    response = workable["client"].get("/api/workable/connection")

    assert response.status_code == 200
    assert response.json()["ats"] == "workable"
