"""How a sandbox ATS calls the platform, framework-free: a `Platform` takes one request.

The recruiter's pages hand their calls to the platform's own request handler
(`sandbox.platform.InProcessPlatform`); a test's stand-in sends them over HTTP (`HttpPlatform`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests


@dataclass(frozen=True)
class PlatformAnswer:
    status: int
    body: Any  # the answer's JSON, or its text when it is not JSON


class Platform(Protocol):
    def send(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes
    ) -> PlatformAnswer:
        """Send one request with exactly these headers and body bytes."""


class PlatformRefused(Exception):
    """The platform cannot be called at this URL, or refused the request; in plain words."""


def json_call(
    platform: Platform, method: str, url: str, *, token: str, body: Any = None
) -> PlatformAnswer:
    """A call with `Authorization: Bearer <token>` and a JSON body, as an ATS's API client makes."""
    return platform.send(
        method,
        url,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        body=b"" if body is None else json.dumps(body).encode(),
    )


def read_answer(status: int, content: bytes) -> PlatformAnswer:
    try:
        return PlatformAnswer(status, json.loads(content) if content else None)
    except ValueError:
        return PlatformAnswer(status, content.decode(errors="replace"))


class HttpPlatform:
    """`Platform` over HTTP, for a stand-in served apart from the platform (tests)."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def send(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes
    ) -> PlatformAnswer:
        response = requests.request(
            method, url, data=body, headers=dict(headers), timeout=self.timeout
        )
        return read_answer(response.status_code, response.content)
