"""A stored secret that no configured key decrypts (a key dropped too early, a restored backup):
the admin pages still render and say which secret to enter again, and the deliveries fail at
once with that reason and flag the integration, instead of hanging in `sending`."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import responses
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from harver_integration.crypto import generate_key
from integrations import services
from integrations.models import Delivery, DeliveryAttempt, Integration
from integrations.outbox.outcomes import BatchOutcome
from tests.admin_support import integration_url, private_cache, staff_member  # noqa: F401
from tests.workable.delivery_support import Setup, invited_fixture, run  # noqa: F401

UNREADABLE = "The stored API token cannot be read: enter it again."

pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture
def key_lost(settings: Settings, invited: Setup) -> Setup:
    """The invited candidate's integration, its token written under a key no longer listed."""
    settings.FIELD_ENCRYPTION_KEYS = [generate_key()]
    return invited


@pytest.fixture
def admin_client(client: Client, key_lost: Setup) -> Client:
    client.force_login(staff_member(key_lost.integration.account, username="hannah"))
    return client


def _page(client: Client, url: str, **post: Any) -> str:
    response = client.post(url, post) if post else client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_integration_list_renders_and_names_the_unreadable_token(
    admin_client: Client,
) -> None:
    page = _page(admin_client, reverse("admin:integrations_integration_changelist"))

    assert UNREADABLE in page


@pytest.mark.parametrize("tabs", ["", "credentials=ats-to-harver", "harver_to_ats=reports"])
def test_the_overview_renders_on_every_tab(
    admin_client: Client, key_lost: Setup, tabs: str
) -> None:
    page = _page(admin_client, integration_url("overview", key_lost.integration, tabs))

    if "ats-to-harver" not in tabs:
        assert UNREADABLE in page


def test_the_verify_page_renders_and_verifying_names_the_unreadable_token(
    admin_client: Client, key_lost: Setup
) -> None:
    url = integration_url("verify", key_lost.integration)

    shown = _page(admin_client, url)
    verified = _page(admin_client, url, verify="1")

    assert UNREADABLE in shown
    assert f"<li>{UNREADABLE}</li>" in verified


def test_enabling_names_the_unreadable_token(key_lost: Setup) -> None:
    services.disable_integration(key_lost.integration)

    outcome = services.enable_integration(key_lost.integration)

    assert UNREADABLE in outcome.problems


@responses.activate
def test_its_deliveries_fail_for_good_with_the_reason_and_flag_the_integration(
    key_lost: Setup,
) -> None:
    # given a status owed to Workable
    [pending] = key_lost.deliveries()

    # when a worker takes it
    outcome = run(pending)

    # then it failed at once, naming the unreadable token, and nothing was sent
    pending.refresh_from_db()
    assert (outcome, pending.state) == (BatchOutcome.FAILED_ATTEMPT, Delivery.State.FAILED)
    assert pending.last_error == UNREADABLE
    assert DeliveryAttempt.objects.get(delivery=pending).outcome == "permanent"
    assert len(responses.calls) == 0
    # and the integration is flagged for the admin, as for a token the ATS refused
    integration = Integration.objects.get(pk=key_lost.integration.pk)
    assert integration.last_error == UNREADABLE
    assert integration.last_error_at is not None


def test_the_command_line_shows_the_token_as_unreadable(key_lost: Setup) -> None:
    out = io.StringIO()
    call_command("integrations", "show", str(key_lost.integration.pk), "--json", stdout=out)

    output = json.loads(out.getvalue())
    assert output["credentials"]["token"]["readable"] is False
    assert UNREADABLE in output["problems"]
