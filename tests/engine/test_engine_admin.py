"""Engine API keys in the admin: created per account, shown once, revoked; events read-only."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from engine import keys
from engine.models import EngineApiKey, EngineEvent
from tests import factories
from tests.admin_support import private_cache, staff_member  # noqa: F401
from tests.engine.conftest import post_event

pytestmark = pytest.mark.usefixtures("private_cache")

ADD_URL = reverse("admin:engine_engineapikey_add")
LIST_URL = reverse("admin:engine_engineapikey_changelist")


@pytest.fixture
def acme(db: None) -> factories.Account:
    return factories.AccountFactory.create(name="Acme Retail")


@pytest.fixture
def hannah(client: Client, acme: factories.Account) -> Client:
    client.force_login(staff_member(acme, username="hannah"))
    return client


def shown_key(page: str) -> str | None:
    match = re.search(r'id="new-engine-key" type="text" readonly value="([^"]+)"', page)
    return match.group(1) if match else None


def test_a_harver_admin_creates_a_key_and_sees_it_once(hannah: Client, acme) -> None:
    # when Hannah adds a key for Acme
    response = hannah.post(ADD_URL, {"account": acme.pk, "name": "Harver engine EU"})

    # then she lands on the key's page, which shows the key once
    api_key = EngineApiKey.objects.get()
    assert response.url == reverse("admin:engine_engineapikey_change", args=[api_key.pk])
    first = hannah.get(response.url).content.decode()
    key = shown_key(first)
    assert key is not None
    assert "Copy the new engine API key now" in first
    assert keys.key_for(key) == api_key
    assert api_key.created_by is not None
    assert api_key.created_by.username == "hannah"
    # and never again
    second = hannah.get(response.url).content.decode()
    assert shown_key(second) is None
    assert f"…{key[-4:]}" in second


def test_a_new_key_is_shown_only_to_the_admin_who_created_it(hannah: Client, acme) -> None:
    # given Hannah creates a key, and Oscar (another Harver Admin) and Victor (a viewer) of the
    # same account open its page before she does
    oscar, victor = Client(), Client()
    oscar.force_login(staff_member(acme, username="oscar"))
    victor.force_login(staff_member(acme, username="victor", harver_admin=False))
    response = hannah.post(ADD_URL, {"account": acme.pk, "name": "Harver engine EU"})
    pages = {
        name: client.get(response.url) for name, client in [("oscar", oscar), ("victor", victor)]
    }

    # then they see the key masked, and Hannah still sees it once
    api_key = EngineApiKey.objects.get()
    for page in pages.values():
        assert page.status_code == 200
        assert shown_key(page.content.decode()) is None
        assert f"…{api_key.key_last4}" in page.content.decode()
    key = shown_key(hannah.get(response.url).content.decode())
    assert key is not None
    assert keys.key_for(key) == api_key
    assert all(key not in page.content.decode() for page in pages.values())


def test_a_creator_who_lost_the_change_permission_does_not_see_the_key(
    hannah: Client, acme
) -> None:
    # given Hannah creates a key and leaves the Harver Admin group before opening its page
    response = hannah.post(ADD_URL, {"account": acme.pk})
    User.objects.get(username="hannah").groups.clear()

    # then the page shows it masked
    assert shown_key(hannah.get(response.url).content.decode()) is None


def test_it_offers_only_the_admins_own_accounts(hannah: Client, acme) -> None:
    other = factories.AccountFactory.create(name="Northwind")

    page = hannah.get(ADD_URL).content.decode()
    refused = hannah.post(ADD_URL, {"account": other.pk, "name": "x"})

    assert "Acme Retail" in page
    assert "Northwind" not in page
    assert refused.status_code == 200
    assert not EngineApiKey.objects.exists()


def test_another_accounts_key_is_a_404(hannah: Client) -> None:
    other = keys.issue_key(factories.AccountFactory.create(name="Northwind")).api_key

    response = hannah.get(reverse("admin:engine_engineapikey_change", args=[other.pk]))

    assert response.status_code == 404


def test_the_revoke_action_revokes_the_selected_keys(hannah: Client, acme) -> None:
    issued = [keys.issue_key(acme, name=f"key {n}") for n in range(2)]

    response = hannah.post(
        LIST_URL,
        {"action": "revoke", "_selected_action": [issued[0].api_key.pk]},
        follow=True,
    )

    assert "Revoked 1 engine API key(s)." in response.content.decode()
    assert keys.key_for(issued[0].key) is None
    assert keys.key_for(issued[1].key) == issued[1].api_key


def test_staff_outside_the_harver_admin_group_cannot_create_or_revoke(client: Client, acme) -> None:
    client.force_login(staff_member(acme, username="victor", harver_admin=False))
    issued = keys.issue_key(acme)

    add = client.post(ADD_URL, {"account": acme.pk})
    revoke = client.post(LIST_URL, {"action": "revoke", "_selected_action": [issued.api_key.pk]})

    assert add.status_code == 403
    assert revoke.status_code in (200, 302)
    assert keys.key_for(issued.key) == issued.api_key
    assert EngineApiKey.objects.count() == 1


def test_the_events_list_shows_what_the_engine_sent(client: Client, engine) -> None:
    client.force_login(staff_member(engine["account"], username="hannah"))
    post_event(engine, {"event_id": "evt-42", "type": "started"})
    event = EngineEvent.objects.get()

    listing = client.get(reverse("admin:engine_engineevent_changelist")).content.decode()
    detail = client.get(reverse("admin:engine_engineevent_change", args=[event.pk]))

    assert "evt-42" in listing
    assert detail.status_code == 200
    assert client.post(reverse("admin:engine_engineevent_add")).status_code == 403
