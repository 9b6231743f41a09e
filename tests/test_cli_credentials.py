"""`manage.py integrations set-credentials` and `show` for any provider: the fields as one JSON
object on standard input, the options a provider declares, every refusal named."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations import services
from integrations.models import AtsCredential, Integration
from tests import factories
from tests.provider_doubles import VaultProvider, vault_fixture  # noqa: F401 (fixture)

WORKABLE_TOKEN = "wk-live-json-0123456789abcdef"
CLIENT_SECRET = "vault-client-secret-5e1f0a9b7c3d"


def run(*args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch) -> Any:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("integrations", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def vault_integration(account: factories.Account, vault: type[VaultProvider]) -> Integration:
    return factories.ready_integration(account, vault.key)


# --- --from-json --------------------------------------------------------------------------------


def test_it_takes_workables_fields_and_expiry_as_one_json_object(
    integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    # when the credentials are piped in as JSON
    body = {
        "subdomain": "Acme",
        "token": WORKABLE_TOKEN,
        "note_author_member_id": "m-7",
        "expires_on": "2031-01-31",
    }
    output = run(
        "set-credentials",
        str(integration.pk),
        "--from-json",
        "-",
        stdin=json.dumps(body),
        monkeypatch=monkeypatch,
    )

    # then each is stored (the subdomain lowercased), and the output has no secret
    credential = AtsCredential.objects.get(integration=integration)
    assert credential.values == {"subdomain": "acme", "note_author_member_id": "m-7"}
    assert credential.secret("token") == WORKABLE_TOKEN
    assert str(credential.expires_on) == "2031-01-31"
    assert WORKABLE_TOKEN not in json.dumps(output)
    assert output["credentials"]["token"]["ends_with"] == WORKABLE_TOKEN[-4:]


def test_a_null_expiry_in_json_clears_it(
    integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.set_ats_credentials(integration, token=WORKABLE_TOKEN, expires_on=None)
    AtsCredential.objects.filter(integration=integration).update(expires_on="2031-01-31")

    output = run(
        "set-credentials",
        str(integration.pk),
        "--from-json",
        "-",
        stdin='{"expires_on": null}',
        monkeypatch=monkeypatch,
    )

    assert output["credentials"]["expires_on"] is None
    assert AtsCredential.objects.get(integration=integration).secret("token") == WORKABLE_TOKEN


def test_it_names_every_unknown_mistyped_or_invalid_field_and_stores_nothing(
    integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given JSON with a valid field, an unknown one, two of the wrong type and a bad value
    body = {
        "token": WORKABLE_TOKEN,
        "client_id": "abc",
        "note_author_member_id": 42,
        "subdomain": "acme.workable.com",
        "expires_on": "next year",
    }
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(body)))

    # when it is given to set-credentials
    with pytest.raises(CommandError) as refusal:
        call_command("integrations", "set-credentials", str(integration.pk), "--from-json", "-")

    # then the command fails, naming each, and nothing was stored
    assert str(refusal.value).splitlines() == [
        "expires_on: must be a date in the form YYYY-MM-DD, or null.",
        "client_id: not a credential of Workable (its fields: subdomain, token, "
        "note_author_member_id).",
        "subdomain: Enter the subdomain only (lowercase letters, digits and hyphens), e.g. "
        "'acme' for acme.workable.com.",
        "note_author_member_id: must be text, not a number.",
    ]
    credential = AtsCredential.objects.get(integration=integration)
    assert (credential.values, credential.secrets) == ({}, {})


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("subdomain=acme", "Standard input is not JSON"),
        ('["acme"]', "Standard input must be one JSON object of credential fields"),
        ("{}", "Standard input must be one JSON object of credential fields"),
    ],
    ids=["not JSON", "not an object", "empty"],
)
def test_it_refuses_input_that_is_not_one_json_object(
    integration: Integration, monkeypatch: pytest.MonkeyPatch, stdin: str, message: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))

    with pytest.raises(CommandError, match=message):
        call_command("integrations", "set-credentials", str(integration.pk), "--from-json", "-")


def test_it_refuses_json_together_with_options(integration: Integration) -> None:
    with pytest.raises(CommandError, match="either as one JSON object"):
        call_command(
            "integrations",
            "set-credentials",
            str(integration.pk),
            "--from-json",
            "-",
            "--subdomain",
            "acme",
        )


# --- Any provider -------------------------------------------------------------------------------


def test_another_provider_takes_its_own_fields_and_shows_its_secrets_only_as_set(
    vault_integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    # when a provider's credentials are piped in as JSON
    body = {"client_id": "client-42", "client_secret": CLIENT_SECRET, "user_id": "1234"}
    run(
        "set-credentials",
        str(vault_integration.pk),
        "--from-json",
        "-",
        stdin=json.dumps(body),
        monkeypatch=monkeypatch,
    )

    # then show lists each of its fields, the secrets as set or not set, never their values
    shown = run("show", str(vault_integration.pk), monkeypatch=monkeypatch)
    assert shown["credentials"] == {
        "client_id": "client-42",
        "client_secret": {
            "set": True,
            "ends_with": CLIENT_SECRET[-4:],
            "set_at": shown["credentials"]["client_secret"]["set_at"],
            "readable": True,
        },
        "user_id": "1234",
        "webhook_secret": {"set": False, "ends_with": None, "set_at": None, "readable": None},
        "verified_at": None,
    }
    assert CLIENT_SECRET not in json.dumps(shown)
    # and its state and mappings are there as for any integration
    assert shown["ats"] == "vaultats"
    assert shown["enabled"] is False
    assert shown["field_mappings"] == []


def test_the_text_output_names_each_field_by_its_label(
    vault_integration: Integration,
) -> None:
    services.set_ats_credentials(vault_integration, client_id="client-42")
    out = io.StringIO()

    call_command("integrations", "show", str(vault_integration.pk), stdout=out)

    assert "  Client ID: client-42" in out.getvalue().splitlines()
    assert "  Client Secret: not set" in out.getvalue().splitlines()


def test_a_provider_declares_its_own_options(
    vault_integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = run(
        "set-credentials",
        str(vault_integration.pk),
        "--client-id",
        "client-42",
        monkeypatch=monkeypatch,
    )

    assert output["credentials"]["client_id"] == "client-42"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--subdomain", "acme"], "--subdomain is not an option of Vault ATS integrations."),
        (["--member-id", "m-1"], "--member-id is not an option of Vault ATS integrations."),
        (["--expires", "2031-01-31"], "Vault ATS credentials have no expiry."),
        ([], "Nothing to change: give --from-json - or --client-id."),
    ],
    ids=["subdomain", "member id", "expiry", "nothing"],
)
def test_it_refuses_another_providers_options(
    vault_integration: Integration, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("integrations", "set-credentials", str(vault_integration.pk), *args)


def test_the_help_lists_each_providers_options_with_its_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        call_command("integrations", "set-credentials", "--help")

    help_text = " ".join(capsys.readouterr().out.split())
    assert "--subdomain VALUE Workable's subdomain." in help_text
    assert "--token-stdin Read Workable's API token from standard input" in help_text
    assert "--member-id VALUE Workable's timeline note author." in help_text
    assert "--from-json -" in help_text
