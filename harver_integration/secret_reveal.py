"""Show a freshly minted secret once, and only to the user who minted it.

Only a hash of the secret is stored, so its plaintext exists only between minting and display.
It waits in the cache, Fernet-encrypted (the cache may be a shared Redis), with the id of the
user who minted it, for at most `seconds`. That user's first display takes it out; anybody else
opening the page (another admin, a viewer) leaves it waiting and sees only its masked form.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from harver_integration.crypto import SecretDecryptionError, decrypt, encrypt


@dataclass(frozen=True)
class OneTimeReveal:
    namespace: str
    seconds: int

    def _key(self, object_id: int) -> str:
        return f"{self.namespace}:{object_id}"

    def stash(self, object_id: int, secret: str, *, minted_by: int | None) -> None:
        """Keep `secret` for its minter's next page; a secret minted by no user is never shown."""
        if minted_by is None:
            return
        cache.set(
            self._key(object_id),
            {"minted_by": minted_by, "secret": encrypt(secret)},
            self.seconds,
        )

    def pop(self, object_id: int, viewer: AbstractBaseUser | AnonymousUser) -> str | None:
        """The secret if `viewer` minted it, removed as it is returned; None otherwise."""
        if viewer.pk is None:
            return None
        key = self._key(object_id)
        stashed = cache.get(key)
        if not isinstance(stashed, dict) or stashed.get("minted_by") != viewer.pk:
            return None
        # delete() reports whether this caller removed the entry, so two simultaneous page loads
        # cannot both display the secret.
        if not cache.delete(key):
            return None
        try:
            return decrypt(str(stashed["secret"]))
        except SecretDecryptionError:
            return None
