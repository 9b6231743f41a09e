"""`manage.py rotate_encryption_keys`: after it runs, the old key can be dropped safely."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from pytest_django.fixtures import Settings

from harver_integration.crypto import SecretDecryptionError, generate_key
from integrations import services
from integrations.models import AtsCredential, Integration
from tests import factories


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def raw_tokens() -> dict[int, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT integration_id, secrets FROM integrations_atscredential")
        rows = cursor.fetchall()
    parsed = {pk: json.loads(value) if isinstance(value, str) else value for pk, value in rows}
    return {pk: secrets.get("token") for pk, secrets in parsed.items()}


def tokens() -> dict[int, str | None]:
    return {
        credential.integration_id: credential.secret("token") or None
        for credential in AtsCredential.objects.select_related("integration")
    }


@pytest.fixture
def old_key(settings: Settings) -> str:
    key = generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [key]
    return key


@pytest.fixture
def credentials(old_key: str, integration: Integration) -> dict[int, str | None]:
    """Two tokens written under the old key, and one integration with no token at all."""
    second = factories.ready_integration(factories.AccountFactory.create())
    untouched = factories.ready_integration(factories.AccountFactory.create())
    services.set_ats_credentials(integration, token="wk-first-token-1111")
    services.set_ats_credentials(second, token="wk-second-token-2222")
    return {
        integration.pk: "wk-first-token-1111",
        second.pk: "wk-second-token-2222",
        untouched.pk: None,
    }


def test_it_reencrypts_every_token_so_the_old_key_can_go(
    settings: Settings, old_key: str, credentials: dict[int, str | None]
) -> None:
    # given a new key put first, the old one still listed
    before = raw_tokens()
    updated_at = dict(AtsCredential.objects.values_list("pk", "updated_at"))
    settings.FIELD_ENCRYPTION_KEYS = [generate_key(), old_key]

    # when the keys are rotated
    output = json.loads(run("rotate_encryption_keys", "--json"))

    # then both tokens were re-encrypted (the empty one skipped), and only that column changed
    assert output["models"]["integrations.AtsCredential"] == 2
    assert output["total"] == sum(output["models"].values())
    after = raw_tokens()
    assert all(after[pk] != before[pk] for pk, token in credentials.items() if token)
    assert dict(AtsCredential.objects.values_list("pk", "updated_at")) == updated_at
    # and with the new key alone every token still decrypts
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    assert tokens() == credentials


def test_it_leaves_tokens_unreadable_by_any_other_key(
    settings: Settings, old_key: str, credentials: dict[int, str | None]
) -> None:
    # given the tokens re-encrypted with a new key
    settings.FIELD_ENCRYPTION_KEYS = [generate_key(), old_key]
    run("rotate_encryption_keys")

    # when only an unrelated key is configured
    settings.FIELD_ENCRYPTION_KEYS = [generate_key()]

    # then reading a token raises instead of returning ciphertext
    with pytest.raises(SecretDecryptionError):
        tokens()


def test_it_changes_nothing_when_a_value_cannot_be_decrypted(
    settings: Settings, credentials: dict[int, str | None]
) -> None:
    # given a new key listed without the old one
    before = raw_tokens()
    settings.FIELD_ENCRYPTION_KEYS = [generate_key()]

    # when the keys are rotated
    with pytest.raises(
        CommandError, match=r"A value of integrations\.AtsCredential\.secrets \('token' of row"
    ):
        run("rotate_encryption_keys")

    # then every stored value is as it was
    assert raw_tokens() == before


def test_it_reports_counts_in_readable_lines(
    settings: Settings, old_key: str, credentials: dict[int, str | None]
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [generate_key(), old_key]

    output = run("rotate_encryption_keys")

    assert "integrations.AtsCredential: 2 value(s) re-encrypted" in output.splitlines()
