"""Show a freshly created engine API key once, on the admin page the creation leads to.

Only the key's hash is stored. Between the add form's POST and the page it redirects to, the
plaintext waits in the cache, Fernet-encrypted (the cache may be a shared Redis), for at most
`REVEAL_SECONDS`; the first display removes it. A stashed key that no longer matches the row
(revoked meanwhile, or a leftover of another database) is never shown.
"""

from __future__ import annotations

from django.core.cache import cache

from engine.models import EngineApiKey
from harver_integration.crypto import SecretDecryptionError, decrypt, encrypt
from harver_integration.tokens import hashes_match

REVEAL_SECONDS = 10 * 60


def _cache_key(api_key_id: int) -> str:
    return f"engine:api-key-reveal:{api_key_id}"


def stash(api_key: EngineApiKey, key: str) -> None:
    cache.set(_cache_key(api_key.pk), encrypt(key), REVEAL_SECONDS)


def pop(api_key: EngineApiKey) -> str | None:
    """The key waiting to be shown, removed as it is returned; None if there is none."""
    cache_key = _cache_key(api_key.pk)
    ciphertext = cache.get(cache_key)
    # delete() tells whether this caller removed it, so two page loads cannot both show it.
    if ciphertext is None or not cache.delete(cache_key):
        return None
    try:
        key = decrypt(str(ciphertext))
    except SecretDecryptionError:
        return None
    if not api_key.is_active or not hashes_match(key, api_key.key_hash):
        return None
    return key
