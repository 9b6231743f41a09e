"""How a sandbox ATS calls the platform, framework-free: a `Platform` takes one request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class PlatformAnswer:
    status: int
    body: Any


class Platform(Protocol):
    def call(self, method: str, url: str, *, token: str, body: Any = None) -> PlatformAnswer:
        """Send one request with `Authorization: Bearer <token>` and a JSON body."""


class PlatformRefused(Exception):
    """The platform cannot be called at this URL, or refused the request; in plain words."""
