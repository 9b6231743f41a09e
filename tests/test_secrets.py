"""Secrets at rest: the Workable token is encrypted, the ATS to Harver token is only hashed."""

import json
import os
import shutil
import subprocess

import pytest
from django.db import connection
from django.test import override_settings

from harver_integration.crypto import SecretDecryptionError, generate_key
from integrations import services
from integrations.models import AtsCredential
from tests.db_scan import tables_containing

WORKABLE_TOKEN = "wk-live-3f9a8c1d2e4b5a6978675645342312ab"


def test_it_stores_no_plaintext_token_in_any_table(integration):
    # given an integration with both tokens
    inbound_token = services.rotate_inbound_token(integration)
    services.set_ats_credentials(integration, subdomain="acme", token=WORKABLE_TOKEN)

    # then neither appears in any column of any table
    assert tables_containing(WORKABLE_TOKEN) == []
    assert tables_containing(inbound_token) == []
    # and the sanity check of the scan itself: the subdomain is found
    assert tables_containing("acme") != []


def test_it_stores_the_workable_token_as_fernet_ciphertext(integration):
    services.set_ats_credentials(integration, token=WORKABLE_TOKEN)

    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM integrations_atscredential")
        (stored,) = cursor.fetchone()

    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored["token"].startswith("gAAAA")
    assert AtsCredential.objects.get(integration=integration).secret("token") == WORKABLE_TOKEN


def test_it_raises_instead_of_returning_ciphertext_with_a_wrong_key(integration):
    services.set_ats_credentials(integration, token=WORKABLE_TOKEN)

    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[generate_key()]),
        pytest.raises(SecretDecryptionError, match="The stored API token cannot be read"),
    ):
        AtsCredential.objects.get(integration=integration).secret("token")


def test_it_decrypts_with_an_older_key_still_on_the_list(integration, settings):
    services.set_ats_credentials(integration, token=WORKABLE_TOKEN)

    settings.FIELD_ENCRYPTION_KEYS = [generate_key(), *settings.FIELD_ENCRYPTION_KEYS]

    assert AtsCredential.objects.get(integration=integration).secret("token") == WORKABLE_TOKEN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_leaves_no_plaintext_token_in_a_full_pg_dump(account, assessments):
    # given tokens committed to PostgreSQL
    from tests.factories import ready_integration

    integration = ready_integration(account)
    inbound_token = services.rotate_inbound_token(integration)
    services.set_ats_credentials(integration, subdomain="acme", token=WORKABLE_TOKEN)
    assert shutil.which("pg_dump"), "pg_dump is needed for this test"
    settings_dict = connection.settings_dict

    # when the whole database is dumped
    dump = subprocess.run(
        [
            "pg_dump",
            "--host",
            settings_dict["HOST"] or "127.0.0.1",
            "--port",
            str(settings_dict["PORT"] or 5432),
            "--username",
            settings_dict["USER"],
            "--no-password",
            settings_dict["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""},
    ).stdout

    # then neither token is in it, though the data is
    assert "acme" in dump
    assert WORKABLE_TOKEN not in dump
    assert inbound_token not in dump
