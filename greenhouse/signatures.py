"""The webhook signature: `Signature: sha256 <hex>`, an HMAC-SHA256 of the raw body.

The digest covers the body exactly as it arrived (Greenhouse escapes `<` as `\\u003c` before it
signs), so nothing is parsed or re-serialised before the check. Every accepted key is compared,
in constant time, whichever matches first: how long a check takes says nothing about which key
(or which byte) was close.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

ALGORITHM = "sha256"
_HEADER = re.compile(rf"\A\s*{ALGORITHM}\s+([0-9a-fA-F]{{64}})\s*\Z")


def digest(body: bytes, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), body, hashlib.sha256).hexdigest()


def signature_header(body: bytes, secret_key: str) -> str:
    """The `Signature` header Greenhouse sends for `body` (the sandbox signs with it too)."""
    return f"{ALGORITHM} {digest(body, secret_key)}"


def signature_matches(body: bytes, header: str | None, secret_keys: Iterable[str]) -> bool:
    """Whether `header` is `sha256 <hex>` over `body` with one of `secret_keys`."""
    match = _HEADER.match(header or "")
    if match is None:
        return False
    sent = match.group(1).lower().encode()
    matched = False
    for secret_key in secret_keys:
        if secret_key:
            matched |= hmac.compare_digest(digest(body, secret_key).encode(), sent)
    return matched


@dataclass(frozen=True)
class SecretKeys:
    """The webhook Secret Key now, and the one it replaced with the moment it was replaced.

    Greenhouse keeps signing with the old key until the customer saves the new one there too, so
    the old one still verifies for a grace period after the rotation.
    """

    current: str
    previous: str = ""
    replaced_at: datetime.datetime | None = None

    def accepted(self, now: datetime.datetime, grace_seconds: float) -> list[str]:
        keys = [self.current] if self.current else []
        if (
            self.previous
            and self.replaced_at is not None
            and now < self.replaced_at + datetime.timedelta(seconds=grace_seconds)
        ):
            keys.append(self.previous)
        return keys
