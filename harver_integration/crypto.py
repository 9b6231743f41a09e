"""Secrets at rest: Fernet encryption with a rotating list of keys (newest first), and the model
field that keeps named secrets encrypted until one is needed."""

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver


class SecretDecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key.

    Raised instead of returning the ciphertext, so a wrong key can never cause ciphertext to be
    sent to a partner as if it were the token.
    """


@lru_cache(maxsize=1)
def _multi_fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must list at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from error


@receiver(setting_changed)
def _forget_keys_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _multi_fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return _multi_fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _multi_fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise SecretDecryptionError(
            "A stored secret could not be decrypted with any key in FIELD_ENCRYPTION_KEYS."
        ) from error


def rotate(ciphertext: str) -> str:
    """The same secret encrypted with the newest key; raises when no key decrypts it."""
    try:
        return _multi_fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise SecretDecryptionError(
            "A stored secret could not be decrypted with any key in FIELD_ENCRYPTION_KEYS."
        ) from error


def generate_key() -> str:
    return Fernet.generate_key().decode()


class EncryptedValuesField(models.JSONField):
    """A JSON object of named secrets, each a Fernet ciphertext, in memory as on disk.

    Loading a row decrypts nothing, so a secret that no configured key can read breaks no query
    or page: the owner decrypts one value (`decrypt`) when it is needed and handles the error
    there. `rotate_encryption_keys` finds the secret columns by this class and re-encrypts
    each value.
    """

    description = "Named secrets, each encrypted at rest with FIELD_ENCRYPTION_KEYS"


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Stores `str` values Fernet-encrypted; reading decrypts, and a wrong key raises.

    The first "Harver to ATS" token column used it; the migrations that created and removed
    that column still refer to it. A row holding it cannot even be loaded without the key, so
    new secrets go into an `EncryptedValuesField` instead.
    """

    description = "Text encrypted at rest with FIELD_ENCRYPTION_KEYS"

    def from_db_value(
        self, value: str | None, expression: object, connection: object
    ) -> str | None:
        if value is None:
            return None
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(str(value))
