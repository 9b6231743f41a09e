"""What a provider's sender tells the delivery outbox about one attempt: typed outcomes.

The outbox (`integrations.outbox`) decides retries from the type alone, so every ATS follows one
policy: time-outs, connection errors, 5xx and 429 are transient and retried on the schedule;
other 4xx are permanent and stop at once. A provider raises these (or subclasses) and never
retries by itself.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Exchange:
    """The HTTP request that decided an attempt, as it may be shown to admins (no secrets)."""

    request: str = ""
    http_status: int | None = None
    response_excerpt: str = ""


class DeliveryError(Exception):
    """An attempt that did not succeed; `str(error)` says why in plain words."""

    def __init__(self, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.exchange = exchange or Exchange()


class TransientError(DeliveryError):
    """Worth trying again later; `retry_after` (seconds) is the partner's own wish, if any."""

    def __init__(
        self, message: str, exchange: Exchange | None = None, *, retry_after: float | None = None
    ) -> None:
        super().__init__(message, exchange)
        self.retry_after = retry_after


class DeliveryTimeout(TransientError):
    """The partner did not answer in time; it may or may not have acted on the request."""


class PermanentError(DeliveryError):
    """Sending it again would fail the same way; `credentials_rejected` flags a 401/403."""

    def __init__(
        self,
        message: str,
        exchange: Exchange | None = None,
        *,
        credentials_rejected: bool = False,
    ) -> None:
        super().__init__(message, exchange)
        self.credentials_rejected = credentials_rejected


class CredentialsUnusable(PermanentError):
    """The stored credentials cannot be used at all (a secret no key decrypts): nothing was sent.

    It fails the delivery for good and flags the integration with this message, as a rejected
    token does, since only the admin can fix it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, credentials_rejected=True)


class Postponed(Exception):
    """Not now, and not a failed attempt: try at `until` (when the rate limit has room again)."""

    def __init__(self, until: datetime.datetime) -> None:
        super().__init__(f"postponed until {until.isoformat()}")
        self.until = until


REDACTED = "[redacted]"


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret in `secrets` replaced; for excerpts and errors we store or log."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text
