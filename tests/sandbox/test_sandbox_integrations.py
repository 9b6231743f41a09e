"""A sandbox integration calls only the sandbox; the sandbox is off unless enabled."""

from __future__ import annotations

import importlib
import io
import json
from typing import Any

import pytest
from django.core.checks.registry import registry
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from integrations import services
from integrations.http import WaitingBudget
from integrations.models import AtsCredential, Integration
from integrations.ratelimit import limiter_key
from integrations.transport import PermanentError
from sandbox.checks import sandbox_is_off
from tests.factories import AccountFactory, AssessmentFactory
from tests.sandbox.conftest import BASE
from tests.workable.conftest import enabled_integration_with_token, invitation_body
from workable.callbacks import callback_url_problem
from workable.client import WorkableClient, api_base_url, rate_limiter

pytestmark = pytest.mark.django_db
REAL_CALLBACK = "https://acme.workable.com/spi/v3/assessments/abc123/results"
SANDBOX_CALLBACK = f"{BASE}/sandbox/workable/acme/callbacks/r1"


def test_a_sandbox_integration_s_base_url_is_the_sandbox() -> None:
    assert api_base_url("acme", sandbox=True) == f"{BASE}/sandbox/workable/acme/spi/v3"
    assert api_base_url("acme") == "https://acme.workable.com/spi/v3"


def test_a_sandbox_integration_refuses_a_real_workable_callback() -> None:
    problem = callback_url_problem(REAL_CALLBACK, sandbox=True)
    assert problem is not None
    assert "sandbox" in problem
    assert callback_url_problem(SANDBOX_CALLBACK, sandbox=True) is None


def test_a_real_integration_refuses_a_sandbox_callback() -> None:
    assert callback_url_problem(SANDBOX_CALLBACK) is not None


def test_the_client_of_a_sandbox_integration_never_sends_to_a_real_host() -> None:
    budget = WaitingBudget(limiter_key("t"), rate_limiter())
    with WorkableClient(subdomain="acme", token="t", budget=budget, sandbox=True) as client:
        assert client.base_url == f"{BASE}/sandbox/workable/acme/spi/v3"
        with pytest.raises(PermanentError, match="sandbox"):
            client.put_assessment_result(REAL_CALLBACK, {"status": "pending"})


def test_intake_for_a_sandbox_integration_refuses_a_real_callback_url() -> None:
    account = AccountFactory.create()
    assessment = AssessmentFactory.create(account=account)
    integration, token = enabled_integration_with_token(account)
    integration.is_sandbox = True
    integration.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(
        "/api/workable/assessments",
        invitation_body(str(assessment.pk), callback_url=REAL_CALLBACK),
        format="json",
    )
    assert response.status_code == 422
    assert "sandbox" in response.json()["errors"]["callback_url"][0]
    accepted = client.post(
        "/api/workable/assessments",
        invitation_body(str(assessment.pk), callback_url=SANDBOX_CALLBACK),
        format="json",
    )
    assert accepted.status_code == 201


def test_deploy_check_warns_while_the_sandbox_is_on(settings: Any) -> None:
    deploy_checks = registry.get_checks(include_deployment_checks=True)
    assert sandbox_is_off in deploy_checks
    assert sandbox_is_off not in registry.get_checks()
    assert [message.id for message in sandbox_is_off(None)] == ["sandbox.W001"]
    settings.SANDBOX_ENABLED = False
    assert sandbox_is_off(None) == []


def test_without_the_setting_there_is_no_sandbox(settings: Any) -> None:
    from harver_integration import urls

    settings.SANDBOX_ENABLED = False
    try:
        reloaded = importlib.reload(urls)
        assert not any(str(pattern.pattern) == "sandbox/" for pattern in reloaded.urlpatterns)
        settings.SANDBOX_ENABLED = True
        reloaded = importlib.reload(urls)
        assert any(str(pattern.pattern) == "sandbox/" for pattern in reloaded.urlpatterns)
    finally:
        settings.SANDBOX_ENABLED = False
        importlib.reload(urls)


def enabled_integration() -> Integration:
    account = AccountFactory.create()
    AssessmentFactory.create(account=account)
    integration, _ = enabled_integration_with_token(account)
    return integration


def test_support_connects_an_integration_to_the_sandbox_and_back() -> None:
    integration = enabled_integration()
    AtsCredential.objects.filter(integration=integration).update(verification={"ok": True})
    out = io.StringIO()
    call_command("integrations", "sandbox", str(integration.pk), "--on", stdout=out)
    assert "now calls the sandbox ATS only" in out.getvalue()
    integration.refresh_from_db()
    assert integration.is_sandbox
    assert AtsCredential.objects.get(integration=integration).verification == {}
    shown = io.StringIO()
    call_command("integrations", "show", str(integration.pk), "--json", stdout=shown)
    assert json.loads(shown.getvalue())["sandbox"] is True
    call_command("integrations", "sandbox", str(integration.pk), "--off", stdout=io.StringIO())
    integration.refresh_from_db()
    assert not integration.is_sandbox


def test_the_sandbox_switch_needs_on_or_off() -> None:
    integration = enabled_integration()
    with pytest.raises(CommandError):
        call_command("integrations", "sandbox", str(integration.pk), stderr=io.StringIO())


def test_the_admin_marks_a_sandbox_integration(admin_client: Client) -> None:
    integration = enabled_integration()
    services.set_sandbox(integration, on=True)
    overview = reverse("admin:integrations_integration_overview", args=[integration.pk])
    assert "Sandbox integration: every call goes to the built-in sandbox" in (
        admin_client.get(overview).content.decode()
    )
    listing = admin_client.get(reverse("admin:integrations_integration_changelist"))
    assert "column-is_sandbox" in listing.content.decode()
    assert integration.account.name in listing.content.decode()
    filtered = admin_client.get(
        reverse("admin:integrations_integration_changelist"), {"is_sandbox__exact": "0"}
    )
    assert integration.account.name not in filtered.content.decode()
