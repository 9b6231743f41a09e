"""Show a freshly created engine API key once, to its creator, on the page the creation leads to.

See `harver_integration.secret_reveal`. A stashed key that no longer matches the row (revoked
meanwhile, or a leftover of another database) is never shown.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from engine.models import EngineApiKey
from harver_integration.secret_reveal import OneTimeReveal
from harver_integration.tokens import hashes_match

REVEAL_SECONDS = 10 * 60
_REVEAL = OneTimeReveal("engine:api-key-reveal", REVEAL_SECONDS)


def stash(api_key: EngineApiKey, key: str, *, minted_by: int | None) -> None:
    _REVEAL.stash(api_key.pk, key, minted_by=minted_by)


def pop(api_key: EngineApiKey, viewer: AbstractBaseUser | AnonymousUser) -> str | None:
    """The key waiting for `viewer`, removed as it is returned; None if there is none."""
    key = _REVEAL.pop(api_key.pk, viewer)
    if key is None or not api_key.is_active or not hashes_match(key, api_key.key_hash):
        return None
    return key
