"""A provider double shaped like the next ATS, to show the core carries credentials it does not
know: a client id and secret, a user id and a webhook secret key, with no expiry, pasted into
the ATS as one webhook URL."""

from __future__ import annotations

import pytest

from integrations import registry
from integrations.models import AtsCredential, Integration
from integrations.provider_types import CredentialField, Pattern
from integrations.providers import Provider
from integrations.registry import ProviderEntry


def digits_only(value: str) -> str | None:
    return None if value.isascii() and value.isdigit() else "Enter the user's numeric id."


class VaultProvider(Provider):
    key = "vaultats"
    label = "Vault ATS"
    allowed_patterns = (Pattern.ATS_FIRST_AD_HOC,)
    credential_fields = (
        CredentialField("client_id", "Client ID", cli_flag="--client-id"),
        CredentialField("client_secret", "Client Secret", secret=True),
        CredentialField(
            "user_id", "User ID", validate=digits_only, help_text="A Site Admin's numeric id."
        ),
        CredentialField("webhook_secret", "Secret Key", secret=True, required=False),
    )
    inbound_instructions = "Create a webhook in Vault ATS and paste this URL into it."

    def inbound_setup(
        self, integration: Integration, inbound_token: str | None
    ) -> list[tuple[str, str]]:
        if not inbound_token:
            return []
        return [("Webhook URL", f"{self.inbound_base_url()}/hooks/{inbound_token}")]

    def local_problems(
        self, integration: Integration, credential: AtsCredential | None
    ) -> list[str]:
        if credential is not None and credential.value("user_id") == "1":
            return ["User 1 is Vault ATS's own robot: choose a Site Admin."]
        return []


def register(monkeypatch: pytest.MonkeyPatch, provider: type[Provider]) -> None:
    """Put `provider` in the registry for one test."""
    path = f"{provider.__module__}.{provider.__qualname__}"
    entry = ProviderEntry(provider.label, path, app=provider.__module__)
    monkeypatch.setitem(registry.PROVIDERS, provider.key, entry)


@pytest.fixture(name="vault")
def vault_fixture(monkeypatch: pytest.MonkeyPatch) -> type[VaultProvider]:
    register(monkeypatch, VaultProvider)
    return VaultProvider
