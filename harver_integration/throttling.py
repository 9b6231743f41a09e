"""A per-caller request limit shared by every server process through the cache (Redis).

Each API names what it counts (an integration, an engine key) and the setting that holds its
rate, "<requests>/<seconds>". A refused request is DRF's 429, which the API error handler turns
into the JSON error body with a Retry-After header.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)


class FixedWindowThrottle(BaseThrottle):
    """A fixed window counted with the cache's atomic increment, so processes share one count.

    Subclasses set `rate_setting` (the setting's name), `scope` (part of the cache key) and
    `caller_id` (who the request counts against; None: not counted here).
    """

    rate_setting: str
    scope: str

    def __init__(self) -> None:
        requests, seconds = str(getattr(settings, self.rate_setting)).split("/")
        self.limit = int(requests)
        self.window = int(seconds)
        self.retry_after = 0

    def caller_id(self, request: Request) -> int | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        caller = self.caller_id(request)
        if caller is None:
            return True
        now = time.time()
        window_start = int(now // self.window) * self.window
        key = f"throttle:{self.scope}:{caller}:{window_start}"
        try:
            count = self._count(key)
        except Exception as error:
            # Losing the limit for a moment is better than refusing callers while Redis is down.
            logger.warning("Throttle unavailable (%s); request allowed.", type(error).__name__)
            return True
        if count <= self.limit:
            return True
        self.retry_after = max(1, int(window_start + self.window - now + 0.999))
        return False

    def _count(self, key: str) -> int:
        # Increment first: the key exists for all but the first request of a window, so the
        # common case costs one increment, not an add and an increment.
        try:
            return int(cache.incr(key))
        except ValueError:
            if cache.add(key, 1, timeout=self.window + 1):
                return 1
            return int(cache.incr(key))

    def wait(self) -> float:
        return float(self.retry_after)
