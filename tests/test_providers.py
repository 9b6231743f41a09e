"""The Provider interface: what a provider declares, checked at start-up, and what the core
builds from it (the ATS to Harver tab, the command line's set-up output)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from integrations import services, token_reveal
from integrations.provider_types import CredentialField, Pattern
from integrations.providers import Provider, check_providers, get_provider
from tests import factories
from tests.admin_support import integration_url, private_cache, staff_member  # noqa: F401
from tests.provider_doubles import VaultProvider, register, vault_fixture  # noqa: F401


class MisdeclaredProvider(Provider):
    key = "misdeclared"
    label = "Misdeclared ATS"
    allowed_patterns = (Pattern.ATS_FIRST_AD_HOC,)
    credential_fields = (
        CredentialField("token", "token", secret=True, expiry_label="token expiry"),
        CredentialField("token", "token again"),
        CredentialField("expires_on", "expiry"),
        CredentialField("site", "site", expiry_label="site expiry"),
    )
    member_field = "author"


def test_every_registered_provider_declares_its_credentials_consistently() -> None:
    assert check_providers() == []
    call_command("check")


def test_it_names_each_inconsistent_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a provider whose declarations contradict each other
    register(monkeypatch, MisdeclaredProvider)

    # when the system checks run
    messages = [message.msg for message in check_providers()]

    # then each contradiction is named
    assert messages == [
        "Provider 'misdeclared': token: declared twice.",
        "Provider 'misdeclared': expires_on: a name the core uses.",
        "Provider 'misdeclared': site: only a secret can expire.",
        "Provider 'misdeclared': Only one credential field can have an expiry.",
        "Provider 'misdeclared': member_field 'author' is not a credential field.",
    ]


def test_workable_pastes_a_base_url_and_the_token_only_when_just_minted(
    integration: factories.Integration, public_base_url: str
) -> None:
    provider = get_provider("workable")

    assert provider.inbound_setup(integration, "hvr_ats_new") == [
        ("Provider base URL", f"{public_base_url}/api/workable"),
        ("Token", "hvr_ats_new"),
    ]
    assert provider.inbound_setup(integration, None) == [
        ("Provider base URL", f"{public_base_url}/api/workable")
    ]


@pytest.mark.usefixtures("private_cache")
def test_the_ats_to_harver_tab_shows_what_the_provider_asks_to_paste(
    client: Client, account: factories.Account, vault: type[VaultProvider], public_base_url: str
) -> None:
    # given an integration of a provider that is pasted a webhook URL holding the token
    integration = factories.ready_integration(account, vault.key)
    hannah = staff_member(account, username="hannah")
    token = services.rotate_inbound_token(integration, actor=hannah)
    token_reveal.stash(integration.pk, token, minted_by=hannah.pk)
    client.force_login(hannah)
    tab = integration_url("overview", integration, "credentials=ats-to-harver")

    # when the ATS to Harver tab is opened, twice
    first = client.get(tab).content.decode()
    second = client.get(tab).content.decode()

    # then the URL with the token is shown once, with the provider's own instructions
    webhook_url = f"{public_base_url}/api/vaultats/hooks/{token}"
    assert "Create a webhook in Vault ATS and paste this URL into it." in first
    assert '<label for="ats-to-harver-token">Webhook URL</label>' in first
    assert f'value="{webhook_url}"' in first
    assert "Copy the token now: it is shown only this once." in first
    assert token not in second
    assert f"…{token[-4:]}" in second
    assert "Provider base URL" not in first + second


def test_the_command_line_prints_what_the_provider_asks_to_paste(
    account: factories.Account, vault: type[VaultProvider], public_base_url: str
) -> None:
    out = io.StringIO()
    call_command(
        "integrations",
        "create",
        "--account",
        str(account.pk),
        "--ats",
        vault.key,
        "--json",
        stdout=out,
    )

    output = json.loads(out.getvalue())
    assert output["inbound_setup"] == [
        {
            "label": "Webhook URL",
            "value": f"{public_base_url}/api/vaultats/hooks/{output['token']}",
        }
    ]
