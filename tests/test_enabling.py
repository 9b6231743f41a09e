"""Enabling an integration: every problem named in plain words, nothing half-enabled."""

import datetime

import pytest

from assessments.reports import ReportType
from integrations import providers, registry, services
from integrations.models import AssessmentFieldMapping, InboundToken, Integration
from integrations.provider_types import Pattern
from integrations.providers import Provider, get_provider
from integrations.registry import ProviderEntry

TODAY = datetime.date(2026, 11, 28)


def configure_completely(integration: Integration) -> None:
    services.set_ats_credentials(
        integration,
        subdomain="acme",
        token="wk-token-0123456789",
        expires_on=TODAY + datetime.timedelta(days=30),
        note_author_member_id="3f9a",
    )
    services.configure_reports(
        integration,
        enabled=[ReportType.READONLY_CANDIDATE_DETAILS_PAGE],
        results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
    )


def test_it_names_every_problem_of_a_fresh_integration(integration):
    # given a freshly set-up integration with no report type enabled
    services.configure_reports(
        integration,
        enabled=[ReportType.PDF_REPORT],
        results_link=ReportType.PDF_REPORT,
    )
    integration.report_settings.pdf_report = False
    integration.report_settings.save()

    # when enabling
    outcome = services.enable_integration(integration)

    # then each missing piece is named, and nothing changed
    assert outcome.enabled is False
    assert outcome.problems == [
        "No Workable subdomain is set (Credentials, Harver to ATS).",
        "No Workable API token is set (Credentials, Harver to ATS).",
        "No report type is enabled (Harver to ATS, Reports).",
    ]
    integration.refresh_from_db()
    assert integration.is_enabled is False


def test_it_enables_a_completely_configured_integration(integration):
    configure_completely(integration)

    outcome = services.enable_integration(integration)

    assert outcome == services.EnableOutcome(enabled=True, problems=[])
    assert Integration.objects.get(pk=integration.pk).is_enabled is True


def test_it_refuses_an_expired_token(integration):
    configure_completely(integration)
    services.set_ats_credentials(integration, expires_on=datetime.date(2026, 1, 31))

    problems = services.local_problems(integration, today=TODAY)

    assert problems == [
        "The Workable API token expired on 2026-01-31; generate a new one in Workable and "
        "paste it on the Harver to ATS tab."
    ]


def test_it_refuses_an_account_without_active_assessments(integration):
    configure_completely(integration)
    integration.account.assessments.update(is_active=False)

    problems = services.local_problems(integration, today=TODAY)

    assert problems == [f"{integration.account} has no active assessment to offer to Workable."]


def test_it_refuses_a_results_link_that_is_not_enabled(integration):
    configure_completely(integration)
    integration.report_settings.results_link = ReportType.SIGNED_REPORT
    integration.report_settings.save()

    problems = services.local_problems(integration, today=TODAY)

    assert problems == [
        "The results link (Signed report URL) is not an enabled report type "
        "(Harver to ATS, Reports)."
    ]


def test_it_refuses_a_mapping_that_sends_without_a_field_id(integration):
    configure_completely(integration)
    mapping = integration.field_mappings.get(
        score=AssessmentFieldMapping.Score.COMPETENCY, competency__name="Agreeableness"
    )
    mapping.send_status = True
    mapping.save()

    problems = services.local_problems(integration, today=TODAY)

    assert problems == [
        f"{mapping.assessment.name}, Agreeableness: sending is on but the ATS Field Id is empty "
        "(Harver to ATS, Assessments)."
    ]


def test_it_refuses_a_pattern_the_provider_does_not_allow(integration):
    configure_completely(integration)
    integration.pattern = Pattern.ATS_FIRST_INLINE
    integration.save()

    problems = services.local_problems(integration, today=TODAY)

    assert problems == [
        "Workable does not support the ATS First Inline pattern; choose ATS First Ad-Hoc."
    ]


def test_it_refuses_without_an_active_ats_to_harver_token(integration):
    configure_completely(integration)
    InboundToken.objects.filter(integration=integration).update(
        revoked_at=datetime.datetime.now(tz=datetime.UTC)
    )

    problems = services.local_problems(integration, today=TODAY)

    assert problems == ["No ATS to Harver token has been minted (Credentials, ATS to Harver)."]


class RefusingProvider(Provider):
    """A provider double whose ATS always refuses the token."""

    key = "refusing"
    label = "Refusing ATS"
    allowed_patterns = (Pattern.ATS_FIRST_AD_HOC, Pattern.ATS_FIRST_INLINE)
    credential_fields = get_provider("workable").credential_fields
    calls: list[int] = []

    def remote_problems(self, integration: Integration) -> list[str]:
        self.calls.append(integration.pk)
        return ["Refusing ATS rejected the API token."]


@pytest.fixture
def refusing_provider(monkeypatch):
    monkeypatch.setitem(
        registry.PROVIDERS, "refusing", ProviderEntry("Refusing ATS", "unused", app="unused")
    )
    monkeypatch.setattr(providers, "_load", lambda key, path: RefusingProvider())
    RefusingProvider.calls = []
    return RefusingProvider


def test_it_asks_the_provider_for_remote_problems_once_local_checks_pass(
    account, assessments, refusing_provider
):
    # given a complete integration of a provider whose ATS refuses
    integration = services.create_integration(account, "refusing")
    services.run_setup(integration)
    configure_completely(integration)

    # when enabling
    outcome = services.enable_integration(integration)

    # then the provider's problem is reported and nothing is enabled
    assert outcome.problems == ["Refusing ATS rejected the API token."]
    assert refusing_provider.calls == [integration.pk]
    assert Integration.objects.get(pk=integration.pk).is_enabled is False


def test_it_does_not_ask_the_provider_while_local_problems_remain(
    account, assessments, refusing_provider
):
    integration = services.create_integration(account, "refusing")
    services.run_setup(integration)

    outcome = services.enable_integration(integration)

    assert "Refusing ATS rejected the API token." not in outcome.problems
    assert refusing_provider.calls == []


def test_it_disables_with_the_same_service(integration):
    configure_completely(integration)
    services.enable_integration(integration)

    services.disable_integration(integration)

    assert Integration.objects.get(pk=integration.pk).is_enabled is False


def test_it_defaults_workable_to_the_ad_hoc_pattern(account):
    integration = services.create_integration(account, "workable")

    assert integration.pattern == Pattern.ATS_FIRST_AD_HOC
    assert integration.provider_impl.allowed_patterns == (Pattern.ATS_FIRST_AD_HOC,)


def test_it_names_an_unknown_provider(account):
    with pytest.raises(
        providers.UnknownProviderError, match=r"Unknown ATS 'lever'; known: workable, greenhouse\."
    ):
        services.create_integration(account, "lever")
