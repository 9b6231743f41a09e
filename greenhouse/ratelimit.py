"""Greenhouse's request limit per Client ID, whose size is learnt from its answers.

Greenhouse publishes no ceiling: it counts requests in fixed windows and says its limit in
`X-RateLimit-Limit`. Until an answer has said it, GREENHOUSE_RATE_LIMIT_DEFAULT requests per
GREENHOUSE_RATE_LIMIT_WINDOW_SECONDS are assumed; once one has, that size is kept for every
process in the shared store of `integrations.access_tokens` (under a hash of the Client ID) and
the shared slot log of `integrations.ratelimit` is read with it.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings

from integrations.access_tokens import default_store
from integrations.ratelimit import Rate, RateLimiter, get_rate_limiter, limiter_key

logger = logging.getLogger(__name__)

RATE_KEY_PREFIX = "greenhouse:rate"
# A learnt limit is kept this long after it was last seen changed (seconds).
LEARNT_LIMIT_TTL = 7 * 24 * 3600.0
# Limits outside this range are not believed.
MIN_LIMIT, MAX_LIMIT = 1, 10_000


def _rate(limit: int) -> Rate:
    return Rate(
        limit=limit,
        window=settings.GREENHOUSE_RATE_LIMIT_WINDOW_SECONDS
        + settings.GREENHOUSE_RATE_LIMIT_MARGIN_SECONDS,
    )


def _parse(value: str | None) -> int | None:
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    limit = int(text)
    return limit if MIN_LIMIT <= limit <= MAX_LIMIT else None


class LearntRateLimiter:
    """The shared limiter of one Client ID, sized by what Greenhouse last said its limit is."""

    def __init__(self, client_id: str) -> None:
        self.key = limiter_key(client_id)
        self._name = f"{RATE_KEY_PREFIX}:limit:{self.key}"
        self.limit = self._stored() or int(settings.GREENHOUSE_RATE_LIMIT_DEFAULT)

    def _stored(self) -> int | None:
        try:
            return _parse(default_store().read(self._name))
        except (redis.RedisError, OSError):  # the store is down: the default is a safe guess
            logger.warning("The learnt Greenhouse rate limit could not be read")
            return None

    @property
    def limiter(self) -> RateLimiter:
        return get_rate_limiter(RATE_KEY_PREFIX, _rate(self.limit))

    def reserve(self, key: str, max_wait: float | None = None, slot_id: str = "") -> float:
        return self.limiter.reserve(key, max_wait, slot_id)

    def reserve_with_spares(
        self, key: str, max_wait: float | None, slot_id: str, spares: int
    ) -> tuple[float, int]:
        return self.limiter.reserve_with_spares(key, max_wait, slot_id, spares)

    def release(self, key: str, slot_ids: list[str]) -> None:
        self.limiter.release(key, slot_ids)

    def answered(self, key: str, slot_id: str) -> None:
        self.limiter.answered(key, slot_id)

    def block(self, key: str, seconds: float) -> None:
        self.limiter.block(key, seconds)

    def learn(self, header: str | None) -> None:
        """An answer said `X-RateLimit-Limit: <header>`; keep it when it is new."""
        limit = _parse(header)
        if limit is None or limit == self.limit:
            return
        logger.info("Greenhouse says its rate limit is %d per window (was %d)", limit, self.limit)
        self.limit = limit
        try:
            default_store().write(self._name, str(limit), ttl=LEARNT_LIMIT_TTL)
        except (redis.RedisError, OSError):
            logger.warning("The learnt Greenhouse rate limit could not be stored")
