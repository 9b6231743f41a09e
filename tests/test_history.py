"""The configuration history: who changed which fields, when; secret values never recorded."""

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from integrations import services
from integrations.models import AtsCredential, InboundToken, Integration
from tests.factories import UserFactory

WORKABLE_TOKEN = "wk-live-history-0123456789abcdef"


def entries_for(model, pk) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_pk=str(pk)
        ).order_by("timestamp", "pk")
    )


def test_it_records_who_changed_which_credential_fields_without_the_token(integration):
    # given an admin changing the Workable credentials
    admin = UserFactory.create(username="carol")
    with set_actor(admin):
        services.set_ats_credentials(integration, subdomain="acme", token=WORKABLE_TOKEN)

    # then the change is recorded with its actor and field names
    credential = AtsCredential.objects.get(integration=integration)
    last = entries_for(AtsCredential, credential.pk)[-1]
    assert last.actor == admin
    assert {"values", "secret_hints"} <= set(last.changes_dict)
    assert "secrets" not in last.changes_dict
    assert WORKABLE_TOKEN[-4:] in last.changes_dict["secret_hints"][1]
    # and no entry anywhere holds the token
    assert not any(WORKABLE_TOKEN in str(entry.changes) for entry in LogEntry.objects.all())


def test_it_records_a_token_rotation_without_the_token_or_its_hash(integration):
    # given the token minted at setup, rotated
    token = services.rotate_inbound_token(integration)

    entries = [
        entry
        for token_row in InboundToken.objects.filter(integration=integration)
        for entry in entries_for(InboundToken, token_row.pk)
    ]

    # then both the minting and the revocation of the setup token are recorded
    recorded_fields = [set(entry.changes_dict) for entry in entries]
    assert any("revoked_at" in fields for fields in recorded_fields)
    assert ["None", token[-4:]] in [entry.changes_dict.get("token_last4") for entry in entries]
    # and neither the token nor its hash is
    for entry in entries:
        assert "token_hash" not in entry.changes_dict
        assert token not in str(entry.changes)


def test_it_records_enabling_and_disabling(integration):
    integration.is_enabled = True
    integration.save()
    services.disable_integration(integration)

    changes = [
        entry.changes_dict.get("is_enabled") for entry in entries_for(Integration, integration.pk)
    ]

    assert ["False", "True"] in changes
    assert ["True", "False"] in changes


def test_it_records_engine_keys_without_their_hash(account):
    from engine.models import EngineApiKey

    key = EngineApiKey.objects.create(account=account, key_hash="0" * 64, key_last4="abcd")

    (entry,) = entries_for(EngineApiKey, key.pk)
    assert "key_hash" not in entry.changes_dict
    assert "0" * 64 not in str(entry.changes)
