"""The demo account connected to every sandbox ATS, for the embedded run (`load_demo_data`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from accounts.models import Account
from assessments.reports import ReportType
from integrations import services
from integrations.models import Integration
from sandbox.providers import sandbox_atses

# The reports every demo integration links to, the first one as the results link.
REPORTS = [
    ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
    ReportType.PDF_REPORT,
    ReportType.SIGNED_REPORT,
]


@dataclass(frozen=True)
class SandboxStart:
    label: str
    url: str


def provision_demo(account: Account) -> list[SandboxStart]:
    """A sandbox integration per ATS for `account`, each with its sandbox page; none when the
    sandbox is off."""
    if not settings.SANDBOX_ENABLED:
        return []
    return [
        SandboxStart(ats.label, f"{settings.PUBLIC_BASE_URL}{ats.provision_demo(account)}")
        for ats in sandbox_atses()
    ]


def sandbox_integration(account: Account, provider_key: str) -> Integration:
    """The account's sandbox integration with `provider_key`, created and set up the first time."""
    integration = Integration.objects.filter(
        account=account, provider=provider_key, is_sandbox=True
    ).first()
    if integration is None:
        integration = services.create_integration(account, provider_key)
        Integration.objects.filter(pk=integration.pk).update(is_sandbox=True)
        services.run_setup(integration)
        integration.refresh_from_db()
    return integration


def enable_at_once(integration: Integration) -> None:
    """Enable a demo's sandbox integration. The sandbox is served only once the web server
    runs, so its answers cannot be checked now: enabled when nothing local is missing,
    verified by its first delivery."""
    problems = services.local_problems(integration)
    if problems:
        raise services.IntegrationError(problems)
    Integration.objects.filter(pk=integration.pk).update(is_enabled=True)
