"""Show a freshly minted "ATS to Harver" token once, to the user who minted it.

See `harver_integration.secret_reveal`. A stashed token that is no longer the integration's
active one (rotated again meanwhile, or a leftover from another database) is never shown.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from harver_integration.secret_reveal import OneTimeReveal
from harver_integration.tokens import hashes_match
from integrations.models import InboundToken, Integration

REVEAL_SECONDS = 60 * 60
_REVEAL = OneTimeReveal("integrations:inbound-token-reveal", REVEAL_SECONDS)


def stash(integration_id: int, token: str, *, minted_by: int | None) -> None:
    _REVEAL.stash(integration_id, token, minted_by=minted_by)


def pop(integration: Integration, viewer: AbstractBaseUser | AnonymousUser) -> str | None:
    """The token waiting for `viewer`, removed as it is returned; None if there is none."""
    token = _REVEAL.pop(integration.pk, viewer)
    if token is None:
        return None
    active = InboundToken.objects.active().filter(integration=integration).first()
    if active is None or not hashes_match(token, active.token_hash):
        return None
    return token
