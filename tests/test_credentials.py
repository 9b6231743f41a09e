"""Credentials the core stores for any provider: validated by its fields, secrets encrypted and
write-only, checked before enabling, shown on the Harver to ATS tab and in the history.

The provider double (`tests.provider_doubles.VaultProvider`) has the next ATS's shape: a client
id and secret, a numeric user id, an optional webhook secret key, and no expiry.
"""

from __future__ import annotations

import datetime
import io
import json
import sys
from html import unescape

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from integrations import services
from integrations.models import AtsCredential, Integration
from tests import factories
from tests.admin_support import (  # noqa: F401 (fixtures)
    integration_url,
    private_cache,
    staff_member,
)
from tests.db_scan import tables_containing
from tests.provider_doubles import VaultProvider, vault_fixture  # noqa: F401 (fixture)

CLIENT_SECRET = "vault-client-secret-5e1f0a9b7c3d"
WEBHOOK_SECRET = "vault-webhook-key-77aa88bb99cc"

pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture
def vault_integration(account: factories.Account, vault: type[VaultProvider]) -> Integration:
    return factories.ready_integration(account, vault.key)


@pytest.fixture
def admin_client(client: Client, vault_integration: Integration) -> Client:
    client.force_login(staff_member(vault_integration.account, username="hannah"))
    return client


def _save(client: Client, integration: Integration, data: dict[str, str]) -> str:
    response = client.post(integration_url("harver_to_ats", integration), data)
    return response.content.decode() if response.status_code == 200 else ""


# --- Storage ------------------------------------------------------------------------------------


def test_it_stores_a_providers_values_and_encrypts_only_its_secrets(
    vault_integration: Integration,
) -> None:
    # when the double's four fields are set
    services.set_ats_credentials(
        vault_integration,
        client_id="client-42",
        client_secret=CLIENT_SECRET,
        user_id="1234",
        webhook_secret=WEBHOOK_SECRET,
    )

    # then the values are stored as given, the secrets only encrypted, each with its hint
    credential = AtsCredential.objects.get(integration=vault_integration)
    assert credential.values == {"client_id": "client-42", "user_id": "1234"}
    assert credential.secret("client_secret") == CLIENT_SECRET
    assert credential.secret("webhook_secret") == WEBHOOK_SECRET
    hint = credential.hint("client_secret")
    assert hint is not None
    assert hint.last4 == CLIENT_SECRET[-4:]
    assert tables_containing(CLIENT_SECRET) == []
    assert tables_containing(WEBHOOK_SECRET) == []


def test_it_names_each_field_it_refuses_and_stores_none_of_them(
    vault_integration: Integration,
) -> None:
    # when unknown, mistyped and invalid values come together with a valid one
    with pytest.raises(services.IntegrationError) as refusal:
        services.set_ats_credentials(
            vault_integration,
            client_id="client-42",
            subdomain="acme",
            user_id="forty-two",
            client_secret="two words",
            webhook_secret=7,
        )

    # then each refused field is named, and nothing was stored
    assert refusal.value.problems == [
        "subdomain: not a credential of Vault ATS (its fields: client_id, client_secret, "
        "user_id, webhook_secret).",
        "user_id: Enter the user's numeric id.",
        "client_secret: The Client Secret contains spaces or line breaks; paste the one "
        "Client Secret exactly as the ATS shows it.",
        "webhook_secret: must be text, not int.",
    ]
    assert AtsCredential.objects.get(integration=vault_integration).values == {}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("tab\there", "contains spaces or line breaks"),
        ("two\nlines", "contains spaces or line breaks"),
        ("bell\x07char", "contains control characters"),
        ("zero\u200bwidth", "contains control characters"),
        ("", "is empty"),
    ],
    ids=["tab", "newline", "control", "format character", "empty"],
)
def test_a_secret_refuses_what_cannot_be_part_of_one(
    vault_integration: Integration, value: str, problem: str
) -> None:
    with pytest.raises(services.IntegrationError, match=problem):
        services.set_ats_credentials(vault_integration, client_secret=value)


