"""The demo loader connects the demo account to the sandbox's Workable and Greenhouse, ready to
use, however often it runs."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import Account
from assessments.demo import DEMO_ACCOUNT
from greenhouse.sandbox.views import greenhouse_sandbox
from harver_integration.crypto import decrypt
from integrations.models import Integration, StageMapping
from tests.sandbox.conftest import BASE
from workable.sandbox.views import workable_sandbox

pytestmark = pytest.mark.django_db


def load() -> str:
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def test_it_provisions_an_enabled_sandbox_integration_once() -> None:
    output = load()
    load()
    assert f"Sandbox:      {BASE}/sandbox/workable/accounts/demo/ (Workable" in output
    integration = Integration.objects.get(account__name=DEMO_ACCOUNT, provider="workable")
    assert integration.is_sandbox
    assert integration.is_enabled
    account = workable_sandbox().account("demo")
    assert len(account["jobs"]) == 3
    assert len(account["candidates"]) == 3
    assert account["platform"]["base_url"] == f"{BASE}/api/workable"


def test_it_provisions_an_enabled_greenhouse_integration_and_its_web_hook_once() -> None:
    output = load()
    output = load()
    assert f"Sandbox:      {BASE}/sandbox/greenhouse/ (Greenhouse, no account needed)" in output
    integration = Integration.objects.get(account__name=DEMO_ACCOUNT, provider="greenhouse")
    assert (integration.is_sandbox, integration.is_enabled) == (True, True)
    harvest = greenhouse_sandbox()
    jobs = harvest.jobs
    assert len(jobs) == 3
    assert len(harvest.applications) == 3
    assert len(harvest.clients()) == 1
    (web_hook,) = harvest.web_hooks()
    assert web_hook["endpoint_url"].startswith(f"{BASE}/api/greenhouse/webhooks/")
    assert integration.ats_credential.value("status_field") == "application:harver_status"
    assert {field["name_key"] for field in harvest.custom_fields.values()} == {
        "harver_score",
        "harver_fit",
        "harver_status",
    }
    mapped = StageMapping.objects.filter(integration=integration)
    assert {(row.stage_name, int(row.job_id)) for row in mapped} == {
        ("Harver Assessment", job_id) for job_id in jobs
    }
    # The sandbox keeps no secret in the clear: the Client Secret as its hash, the Secret Key
    # encrypted.
    state = (Path(settings.SANDBOX_STATE_DIR) / "greenhouse.json").read_text()
    credential = integration.ats_credential
    assert credential.secret("client_secret") not in state
    assert credential.secret("webhook_secret") not in state


def test_the_sandbox_s_token_opens_the_demo_integration() -> None:
    load()
    account = workable_sandbox().account("demo")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {decrypt(account['platform']['token'])}")
    tests = client.get("/api/workable/tests").json()["tests"]
    demo = Account.objects.get(name=DEMO_ACCOUNT)
    assert {test["name"] for test in tests} == set(demo.assessments.values_list("name", flat=True))


def test_without_the_sandbox_there_is_no_sandbox_integration(settings: Any) -> None:
    settings.SANDBOX_ENABLED = False
    assert "Sandbox:" not in load()
    assert not Integration.objects.exists()
