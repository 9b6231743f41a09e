"""Show a freshly minted "ATS to Harver" token exactly once.

Only the token's hash is stored, so the plaintext exists only between minting and its display.
It waits in the cache, Fernet-encrypted (the cache may be a shared Redis), for at most
`REVEAL_SECONDS`; the first display takes it out. A stashed token that is no longer the
integration's active one (rotated again meanwhile, or a leftover from another database) is never
shown.
"""

from __future__ import annotations

from django.core.cache import cache

from harver_integration.crypto import SecretDecryptionError, decrypt, encrypt
from harver_integration.tokens import hashes_match
from integrations.models import InboundToken, Integration

REVEAL_SECONDS = 60 * 60


def _cache_key(integration_id: int) -> str:
    return f"integrations:inbound-token-reveal:{integration_id}"


def stash(integration_id: int, token: str) -> None:
    cache.set(_cache_key(integration_id), encrypt(token), REVEAL_SECONDS)


def pop(integration: Integration) -> str | None:
    """The token waiting to be shown, removed as it is returned; None if there is none."""
    key = _cache_key(integration.pk)
    ciphertext = cache.get(key)
    # delete() reports whether this caller removed the entry, so two simultaneous page loads
    # cannot both display the token.
    if ciphertext is None or not cache.delete(key):
        return None
    try:
        token = decrypt(str(ciphertext))
    except SecretDecryptionError:
        return None
    active = InboundToken.objects.active().filter(integration=integration).first()
    if active is None or not hashes_match(token, active.token_hash):
        return None
    return token
