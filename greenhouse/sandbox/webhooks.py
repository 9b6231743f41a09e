"""Sending webhooks as Greenhouse does: signed over the exact bytes, each with a fresh event id.

Greenhouse escapes `<`, `>` and `&` in its JSON (`\\u003c`, …) before it signs, so the bytes on the
wire differ from what a JSON library writes; the receiver must hash those bytes as they are.
A `sandbox.calls.Platform` carries them: over HTTP from a test, into the platform's own handler
from the sandbox's pages.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from greenhouse.signatures import signature_header
from greenhouse.unconfirmed import STAGE_CHANGE_EVENT
from sandbox.calls import HttpPlatform, Platform

USER_AGENT = "Greenhouse-Webhooks/1.0 (sandbox)"


def greenhouse_json(body: Any) -> bytes:
    """JSON as Greenhouse writes it: UTF-8, with `<`, `>`, `&` and the line separators escaped."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    for character, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(character, escaped)
    return text.encode()


@dataclass(frozen=True)
class SentWebhook:
    event_id: str
    body: bytes
    headers: dict[str, str]
    status: int
    answer: Any


class WebhookSender:
    """Posts webhooks to one URL, signed with one Secret Key (or unsigned, or wrongly)."""

    def __init__(
        self, url: str, secret_key: str, *, platform: Platform | None = None, timeout: float = 10.0
    ) -> None:
        self.url = url
        self.secret_key = secret_key
        self.platform: Platform = HttpPlatform(timeout=timeout) if platform is None else platform
        self.sent: list[SentWebhook] = []

    def send(
        self,
        body: Any,
        *,
        signed: bool = True,
        secret_key: str | None = None,
        event_id: str | None = None,
    ) -> SentWebhook:
        raw = body if isinstance(body, bytes) else greenhouse_json(body)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Greenhouse-Event-ID": event_id or str(uuid.uuid4()),
        }
        if signed:
            key = self.secret_key if secret_key is None else secret_key
            headers["Signature"] = signature_header(raw, key)
        return self._post(raw, headers)

    def ping(
        self, *, web_hook_id: int = 9590, event: str = STAGE_CHANGE_EVENT, signed: bool = True
    ) -> SentWebhook:
        body = {
            "action": "ping",
            "payload": {
                "web_hook_id": web_hook_id,
                "name": "Harver",
                "active": True,
                "endpoint_url": self.url,
                "content-type": "application/json",
                "event": event,
                "created_at": "2026-01-20T10:00:00Z",
                "updated_at": "2026-01-20T10:00:00Z",
            },
        }
        return self.send(body, signed=signed)

    def replay(self, webhook: SentWebhook) -> SentWebhook:
        """The same delivery again, byte for byte, with the same Greenhouse-Event-ID."""
        return self._post(webhook.body, dict(webhook.headers))

    def _post(self, raw: bytes, headers: dict[str, str]) -> SentWebhook:
        answer = self.platform.send("POST", self.url, headers=headers, body=raw)
        sent = SentWebhook(headers["Greenhouse-Event-ID"], raw, headers, answer.status, answer.body)
        self.sent.append(sent)
        return sent