def test_a_provider_without_an_expiry_refuses_one(vault_integration: Integration) -> None:
    with pytest.raises(services.IntegrationError, match=r"Vault ATS credentials have no expiry\."):
        services.set_ats_credentials(vault_integration, expires_on=datetime.date(2030, 1, 1))


def test_a_short_secret_keeps_even_its_last_four_characters(
    vault_integration: Integration,
) -> None:
    services.set_ats_credentials(vault_integration, webhook_secret="s3cr3t")

    hint = AtsCredential.objects.get(integration=vault_integration).hint("webhook_secret")
    assert hint is not None
    assert (hint.last4, hint.set_at is not None) == ("", True)


def test_a_new_secret_clears_the_last_verification_but_a_value_does_not(
    vault_integration: Integration,
) -> None:
    AtsCredential.objects.filter(integration=vault_integration).update(
        verification={"ok": True}, verified_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )

    services.set_ats_credentials(vault_integration, client_id="client-43")
    assert AtsCredential.objects.get(integration=vault_integration).verification == {"ok": True}

    services.set_ats_credentials(vault_integration, client_secret=CLIENT_SECRET)
    credential = AtsCredential.objects.get(integration=vault_integration)
    assert (credential.verification, credential.verified_at) == ({}, None)


# --- Enabling -----------------------------------------------------------------------------------


def test_it_names_each_required_field_missing_then_the_providers_own_problem(
    vault_integration: Integration,
) -> None:
    # given a fresh integration: nothing set
    assert services.local_problems(vault_integration)[:3] == [
        "No Vault ATS Client ID is set (Credentials, Harver to ATS).",
        "No Vault ATS Client Secret is set (Credentials, Harver to ATS).",
        "No Vault ATS User ID is set (Credentials, Harver to ATS).",
    ]

    # when the required fields are set, the optional secret key left out, a user the ATS refuses
    services.set_ats_credentials(
        vault_integration, client_id="client-42", client_secret=CLIENT_SECRET, user_id="1"
    )

    # then only the provider's own check remains about the credentials
    problems = services.local_problems(vault_integration)
    assert "User 1 is Vault ATS's own robot: choose a Site Admin." in problems
    assert not [problem for problem in problems if "is set (Credentials" in problem]


# --- The Harver to ATS tab ----------------------------------------------------------------------


def test_the_tab_has_one_input_per_field_and_never_shows_a_secret(
    admin_client: Client, vault_integration: Integration
) -> None:
    # given the secrets set once
    services.set_ats_credentials(
        vault_integration, client_id="client-42", client_secret=CLIENT_SECRET, user_id="1234"
    )

    # when the tab is opened
    page = unescape(
        admin_client.get(integration_url("overview", vault_integration)).content.decode()
    )

    # then each field has its input, values filled in, secrets blank and shown by their hint
    assert 'name="client_id" value="client-42"' in page
    assert 'name="user_id" value="1234"' in page
    assert '<input type="password" name="client_secret"' in page
    assert CLIENT_SECRET not in page
    assert f"…{CLIENT_SECRET[-4:]}" in page
    assert "Leave it blank to keep the current Client Secret." in page
    assert "A Site Admin's numeric id." in page
    # and no expiry: this provider's credentials do not expire
    assert "expiry" not in page.split('id="harver-to-ats-form"')[1].split("</form>")[0]


def test_the_tab_keeps_a_secret_left_blank_and_names_a_bad_value(
    admin_client: Client, vault_integration: Integration
) -> None:
    services.set_ats_credentials(vault_integration, client_secret=CLIENT_SECRET)

    refused = _save(admin_client, vault_integration, {"client_id": "c", "user_id": "abc"})
    saved = admin_client.post(
        integration_url("harver_to_ats", vault_integration),
        {"client_id": "client-42", "client_secret": "", "user_id": "1234"},
    )

    assert "Enter the user's numeric id." in unescape(refused)
    assert saved.status_code == 302
    credential = AtsCredential.objects.get(integration=vault_integration)
    assert credential.secret("client_secret") == CLIENT_SECRET
    assert credential.values == {"client_id": "client-42", "user_id": "1234"}


