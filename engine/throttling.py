"""Per-key request limit of the engine API, shared by every server process through the cache."""

from __future__ import annotations

from rest_framework.request import Request

from engine.models import EngineApiKey
from harver_integration.throttling import FixedWindowThrottle


class EngineKeyRateThrottle(FixedWindowThrottle):
    """Requests per engine API key, at ENGINE_RATE_LIMIT ("<requests>/<seconds>")."""

    rate_setting = "ENGINE_RATE_LIMIT"
    scope = "engine-key"

    def caller_id(self, request: Request) -> int | None:
        api_key = request.auth
        return api_key.pk if isinstance(api_key, EngineApiKey) else None
