"""A sandbox Workable integration whose every go-live step passes, over real HTTP on 127.0.0.1.

The platform is pytest-django's live server with the sandbox mounted: the go-live check asks
the sandbox's stand-in Workable and sends its token check to the provider base URL as Workable
would. Tests break one thing at a time, in the stand-in or the configuration.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from assessments.models import Assessment
from integrations import golive, services
from integrations.models import Integration
from tests.factories import AccountFactory
from tests.workable.delivery_support import configure
from workable.sandbox.spi import WorkableSandbox
from workable.sandbox.views import workable_sandbox

STEPS = [
    "Credentials accepted",
    "Every scope the platform uses",
    "Note author exists and is active",
    "Mapped ATS fields exist and can hold their values",
    "Every enabled report type renders",
    "The offered tests are what the ATS will list",
    "The inbound token works from outside",
]


@dataclass
class Ready:
    integration: Integration
    assessment: Assessment
    sandbox: WorkableSandbox
    inbound_token: str
    spi_token: str

    def step(self, report: golive.GoLiveReport, name: str) -> tuple[bool, str]:
        [found] = [step for step in report.steps if step.name == name]
        return found.ok, found.message

    def change_account(self, **changes: Any) -> None:
        with self.sandbox.store.change() as state:
            state["accounts"]["acme"].update(changes)


@pytest.fixture(name="ready")
def ready_fixture(live_server: Any, settings: Any, tmp_path: Any) -> Ready:
    """A sandbox Workable integration whose every go-live step passes."""
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_STATE_DIR = tmp_path / "sandbox"
    settings.SANDBOX_BASE_URL = f"{live_server.url}/sandbox"
    settings.ROOT_URLCONF = "tests.sandbox.urls"
    settings.PUBLIC_BASE_URL = live_server.url
    # Workable's own limit (10 requests per 10 s per token), which the stand-in enforces too
    spi_token = f"wk-golive-{uuid.uuid4().hex}"
    settings.VAR_DIR = tmp_path
    account = AccountFactory.create(name="Acme Retail")
    integration, assessment = configure(account, token=spi_token)
    services.set_sandbox(integration, on=True)
    services.set_ats_credentials(integration, note_author_member_id="m-recruiter")
    services.map_field(
        integration, assessment=assessment, score="recommendation", ats_field_id="harver_fit"
    )
    services.map_field(
        integration,
        assessment=assessment,
        score="Conscientiousness",
        ats_field_id="",
        send_status=False,
    )
    sandbox = workable_sandbox()
    sandbox.create_account("acme", "Acme (sandbox)", api_token=spi_token)
    inbound_token = services.rotate_inbound_token(integration)
    # Workable lists the tests once the admin saved the token there: the token is in use
    listed = Client().get("/api/workable/tests", HTTP_AUTHORIZATION=f"Bearer {inbound_token}")
    assert listed.status_code == 200
    integration.refresh_from_db()
    return Ready(integration, assessment, sandbox, inbound_token, spi_token)
