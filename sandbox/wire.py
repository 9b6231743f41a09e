"""A request to a stand-in ATS and its answer, framework-free.

Every stand-in answers one `handle(SandboxRequest) -> Answer`, whoever carries the request: the
platform's own views under /sandbox/ (`sandbox.serving`), or a test's HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class SandboxRequest:
    method: str
    path: str  # below the stand-in's root
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # keys lower-case
    body: bytes
    # Scheme and host the caller used, e.g. "http://127.0.0.1:8000": the base of absolute links.
    origin: str = "http://127.0.0.1"

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        *,
        query_string: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        origin: str = "http://127.0.0.1",
    ) -> SandboxRequest:
        return cls(
            method=method.upper(),
            path=path,
            query=parse_qs(query_string, keep_blank_values=True),
            headers={key.lower(): value for key, value in (headers or {}).items()},
            body=body,
            origin=origin.rstrip("/"),
        )

    def arg(self, name: str) -> str:
        values = self.query.get(name) or [""]
        return values[0]


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering: longer than the caller waits, a time-out (tests only).
    delay: float = 0.0

    def content(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()
