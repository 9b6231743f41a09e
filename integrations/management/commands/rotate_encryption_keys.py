"""`manage.py rotate_encryption_keys`: re-encrypt every stored secret with the newest key.

Run it after putting a new key first in FIELD_ENCRYPTION_KEYS (the old ones still listed); once it
has finished, the old keys can be removed. Every EncryptedValuesField of every installed model is
covered, so a secret column added later needs no change here. The whole run is one transaction:
a value no key can decrypt stops it with nothing changed.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction

from harver_integration.crypto import EncryptedValuesField, SecretDecryptionError, rotate

BATCH_SIZE = 500


class UnreadableValueError(Exception):
    def __init__(self, pk: Any, name: str) -> None:
        super().__init__(pk, name)
        self.pk = pk
        self.name = name


def encrypted_columns() -> list[tuple[type[models.Model], list[str]]]:
    """Each model owning a table with encrypted columns, and those columns' field names."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        names = [
            field.name
            for field in meta.local_concrete_fields
            if isinstance(field, EncryptedValuesField)
        ]
        if names:
            found.append((model, names))
    return found


def reencrypt(model: type[models.Model], field_name: str) -> int:
    """Re-encrypt each secret of the column with the newest key; returns how many.

    A queryset update touches only this column: no save(), no signals, no auto_now changes.
    """
    rows = model._base_manager.exclude(**{field_name: {}})
    pks = list(rows.order_by("pk").values_list("pk", flat=True))
    count = 0
    for start in range(0, len(pks), BATCH_SIZE):
        batch = pks[start : start + BATCH_SIZE]
        for pk, secrets in model._base_manager.filter(pk__in=batch).values_list("pk", field_name):
            rotated = {}
            for name, ciphertext in (secrets or {}).items():
                try:
                    rotated[name] = rotate(ciphertext)
                except SecretDecryptionError:
                    raise UnreadableValueError(pk, name) from None
            model._base_manager.filter(pk=pk).update(**{field_name: rotated})
            count += len(rotated)
    return count


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the first key of FIELD_ENCRYPTION_KEYS, "
        "so older keys can then be removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        counts: dict[str, int] = {}
        with transaction.atomic():
            for model, field_names in encrypted_columns():
                label = model._meta.label
                counts[label] = 0
                for field_name in field_names:
                    try:
                        counts[label] += reencrypt(model, field_name)
                    except UnreadableValueError as error:
                        raise CommandError(
                            f"A value of {label}.{field_name} ({error.name!r} of row {error.pk}) "
                            "cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS; nothing "
                            "was changed. Add the key it was encrypted with (after the new one) "
                            "and run this again."
                        ) from None
        total = sum(counts.values())
        if options["json"]:
            self.stdout.write(json.dumps({"models": counts, "total": total}))
            return
        lines = [f"{label}: {count} value(s) re-encrypted" for label, count in counts.items()]
        self.stdout.write("\n".join([*lines, f"Total: {total} value(s) re-encrypted."]))
