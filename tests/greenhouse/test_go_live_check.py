"""The go-live check of a Greenhouse integration, against the stand-in Greenhouse over HTTP.

Harvest and its token endpoint are the stand-in (`greenhouse.sandbox.harvest`) on 127.0.0.1;
the platform is pytest-django's live server, which the token check reaches as Greenhouse would
(a development machine: GO_LIVE_PROBE_ALLOW_LOOPBACK). `--live` is refused for Greenhouse.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from integrations import golive, services
from integrations.models import Integration
from tests.factories import AccountFactory
from tests.greenhouse.standin import HarvestServer, harvest_server
from tests.greenhouse.support import CLIENT_ID, CLIENT_SECRET, configure

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Ready:
    integration: Integration
    harvest: HarvestServer
    acting_user: dict[str, Any]

    def step(self, name: str, **options: Any) -> tuple[bool, str]:
        self.integration.refresh_from_db()
        report = golive.run(self.integration, **options)
        [found] = [step for step in report.steps if step.name == name]
        return found.ok, found.message


@pytest.fixture
def ready(live_server: Any, settings: Any) -> Iterator[Ready]:
    settings.PUBLIC_BASE_URL = live_server.url
    settings.GO_LIVE_PROBE_ALLOW_LOOPBACK = True
    settings.GREENHOUSE_API_ALLOW_INSECURE = True
    with harvest_server() as harvest:
        settings.GREENHOUSE_API_BASE_URL = harvest.api_base_url
        settings.GREENHOUSE_TOKEN_URL = harvest.token_url
        harvest.harvest.add_client(CLIENT_ID, CLIENT_SECRET)
        user = harvest.harvest.add_user("Harver Integration", email="harver@acme.test")
        harvest.harvest.add_custom_field("harver_score", value_type="number")
        harvest.harvest.add_job("Cashier", ["Application Review", "Harver Assessment"])
        account = AccountFactory.create(name="Acme Retail")
        integration, _, token = configure(
            account, enable=False, fields=[("overall", "candidate:harver_score")]
        )
        services.set_ats_credentials(integration, user_id=str(user["id"]))
        # Greenhouse pings the web hook URL when the admin creates the web hook: the token is used
        ping = Client().post(
            f"/api/greenhouse/webhooks/{token}", "{}", content_type="application/json"
        )
        assert ping.status_code in (200, 202, 400, 401)
        integration.refresh_from_db()
        yield Ready(integration, harvest, user)


def test_every_step_passes_and_the_preview_shows_the_field_and_note(ready):
    report = golive.run(ready.integration)

    assert report.ok, [step.message for step in report.steps if not step.ok]
    assert [step.name for step in report.steps][-1] == "The inbound token works from outside"
    labels = [delivery.label for delivery in report.preview]
    assert any("harver_score" in label for label in labels)
    assert any(delivery.kind == "Timeline note" for delivery in report.preview)


def test_a_refused_client_secret_fails_the_credentials(ready):
    ready.harvest.harvest.add_client(CLIENT_ID, "another-secret")

    ok, message = ready.step("Credentials accepted")

    assert not ok
    assert message.startswith("Greenhouse refused the Client ID and Client Secret (HTTP 401)")


def test_a_missing_scope_is_named(ready):
    ready.harvest.harvest.add_client(
        CLIENT_ID,
        CLIENT_SECRET,
        scopes=[
            scope
            for client in ready.harvest.harvest.clients()
            if client["client_id"] == CLIENT_ID
            for scope in client["scopes"]
            if scope != "harvest:jobs:list"
        ],
    )

    ok, message = ready.step("Every scope the platform uses")

    assert not ok
    assert message.startswith("The credential lacks the scope harvest:jobs:list")


def test_a_deactivated_acting_user_fails_the_note_author(ready):
    ready.harvest.harvest.update("users", ready.acting_user["id"], deactivated=True)

    ok, message = ready.step("Note author exists and is active")

    # the stand-in, as Greenhouse, refuses a token acting as a deactivated user
    assert not ok
    assert message.startswith(
        f"Greenhouse refused to list users (HTTP 403): the acting user {ready.acting_user['id']} "
        "is not a Site Admin"
    )


def test_a_mapped_field_that_cannot_hold_its_value_is_named(ready):
    [score] = [f for f in ready.harvest.harvest.custom_fields.values()]
    ready.harvest.harvest.update("custom_fields", score["id"], value_type="date")

    ok, message = ready.step("Mapped ATS fields exist and can hold their values")

    assert not ok
    assert 'is of the type "date", which cannot hold a Harver value' in message


def test_no_mapped_stage_is_named(ready):
    ready.integration.stage_mappings.all().delete()

    ok, message = ready.step("The offered tests are what the ATS will list")

    assert not ok
    assert message == (
        "No Greenhouse stage invites to an assessment: map a stage (Harver to ATS, Assessments)."
    )


def test_the_web_hook_url_refuses_a_wrong_token_with_404(ready):
    ok, message = ready.step("The inbound token works from outside")

    assert ok
    assert "/api/greenhouse/webhooks/<token> answers from outside" in message
    assert "(HTTP 404)" in message


def test_live_is_refused_with_the_reason(ready):
    with pytest.raises(CommandError, match="Greenhouse has no live go-live check"):
        call_command(
            "integrations",
            "go-live-check",
            str(ready.integration.pk),
            "--live",
            "--job",
            "1",
            stdout=io.StringIO(),
        )
