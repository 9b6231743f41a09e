"""The provider says what makes a live invitation unique; the core stores its hash and refs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pytest

from integrations import inbound, registry, services
from integrations.models import AtsInvitation
from integrations.provider_types import Pattern
from integrations.providers import Provider
from integrations.registry import ProviderEntry
from tests.factories import AccountFactory, AssessmentFactory


class ApplicationProvider(Provider):
    """An ATS whose invitations are unique by application, whatever the email."""

    key = "applications"
    label = "Application ATS"
    allowed_patterns = (Pattern.ATS_FIRST_INLINE,)
    api_path = "/api/applications"

    def invitation_identity(self, refs: Mapping[str, str], email: str) -> str:
        return refs["application_id"]


class EmailProvider(Provider):
    """An ATS that keeps the base provider's identity."""

    key = "emails"
    label = "Email ATS"
    allowed_patterns = (Pattern.ATS_FIRST_INLINE,)
    api_path = "/api/emails"


@pytest.fixture
def registered(db, monkeypatch):
    def register(provider: type[Provider]):
        monkeypatch.setitem(
            registry.PROVIDERS,
            provider.key,
            ProviderEntry(provider.label, f"{__name__}.{provider.__name__}", app=__name__),
        )
        account = AccountFactory.create(name="Acme Retail")
        assessment = AssessmentFactory.create(account=account, name="Store Associate")
        integration = services.create_integration(account, provider.key)
        return integration, assessment

    return register


def request(assessment, email, **refs):
    return inbound.InvitationRequest(assessment=assessment, email=email, refs=refs)


def test_it_stores_the_sha256_of_the_providers_identity_and_its_refs(registered):
    integration, assessment = registered(ApplicationProvider)

    outcome = inbound.invite(
        integration, request(assessment, "jane@example.com", application_id="71")
    )

    invitation = AtsInvitation.objects.get(candidate_assessment=outcome.candidate_assessment)
    assert invitation.identity_key == hashlib.sha256(b"71").hexdigest()
    assert invitation.refs == {"application_id": "71"}
    assert invitation.email_key == "jane@example.com"


def test_it_answers_a_request_with_the_same_identity_as_a_repeat(registered):
    # given a live invitation for application 71
    integration, assessment = registered(ApplicationProvider)
    first = inbound.invite(
        integration, request(assessment, "jane@example.com", application_id="71", stage="1")
    )

    # when the ATS asks again for it, with another email and a newer stage, then for another one
    again = inbound.invite(
        integration, request(assessment, "JANE.DOE@example.com", application_id="71", stage="2")
    )
    other = inbound.invite(
        integration, request(assessment, "jane@example.com", application_id="72")
    )

    # then the repeat is the same invitation, with the newest references; the other is new
    assert (again.created, again.candidate_assessment) == (False, first.candidate_assessment)
    assert other.created is True
    repeated = AtsInvitation.objects.get(candidate_assessment=first.candidate_assessment)
    assert repeated.refs == {"application_id": "71", "stage": "2"}


def test_the_base_provider_makes_an_invitation_unique_by_email(registered):
    integration, assessment = registered(EmailProvider)
    first = inbound.invite(integration, request(assessment, "jane@example.com", job="a"))

    again = inbound.invite(integration, request(assessment, "Jane@Example.com", job="b"))

    assert (again.created, again.candidate_assessment) == (False, first.candidate_assessment)
