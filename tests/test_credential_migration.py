"""The migration to generic credentials, run on a copy of real-looking Workable data.

Integrations configured the way they are today (a subdomain, an encrypted API token with its
hint and expiry, a note author, a verification; field mappings, an invitation, deliveries still
owed) are written with the schema before the migration, migrated, and must then read back
unchanged through the provider's fields and keep delivering.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import responses
from pytest_django.fixtures import Settings
from responses import matchers

from assessments import lifecycle
from harver_integration.crypto import SecretDecryptionError, generate_key
from integrations import services
from integrations.models import AtsCredential, Delivery, Integration, SecretHint
from tests import factories
from tests.migration_support import schema_before
from tests.workable.delivery_support import (
    CALLBACK_URL,
    CANDIDATE_ID,
    MEMBER_ID,
    RESULT,
    SPI,
    configure,
    invite,
)

MIGRATION = ("integrations", "0007_generic_credentials")
ACME_TOKEN = "wk-live-3f9a8c1d2e4b5a6978675645342312ab"
NORTHWIND_TOKEN = "wk-live-northwind-0000a1b2c3d4"
LOST_TOKEN = "wk-live-lost-key-99990000ffff"
SET_AT = datetime.datetime(2026, 3, 14, 9, 26, 53, tzinfo=datetime.UTC)
VERIFICATION = {
    "ok": True,
    "problems": [],
    "scopes": {"r_jobs": "verified", "r_candidates": "verified", "w_candidates": "verified"},
    "members": [{"id": MEMBER_ID, "label": "Rita Recruiter (rita@acme.example)"}],
    "custom_attributes": ["harver_c", "harver_score"],
    "checked_at": SET_AT.isoformat(),
}

pytestmark = [pytest.mark.django_db(transaction=True)]


def _store_as_today(old_apps: Any, integration: Integration, **columns: Any) -> None:
    """Fill today's Workable-shaped columns, as the code before the migration stored them."""
    model = old_apps.get_model("integrations", "AtsCredential")
    credential = model.objects.get(integration_id=integration.pk)
    for name, value in columns.items():
        setattr(credential, name, value)
    credential.save()  # the old token column encrypts with the keys configured at this moment


def _fake_workable() -> None:
    """Workable answering only requests that carry acme's token."""
    auth = matchers.header_matcher({"Authorization": f"Bearer {ACME_TOKEN}"})
    responses.put(CALLBACK_URL, json={}, match=[auth])
    jane = {"id": CANDIDATE_ID, "email": "jane.doe@example.com", "job": {"shortcode": "A1B2C3"}}
    responses.get(f"{SPI}/candidates", json={"candidates": [jane]}, match=[auth])
    responses.post(
        f"{SPI}/candidates/{CANDIDATE_ID}/comments",
        json={"id": "note1"},
        match=[auth, matchers.json_params_matcher({"member_id": MEMBER_ID}, strict_match=False)],
    )
    responses.patch(
        f"{SPI}/candidates/{CANDIDATE_ID}/update_custom_attribute_value", json={}, match=[auth]
    )


@responses.activate
def test_todays_workable_credentials_survive_the_migration_and_keep_delivering(
    settings: Settings, tmp_path: Any
) -> None:
    # given three configured integrations with mappings, one with an invited candidate
    settings.VAR_DIR = tmp_path
    settings.WORKABLE_RATE_LIMIT_REQUESTS = 1000
    old_key, lost_key, new_key = generate_key(), generate_key(), generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    _fake_workable()
    acme, assessment = configure(
        factories.AccountFactory.create(name="Acme Retail"), token=ACME_TOKEN
    )
    northwind, _ = configure(factories.AccountFactory.create(name="Northwind"))
    lost, _ = configure(factories.AccountFactory.create(name="Lost Key Ltd"))
    fresh = factories.ready_integration(factories.AccountFactory.create(name="Fresh"))
    candidate = invite(acme, assessment, "jane.doe@example.com")
    mappings = sorted(acme.field_mappings.values_list("score", "ats_field_id", "send_status"))
    # ... whose results are owed while the integration is switched off (held, not sent)
    services.disable_integration(acme)
    lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)
    held = Delivery.objects.filter(integration=acme, state=Delivery.State.HELD)
    assert sorted(held.values_list("kind", flat=True)) == ["comment", "field", "field", "status"]
    held_ids = list(held.values_list("pk", flat=True))

    with schema_before(MIGRATION) as old_apps:
        # ... and credentials stored as today: acme's and northwind's token under the key in use
        # then, lost's under a key that is then lost; fresh has none yet
        _store_as_today(
            old_apps,
            acme,
            subdomain="acme",
            token=ACME_TOKEN,
            token_last4=ACME_TOKEN[-4:],
            token_set_at=SET_AT,
            token_expires_on=datetime.date(2027, 11, 30),
            note_author_member_id=MEMBER_ID,
            verification=VERIFICATION,
            verified_at=SET_AT,
        )
        _store_as_today(
            old_apps,
            northwind,
            subdomain="northwind",
            token=NORTHWIND_TOKEN,
            token_last4=NORTHWIND_TOKEN[-4:],
            token_set_at=SET_AT,
            token_expires_on=None,
            note_author_member_id="",
        )
        settings.FIELD_ENCRYPTION_KEYS = [lost_key, old_key]
        _store_as_today(
            old_apps, lost, subdomain="lost", token=LOST_TOKEN, token_last4=LOST_TOKEN[-4:]
        )
        # when the platform migrates, a new key put first and the old one still listed
        settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    # then every value reads back through the provider's fields, exactly
    credential = AtsCredential.objects.get(integration=acme)
    assert credential.values == {"subdomain": "acme", "note_author_member_id": MEMBER_ID}
    assert credential.secret("token") == ACME_TOKEN
    assert credential.hint("token") == SecretHint(last4=ACME_TOKEN[-4:], set_at=SET_AT)
    assert credential.expires_on == datetime.date(2027, 11, 30)
    assert (credential.verification, credential.verified_at) == (VERIFICATION, SET_AT)
    northwind_credential = AtsCredential.objects.get(integration=northwind)
    assert northwind_credential.values == {"subdomain": "northwind"}
    assert northwind_credential.secret("token") == NORTHWIND_TOKEN
    assert northwind_credential.expires_on is None
    # and a token no key can read was moved as it was, not lost: its key still reads it
    lost_credential = AtsCredential.objects.get(integration=lost)
    with pytest.raises(SecretDecryptionError):
        lost_credential.secret("token")
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key, lost_key]
    assert lost_credential.secret("token") == LOST_TOKEN
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    fresh_credential = AtsCredential.objects.get(integration=fresh)
    assert (fresh_credential.values, fresh_credential.secrets) == ({}, {})
    # and the rest is as it was: the mappings, nothing to fix before enabling again
    assert sorted(acme.field_mappings.values_list("score", "ats_field_id", "send_status")) == (
        mappings
    )
    assert services.local_problems(acme, today=datetime.date(2027, 1, 1)) == []
    assert "The stored API token cannot be read: enter it again." in services.local_problems(lost)

    # when acme is enabled again
    assert services.enable_integration(acme).enabled

    # then what it owed goes out to Workable with the migrated token, subdomain and note author
    owed = Delivery.objects.filter(pk__in=held_ids)
    assert list(owed.values_list("state", flat=True)) == [Delivery.State.SUCCEEDED] * 4
    assert {call.request.headers["Authorization"] for call in responses.calls} == {
        f"Bearer {ACME_TOKEN}"
    }
