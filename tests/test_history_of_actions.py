"""Every action on an integration or an engine key is in the history: who (a staff user, or the
command line and its OS user), when, what; never a secret.

Replays, verification and key revocation write their rows with `QuerySet.update()` or change no
audited row at all, so the audit library alone would not see them.
"""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import pytest
import responses
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engine import keys
from engine.models import EngineApiKey
from harver_integration.history import COMMAND_LINE_ACTOR_PREFIX
from integrations import services
from integrations.models import Delivery, InboundToken, Integration
from tests import factories
from tests.admin_support import (  # noqa: F401 (fixtures)
    integration_url,
    private_cache,
    remote_problems_fixture,
    staff_member,
)
from tests.test_delivery_admin import failed
from tests.workable.delivery_support import WORKABLE_TOKEN, invited_fixture  # noqa: F401
from tests.workable.test_verification import workable_answers

pytestmark = pytest.mark.usefixtures("private_cache")


def entries(
    model: type[models.Model], pk: object, field: str, action: int = LogEntry.Action.UPDATE
) -> list[LogEntry]:
    """The audit entries of one row (updates unless told) that changed `field`, oldest first."""
    return [
        entry
        for entry in LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_pk=str(pk), action=action
        ).order_by("timestamp", "pk")
        if field in (entry.changes_dict or {})
    ]


def assert_by(entry: LogEntry, username: str, since: datetime.datetime) -> None:
    assert entry.actor is not None
    assert entry.actor.get_username() == username
    assert since <= entry.timestamp <= timezone.now()


def assert_by_the_command_line(entry: LogEntry, since: datetime.datetime) -> None:
    assert entry.actor is None
    assert (entry.actor_email or "").startswith(COMMAND_LINE_ACTOR_PREFIX)
    assert since <= entry.timestamp <= timezone.now()


def assert_no_entry_holds(*secrets: str) -> None:
    recorded = [str(entry.changes) for entry in LogEntry.objects.all()]
    for secret in secrets:
        assert not any(secret in text for text in recorded)


def command(*args: str) -> Any:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def hannah(client: Client, invited) -> Client:
    client.force_login(staff_member(invited.integration.account, username="hannah"))
    return client


# --- Replays ------------------------------------------------------------------------------------


def test_replaying_one_delivery_is_recorded_with_who_and_when(hannah, invited):
    # given a failed delivery
    delivery = failed(invited)
    since = timezone.now()

    # when a Harver Admin replays it
    hannah.post(reverse("admin:integrations_delivery_replay", args=[delivery.pk]))

    # then the integration's history says who replayed which delivery, and when
    [entry] = entries(Integration, invited.integration.pk, "replayed")
    assert_by(entry, "hannah", since)
    assert entry.changes_dict["replayed"][1] == f"delivery {delivery.pk} ({delivery.label})"
    page = hannah.get(integration_url("history", invited.integration)).content.decode()
    assert "replayed" in page
    assert_no_entry_holds(WORKABLE_TOKEN)


def test_replaying_the_failed_deliveries_since_a_date_is_recorded(hannah, invited):
    # given a failed delivery
    failed(invited)
    since = timezone.now()

    # when a Harver Admin replays every failed delivery since today
    hannah.post(
        reverse("admin:integrations_delivery_replay_failed"),
        {
            "integration": invited.integration.pk,
            "since": timezone.now().date().isoformat(),
            "confirm": "yes",
        },
    )

    # then the history says who replayed how many, and when
    assert Delivery.objects.filter(state=Delivery.State.PENDING).count() == 1
    [entry] = entries(Integration, invited.integration.pk, "replayed")
    assert_by(entry, "hannah", since)
    assert entry.changes_dict["replayed"][1].startswith("1 delivery(ies) failed since ")


# --- Verification -------------------------------------------------------------------------------


@responses.activate
def test_verifying_the_credentials_is_recorded_with_its_outcome(hannah, invited):
    # given Workable answering the check (with problems to report)
    workable_answers(members=[], attributes=[])
    since = timezone.now()

    # when a Harver Admin verifies the credentials
    hannah.post(integration_url("verify", invited.integration))

    # then the history says who verified, when, and whether it passed; never the token
    [entry] = entries(Integration, invited.integration.pk, "verified")
    assert_by(entry, "hannah", since)
    assert entry.changes_dict["verified"][1] == "failed"
    assert_no_entry_holds(WORKABLE_TOKEN)


# --- Enabling and disabling, token rotation -----------------------------------------------------


