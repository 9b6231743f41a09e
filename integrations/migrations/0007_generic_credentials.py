"""Generic "Harver to ATS" credentials: today's Workable columns move into the provider's fields.

Non-secret values (subdomain, note author) go into `values`; the token's Fernet ciphertext moves
into `secrets` exactly as stored (the same format, so it needs no key to move and a token no key
can read is kept, not lost), its last four characters and set-at time into `secret_hints`; the
token's expiry becomes the credential's `expires_on`. The token column is first treated as plain
text so the copy reads its ciphertext instead of decrypting it.
"""

from typing import Any

from django.db import migrations, models

import harver_integration.crypto

# Today's columns and the provider field each becomes.
VALUE_COLUMNS = {"subdomain": "subdomain", "note_author_member_id": "note_author_member_id"}
TOKEN_FIELD = "token"  # noqa: S105 (a field name, not a password)


def move_to_fields(apps: Any, schema_editor: Any) -> None:
    credential_model = apps.get_model("integrations", "AtsCredential")
    credentials = list(credential_model.objects.all())
    for credential in credentials:
        credential.values = {
            field: getattr(credential, column)
            for column, field in VALUE_COLUMNS.items()
            if getattr(credential, column)
        }
        credential.secrets = {}
        credential.secret_hints = {}
        if credential.token:
            credential.secrets[TOKEN_FIELD] = credential.token
            credential.secret_hints[TOKEN_FIELD] = {
                "last4": credential.token_last4,
                "set_at": credential.token_set_at.isoformat() if credential.token_set_at else None,
            }
        credential.expires_on = credential.token_expires_on
    credential_model.objects.bulk_update(
        credentials, ["values", "secrets", "secret_hints", "expires_on"], batch_size=500
    )


def move_to_columns(apps: Any, schema_editor: Any) -> None:
    credential_model = apps.get_model("integrations", "AtsCredential")
    credentials = list(credential_model.objects.all())
    for credential in credentials:
        for column, field in VALUE_COLUMNS.items():
            setattr(credential, column, credential.values.get(field, ""))
        hint = credential.secret_hints.get(TOKEN_FIELD) or {}
        credential.token = credential.secrets.get(TOKEN_FIELD)
        credential.token_last4 = hint.get("last4") or ""
        credential.token_set_at = hint.get("set_at")
        credential.token_expires_on = credential.expires_on
    credential_model.objects.bulk_update(
        credentials,
        [*VALUE_COLUMNS, "token", "token_last4", "token_set_at", "token_expires_on"],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [("integrations", "0006_stage_mappings_and_inbound_events")]

    operations = [
        migrations.AddField(
            model_name="atscredential",
            name="values",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="The provider's credential fields that are not secret, by name.",
            ),
        ),
        migrations.AddField(
            model_name="atscredential",
            name="secrets",
            field=harver_integration.crypto.EncryptedValuesField(
                blank=True,
                default=dict,
                editable=False,
                help_text="The provider's secret fields, by name, each Fernet-encrypted.",
            ),
        ),
        migrations.AddField(
            model_name="atscredential",
            name="secret_hints",
            field=models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                help_text=(
                    "Of each secret, what may be shown: its last four characters (when it is "
                    "long enough) and when it was set."
                ),
            ),
        ),
        migrations.AddField(
            model_name="atscredential",
            name="expires_on",
            field=models.DateField(
                blank=True,
                null=True,
                verbose_name="expiry",
                help_text="The expiry chosen when the provider's expiring secret was made.",
            ),
        ),
        migrations.AlterField(
            model_name="atscredential",
            name="token",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.RunPython(move_to_fields, move_to_columns, elidable=False),
        migrations.RemoveField(model_name="atscredential", name="note_author_member_id"),
        migrations.RemoveField(model_name="atscredential", name="subdomain"),
        migrations.RemoveField(model_name="atscredential", name="token"),
        migrations.RemoveField(model_name="atscredential", name="token_expires_on"),
        migrations.RemoveField(model_name="atscredential", name="token_last4"),
        migrations.RemoveField(model_name="atscredential", name="token_set_at"),
    ]
