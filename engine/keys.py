"""Engine API keys: minted here, stored as a hash, found by their hash, revoked by stamping.

`hvr_eng_` + 40 random base62 characters + a 6-character checksum (see
`harver_integration.tokens`): a key of the wrong shape is refused before any database query,
and a leaked one is recognisable by secret scanners.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from accounts.models import Account
from engine.models import EngineApiKey
from harver_integration import history
from harver_integration.tokens import TokenFormat, hash_token, hashes_match

ENGINE_KEY = TokenFormat(prefix="hvr_eng")
# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    api_key: EngineApiKey
    key: str


def set_new_key(api_key: EngineApiKey) -> str:
    """Give an unsaved key row a fresh secret; returns the plaintext, which is not kept."""
    key = ENGINE_KEY.mint()
    api_key.key_hash = hash_token(key)
    api_key.key_last4 = key[-4:]
    return key


def issue_key(account: Account, *, name: str = "", created_by: User | None = None) -> IssuedKey:
    api_key = EngineApiKey(account=account, name=name.strip(), created_by=created_by)
    key = set_new_key(api_key)
    api_key.save()
    return IssuedKey(api_key=api_key, key=key)


def revoke_key(api_key: EngineApiKey) -> bool:
    """Revoke now; returns False when it was already revoked."""
    now = timezone.now()
    changed = EngineApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=now
    )
    api_key.refresh_from_db()
    if changed:
        # The conditional update keeps two revocations from both counting; the history is ours.
        history.record(api_key, {"revoked_at": (None, now)})
    return bool(changed)


def key_for(key: str) -> EngineApiKey | None:
    """The active key row this plaintext key is, or None."""
    if not ENGINE_KEY.is_well_formed(key):
        return None
    api_key = (
        EngineApiKey.objects.active()
        .select_related("account")
        .filter(key_hash=hash_token(key))
        .first()
    )
    if api_key is None or not hashes_match(key, api_key.key_hash):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        EngineApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key