def test_enabling_and_disabling_in_the_admin_are_recorded_with_who_and_when(
    client, integration, remote_problems
):
    # given a completely configured integration and a Harver Admin
    services.set_ats_credentials(
        integration,
        subdomain="acme",
        token=WORKABLE_TOKEN,
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )
    client.force_login(staff_member(integration.account, username="hannah"))
    since = timezone.now()

    # when they enable it, then disable it
    client.post(integration_url("toggle", integration), {"enable": "on"})
    client.post(integration_url("toggle", integration), {"enable": "off"})

    # then both are recorded, by them
    enabled, disabled = entries(Integration, integration.pk, "is_enabled")
    assert enabled.changes_dict["is_enabled"] == ["False", "True"]
    assert disabled.changes_dict["is_enabled"] == ["True", "False"]
    assert_by(enabled, "hannah", since)
    assert_by(disabled, "hannah", since)
    assert_no_entry_holds(WORKABLE_TOKEN)


def test_enabling_and_disabling_on_the_command_line_name_the_command_line(
    integration, remote_problems
):
    services.set_ats_credentials(
        integration,
        subdomain="acme",
        token=WORKABLE_TOKEN,
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )
    since = timezone.now()

    command("integrations", "enable", str(integration.pk))
    command("integrations", "disable", str(integration.pk))

    enabled, disabled = entries(Integration, integration.pk, "is_enabled")
    assert_by_the_command_line(enabled, since)
    assert_by_the_command_line(disabled, since)


def _rotation_entries(integration: Integration, old: InboundToken) -> tuple[LogEntry, LogEntry]:
    """The entries of a rotation: the new token minted, the old one revoked."""
    new = InboundToken.objects.active().get(integration=integration)
    [minted] = entries(InboundToken, new.pk, "token_last4", LogEntry.Action.CREATE)
    [revoked] = entries(InboundToken, old.pk, "revoked_at")
    return minted, revoked


def test_rotating_the_token_in_the_admin_is_recorded_with_who_and_when(client, integration):
    old = InboundToken.objects.active().get(integration=integration)
    client.force_login(staff_member(integration.account, username="hannah"))
    since = timezone.now()

    client.post(integration_url("rotate", integration))

    minted, revoked = _rotation_entries(integration, old)
    assert_by(minted, "hannah", since)
    assert_by(revoked, "hannah", since)
    assert "token_hash" not in minted.changes_dict


def test_rotating_the_token_on_the_command_line_names_the_command_line(integration):
    old = InboundToken.objects.active().get(integration=integration)
    since = timezone.now()

    token = command("integrations", "rotate-token", str(integration.pk))["token"]

    for entry in _rotation_entries(integration, old):
        assert_by_the_command_line(entry, since)
    assert_no_entry_holds(token)


def test_the_history_page_names_the_command_line_as_the_actor(client, integration):
    command("integrations", "rotate-token", str(integration.pk))
    client.force_login(staff_member(integration.account, username="hannah"))

    page = client.get(integration_url("history", integration)).content.decode()

    assert COMMAND_LINE_ACTOR_PREFIX in page


# --- Engine keys --------------------------------------------------------------------------------


@pytest.fixture
def acme(db: None) -> factories.Account:
    return factories.AccountFactory.create(name="Acme Retail")


def test_creating_and_revoking_engine_keys_in_the_admin_are_recorded(client, acme):
    # given a Harver Admin of Acme
    client.force_login(staff_member(acme, username="hannah"))
    since = timezone.now()

    # when they create a key, then revoke it with the list's action
    client.post(reverse("admin:engine_engineapikey_add"), {"account": acme.pk, "name": "EU"})
    api_key = EngineApiKey.objects.get()
    client.post(
        reverse("admin:engine_engineapikey_changelist"),
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )

    # then both are recorded, by them, without the key's hash
    [created] = entries(EngineApiKey, api_key.pk, "key_last4", LogEntry.Action.CREATE)
    [revoked] = entries(EngineApiKey, api_key.pk, "revoked_at")
    assert_by(created, "hannah", since)
    assert_by(revoked, "hannah", since)
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert_no_entry_holds(api_key.key_hash)


def test_creating_and_revoking_engine_keys_on_the_command_line_are_recorded(acme):
    since = timezone.now()

    created_key = command("engine_keys", "create", "--account", str(acme.pk), "--name", "EU")
    api_key = EngineApiKey.objects.get()
    command("engine_keys", "revoke", str(api_key.pk))

    [created] = entries(EngineApiKey, api_key.pk, "key_last4", LogEntry.Action.CREATE)
    [revoked] = entries(EngineApiKey, api_key.pk, "revoked_at")
    assert_by_the_command_line(created, since)
    assert_by_the_command_line(revoked, since)
    assert_no_entry_holds(created_key["key"], api_key.key_hash)


def test_revoking_a_key_twice_records_it_once(acme):
    issued = keys.issue_key(acme, name="EU")

    assert keys.revoke_key(issued.api_key)
    assert not keys.revoke_key(issued.api_key)

    assert len(entries(EngineApiKey, issued.api_key.pk, "revoked_at")) == 1
