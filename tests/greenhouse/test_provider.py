"""Greenhouse as a registered provider: its credentials, what the admin pastes into Greenhouse,
and the problems it names before enabling."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

from harver_integration.tokens import ATS_TOKEN
from integrations import services
from integrations.models import AtsCredential, Integration
from integrations.providers import get_provider
from integrations.services import IntegrationError
from tests.factories import ready_integration
from tests.greenhouse.support import CLIENT_SECRET, WEBHOOK_SECRET, configure, credentials

pytestmark = pytest.mark.django_db


def run_json(*args: str, stdin: str | None = None, monkeypatch: Any = None) -> Any:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_provider_declares_harvest_v3_credentials_and_invites_by_stage():
    provider = get_provider("greenhouse")

    fields = {field.name: field for field in provider.credential_fields}
    assert list(fields) == [
        "client_id",
        "client_secret",
        "user_id",
        "webhook_secret",
        "job_code_field",
        "status_field",
    ]
    assert not fields["job_code_field"].required
    assert [name for name, field in fields.items() if field.secret] == [
        "client_secret",
        "webhook_secret",
    ]
    assert fields["webhook_secret"].keeps_previous
    assert provider.invites_by_stage
    assert [pattern.label for pattern in provider.allowed_patterns] == ["ATS First Ad-Hoc"]
    assert provider.declaration_problems() == []
    assert "Harvest V3 (OAuth)" in fields["client_id"].help_text
    assert "Site Admin" in fields["user_id"].help_text


def test_create_prints_the_webhook_url_with_the_token_once(account, public_base_url):
    output = run_json("integrations", "create", "--account", str(account.pk), "--ats", "greenhouse")

    token = output["token"]
    assert ATS_TOKEN.is_well_formed(token)
    [url, when] = output["inbound_setup"]
    assert url == {
        "label": "Webhook URL",
        "value": f"{public_base_url}/api/greenhouse/webhooks/{token}",
    }
    assert when == {"label": "When", "value": "Candidate has changed stage"}
    shown = run_json("integrations", "show", str(output["id"]))
    assert token not in json.dumps(shown)


def test_set_credentials_takes_the_four_fields_as_json(account, monkeypatch):
    integration = ready_integration(account, provider="greenhouse")

    run_json(
        "integrations",
        "set-credentials",
        str(integration.pk),
        "--from-json",
        "-",
        stdin=json.dumps(credentials()),
        monkeypatch=monkeypatch,
    )

    credential = AtsCredential.objects.get(integration=integration)
    assert credential.values == {"client_id": "gh-client-7d41c0", "user_id": "4080123"}
    assert credential.secret("client_secret") == CLIENT_SECRET
    assert credential.secret("webhook_secret") == WEBHOOK_SECRET
    assert CLIENT_SECRET not in json.dumps(credential.secrets)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"user_id": "jane"}, "numeric user id"),
        ({"user_id": "0"}, "numeric user id"),
        ({"client_id": "two words"}, "Client ID contains spaces"),
        ({"client_secret": "a b"}, "Client Secret contains spaces"),
        ({"job_code_field": "Harver Job Code"}, "lowercase letters, digits and underscores"),
        ({"status_field": "harver_status"}, 'A Greenhouse field id is "level:name_key"'),
    ],
)
def test_bad_credentials_are_refused_in_plain_words(account, values, problem):
    integration = ready_integration(account, provider="greenhouse")

    with pytest.raises(IntegrationError) as refused:
        services.set_ats_credentials(integration, **credentials(**values))

    assert problem in " ".join(refused.value.problems)


@pytest.mark.parametrize(
    ("field_id", "problem"),
    [
        ("harver_score", 'A Greenhouse field id is "level:name_key"'),
        ("job:harver_score", 'must be "candidate" or "application"'),
        ("candidate:Harver Score", "lowercase letters, digits and underscores"),
    ],
)
def test_an_ats_field_id_must_be_level_and_name_key(account, field_id, problem):
    integration, assessment, _ = configure(account, enable=False)

    with pytest.raises(IntegrationError) as refused:
        services.map_field(
            integration, assessment=assessment, score="overall", ats_field_id=field_id
        )

    assert problem in " ".join(refused.value.problems)
    services.map_field(
        integration, assessment=assessment, score="overall", ats_field_id="application:harver_score"
    )


def test_a_configured_integration_enables(account):
    integration, _, _ = configure(account, enable=False)

    assert services.local_problems(integration) == []
    assert services.enable_integration(integration).enabled


def test_the_enable_refusal_names_greenhouses_own_problems(account, settings: Settings):
    integration = ready_integration(account, provider="greenhouse")
    settings.GREENHOUSE_API_BASE_URL = "http://harvest.example.test/v3"
    settings.GREENHOUSE_NOTE_VISIBILITY = "everyone"

    problems = services.enable_integration(integration).problems

    assert "No Greenhouse Client ID is set (Credentials, Harver to ATS)." in problems
    assert "No Greenhouse webhook Secret Key is set (Credentials, Harver to ATS)." in problems
    assert (
        "GREENHOUSE_API_BASE_URL (http://harvest.example.test/v3) is not https; only a sandbox "
        "may use http (GREENHOUSE_API_ALLOW_INSECURE)." in problems
    )
    assert any(problem.startswith("GREENHOUSE_NOTE_VISIBILITY") for problem in problems)
    assert "No stage is mapped to an assessment (Harver to ATS, Assessments)." in problems
    assert not Integration.objects.get(pk=integration.pk).is_enabled


def test_a_webhook_url_must_be_https(account, settings: Settings):
    integration, _, _ = configure(account, enable=False)
    settings.PUBLIC_BASE_URL = "http://integrations.harver.test"

    assert services.local_problems(integration) == [
        "Greenhouse accepts only https web hook URLs, and PUBLIC_BASE_URL "
        "(http://integrations.harver.test) is not https."
    ]
