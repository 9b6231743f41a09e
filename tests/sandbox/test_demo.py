"""The demo loader connects the demo account to the sandbox's Workable, ready to use."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import Account
from assessments.demo import DEMO_ACCOUNT
from harver_integration.crypto import decrypt
from integrations.models import Integration
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
    integration = Integration.objects.get(account__name=DEMO_ACCOUNT)
    assert integration.is_sandbox
    assert integration.is_enabled
    account = workable_sandbox().account("demo")
    assert len(account["jobs"]) == 3
    assert len(account["candidates"]) == 3
    assert account["platform"]["base_url"] == f"{BASE}/api/workable"


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