@pytest.mark.parametrize(
    "token",
    ["wk-live token-with-a-space", "wk-live-\x00-null", "wk-live-\x1b-escape", "two\r\nlines"],
    ids=["space", "null", "escape", "line break"],
)
def test_the_workable_token_field_refuses_whitespace_and_control_characters(
    client: Client, integration: Integration, token: str
) -> None:
    # given a Harver Admin pasting a token with something no token contains
    client.force_login(staff_member(integration.account, username="hannah"))

    # when the Harver to ATS form is saved
    response = client.post(
        integration_url("harver_to_ats", integration), {"subdomain": "acme", "token": token}
    )

    # then the form says why next to the token, stores nothing and does not echo it
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="form-row errors field-token"' in page
    assert token not in page
    assert not AtsCredential.objects.get(integration=integration).has_secret("token")


ODD_SECRETS = {
    "space": "vault secret",
    "tab": "vault\tsecret",
    "line break": "vault\r\nsecret",
    "no-break space": "vault\u00a0secret",
    "line separator": "vault\u2028secret",
    "null": "vault\x00secret",
    "escape": "vault\x1bsecret",
    "bell": "vault\x07secret",
    "zero width": "vault\u200bsecret",
    "direction mark": "vault\u202esecret",
}


@pytest.mark.parametrize("secret", ODD_SECRETS.values(), ids=ODD_SECRETS.keys())
def test_the_admin_secret_field_refuses_what_the_command_line_refuses_in_its_words(
    admin_client: Client,
    vault_integration: Integration,
    monkeypatch: pytest.MonkeyPatch,
    secret: str,
) -> None:
    # given a secret with whitespace or a control character inside
    # when the command line is given it
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({"client_secret": secret})))
    with pytest.raises(CommandError) as cli_refusal:
        call_command(
            "integrations", "set-credentials", str(vault_integration.pk), "--from-json", "-"
        )
    # and the Harver to ATS form is saved with it
    response = admin_client.post(
        integration_url("harver_to_ats", vault_integration),
        {"client_id": "client-42", "client_secret": secret, "user_id": "1234"},
    )

    # then both refuse it with the same sentence, and nothing is stored
    assert response.status_code == 200
    form_errors = response.context["harver_to_ats_form"].errors["client_secret"]
    assert [f"client_secret: {error}" for error in form_errors] == [str(cli_refusal.value)]
    assert not AtsCredential.objects.get(integration=vault_integration).has_secret("client_secret")


# --- History and the list -----------------------------------------------------------------------


def test_the_history_names_the_changed_fields_and_a_secret_only_by_its_hint(
    admin_client: Client, vault_integration: Integration
) -> None:
    # when a value and a secret are saved through the tab
    admin_client.post(
        integration_url("harver_to_ats", vault_integration),
        {"client_id": "client-42", "client_secret": CLIENT_SECRET, "user_id": "1234"},
    )

    # then the history lists the fields by their labels, the secret as a change of its hint
    history = admin_client.get(integration_url("history", vault_integration)).content.decode()
    assert "Client ID, Client Secret ends with, User ID" in history
    assert CLIENT_SECRET not in history
    assert not any(CLIENT_SECRET in str(entry.changes) for entry in LogEntry.objects.all())


def test_the_list_shows_each_secret_by_its_hint(
    admin_client: Client, vault_integration: Integration
) -> None:
    services.set_ats_credentials(vault_integration, client_secret=CLIENT_SECRET)

    listed = admin_client.get(reverse("admin:integrations_integration_changelist"))

    assert f"Client Secret …{CLIENT_SECRET[-4:]}" in listed.content.decode()
    assert CLIENT_SECRET not in listed.content.decode()
