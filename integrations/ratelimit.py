"""A partner's request limit per credential, shared by every worker process.

A provider states its `Rate` (so many requests per window) and a key prefix of its own; the key
is a hash of the credential (`limiter_key`). Each request first reserves a send time ("slot") in
a log shared by all processes. A caller may refuse a slot further off than it is
willing to wait (`max_wait`): the slot is then not taken, and its delay tells the caller when to
come back (a delivery waits in the database until then), so nobody holds slots it may be late
for. The log holds at most `limit` slots
in any window of `window + margin` seconds; the margin absorbs the time between a slot and the
request's arrival at the partner, so the partner never counts more than `limit` in its own
window.

Once a request has been answered (or has failed), its caller moves its slot to that moment
(`answered`): the partner counted it by then at the latest, so the slot `limit` requests later
is a full window after the partner's count of it, however long the request took to leave (a
busy machine, a slow connection), and a sender exactly on its slot cannot make the partner count
`limit + 1` in its window. A request still on its way (another process's, on the same
credential) counts from its slot until then, which the margin covers as before. (A caller may
leave the slot of a request answered within the margin of it where it is: the margin covers
that much travel, so moving it changes nothing the partner sees; `integrations.http.RateBudget`.)

Slots are appended in non-decreasing order: a new slot is the latest of now, the end of a block
(a 429's Retry-After), the latest slot and the `limit`-th latest slot plus the window. So any
`limit + 1` consecutive slots span at least the window, whatever the number of processes.

With REDIS_URL the log is a Redis sorted set updated by one Lua script (atomic, timed by the
Redis clock, shared across machines). The embedded default keeps it in a file under VAR_DIR
behind an exclusive lock, which holds across the processes of one machine. Keys are a hash of
the credential, never the credential.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import redis
from django.conf import settings

RESERVE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local slot = now
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > slot then slot = blocked end
local count = redis.call('ZCARD', KEYS[1])
if count > 0 then
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if tonumber(last[2]) > slot then slot = tonumber(last[2]) end
end
if count >= limit then
  local kth = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  local earliest = tonumber(kth[2]) + window
  if earliest > slot then slot = earliest end
end
local max_wait = tonumber(ARGV[4])
if max_wait >= 0 and slot - now > max_wait then
  return {tostring(slot), tostring(now), 0}
end
redis.call('ZADD', KEYS[1], slot, ARGV[3])
count = count + 1
local spares = 0
if slot <= now then
  for number = 1, tonumber(ARGV[5]) do
    if count >= limit then
      local kth = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
      if tonumber(kth[2]) + window > now then break end
    end
    redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. number)
    count = count + 1
    spares = number
  end
end
redis.call('PEXPIRE', KEYS[1], math.ceil((slot - now + window) * 1000) + 1000)
return {tostring(slot), tostring(now), spares}
"""

ANSWERED_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if (not score) or tonumber(score) < now then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  local ttl = math.ceil(tonumber(ARGV[2]) * 1000) + 1000
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return tostring(now)
"""

BLOCK_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local blocked_until = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked_until > current then
  local ttl = math.ceil(tonumber(ARGV[1]) * 1000) + 1000
  redis.call('SET', KEYS[1], tostring(blocked_until), 'PX', ttl)
end
return tostring(blocked_until)
"""


def limiter_key(credential: str) -> str:
    """The limiter's name for a credential: a hash, so it is never stored or shown."""
    return hashlib.sha256(credential.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Rate:
    """At most `limit` requests in any `window` seconds (a provider adds its own margin)."""

    limit: int
    window: float


def spare_ids(slot_id: str, spares: int) -> list[str]:
    """The names of the spare slots `reserve` took beside `slot_id`, in order."""
    return [f"{slot_id}:{number}" for number in range(1, spares + 1)]


class RateLimiter(Protocol):
    def reserve(self, key: str, max_wait: float | None = None, slot_id: str = "") -> float:
        """Reserve the next free slot for `key`; return its delay from now, in seconds (≥ 0).

        A slot more than `max_wait` seconds away is not reserved; its delay is still returned.
        `slot_id` names the slot for `answered` (a fresh name when empty).
        """

    def reserve_with_spares(
        self, key: str, max_wait: float | None, slot_id: str, spares: int
    ) -> tuple[float, int]:
        """`reserve`, and when its slot is due now, up to `spares` more slots free at this
        same moment, named by `spare_ids`: one call for several requests sent back to back.
        Returns the delay and how many spares were taken."""

    def release(self, key: str, slot_ids: list[str]) -> None:
        """Give back reserved slots that no request was sent on: as if never taken."""

    def answered(self, key: str, slot_id: str) -> None:
        """The request sent on `slot_id` has its answer (or failed): its slot moves to now, the
        latest moment the partner can have counted it (never earlier than it was)."""

    def block(self, key: str, seconds: float) -> None:
        """No slot for `key` earlier than `seconds` from now (the partner said 429)."""


class RedisRateLimiter:
    """The log in a Redis sorted set per key, `<prefix>:<key>:slots`, and its block."""

    def __init__(self, client: redis.Redis, rate: Rate, prefix: str) -> None:
        self.client = client
        self.rate = rate
        self.prefix = prefix
        self._reserve = client.register_script(RESERVE_SCRIPT)
        self._answered = client.register_script(ANSWERED_SCRIPT)
        self._block = client.register_script(BLOCK_SCRIPT)

    def reserve(self, key: str, max_wait: float | None = None, slot_id: str = "") -> float:
        return self.reserve_with_spares(key, max_wait, slot_id, 0)[0]

    def reserve_with_spares(
        self, key: str, max_wait: float | None, slot_id: str, spares: int
    ) -> tuple[float, int]:
        slot, now, taken = self._reserve(
            keys=[f"{self.prefix}:{key}:slots", f"{self.prefix}:{key}:blocked"],
            args=[
                self.rate.limit,
                self.rate.window,
                slot_id or uuid.uuid4().hex,
                -1 if max_wait is None else max_wait,
                max(0, spares),
            ],
        )
        return max(0.0, float(slot) - float(now)), int(taken)

    def release(self, key: str, slot_ids: list[str]) -> None:
        if slot_ids:
            self.client.zrem(f"{self.prefix}:{key}:slots", *slot_ids)

    def answered(self, key: str, slot_id: str) -> None:
        self._answered(keys=[f"{self.prefix}:{key}:slots"], args=[slot_id, self.rate.window])

    def block(self, key: str, seconds: float) -> None:
        self._block(keys=[f"{self.prefix}:{key}:blocked"], args=[max(0.0, seconds)])


@dataclass
class _FileState:
    slots: list[float]
    ids: list[str]  # each slot's name, in the same order ("" for one written before names)
    blocked: float

    @classmethod
    def parse(cls, raw: str) -> _FileState:
        data = json.loads(raw) if raw else {}
        slots = [float(slot) for slot in data.get("slots", [])]
        ids = [str(name) for name in data.get("ids", [])]
        return cls(
            slots=slots,
            ids=ids if len(ids) == len(slots) else [""] * len(slots),
            blocked=float(data.get("blocked", 0.0)),
        )

    def keep(self, since: float) -> None:
        """Forget the slots at or before `since`."""
        pairs = zip(self.slots, self.ids, strict=True)
        kept = [(slot, name) for slot, name in pairs if slot > since]
        self.slots = [slot for slot, _ in kept]
        self.ids = [name for _, name in kept]

    def dumps(self) -> str:
        return json.dumps({"slots": self.slots, "ids": self.ids, "blocked": self.blocked})


class FileRateLimiter:
    """The same log in a JSON file per key, read and written only under an exclusive `flock`."""

    def __init__(self, directory: Path, rate: Rate) -> None:
        self.directory = directory
        self.rate = rate
        directory.mkdir(parents=True, exist_ok=True)

    def _update(self, key: str, change: Callable[[_FileState, float], float]) -> float:
        with (self.directory / f"{key}.json").open("a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                state = _FileState.parse(handle.read())
                result = change(state, time.time())
                handle.seek(0)
                handle.truncate()
                handle.write(state.dumps())
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return result

    def reserve(self, key: str, max_wait: float | None = None, slot_id: str = "") -> float:
        return self.reserve_with_spares(key, max_wait, slot_id, 0)[0]

    def reserve_with_spares(
        self, key: str, max_wait: float | None, slot_id: str, spares: int
    ) -> tuple[float, int]:
        rate = self.rate
        taken = 0

        def change(state: _FileState, now: float) -> float:
            nonlocal taken
            state.keep(now - rate.window)
            slots = state.slots
            slot = max([now, state.blocked, *slots[-1:]])
            if len(slots) >= rate.limit:
                slot = max(slot, slots[-rate.limit] + rate.window)
            if max_wait is not None and slot - now > max_wait:
                return slot - now
            slots.append(slot)
            state.ids.append(slot_id)
            if slot <= now:
                for name in spare_ids(slot_id, spares):
                    if len(slots) >= rate.limit and slots[-rate.limit] + rate.window > now:
                        break
                    slots.append(now)
                    state.ids.append(name)
                    taken += 1
            return slot - now

        return max(0.0, self._update(key, change)), taken

    def release(self, key: str, slot_ids: list[str]) -> None:
        given_back = set(slot_ids)

        def change(state: _FileState, now: float) -> float:
            pairs = zip(state.slots, state.ids, strict=True)
            kept = [(slot, name) for slot, name in pairs if name not in given_back]
            state.slots = [slot for slot, _ in kept]
            state.ids = [name for _, name in kept]
            return 0.0

        if given_back:
            self._update(key, change)

    def answered(self, key: str, slot_id: str) -> None:
        def change(state: _FileState, now: float) -> float:
            pairs = list(zip(state.slots, state.ids, strict=True))
            held = [slot for slot, name in pairs if name == slot_id]
            pairs = [(slot, name) for slot, name in pairs if name != slot_id]
            pairs.append((max([now, *held]), slot_id))
            pairs.sort()
            state.slots = [slot for slot, _ in pairs]
            state.ids = [name for _, name in pairs]
            return 0.0

        if slot_id:
            self._update(key, change)

    def block(self, key: str, seconds: float) -> None:
        def change(state: _FileState, now: float) -> float:
            state.blocked = max(state.blocked, now + seconds)
            return 0.0

        self._update(key, change)


@cache
def _redis(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2)


@cache
def _limiter(redis_url: str, var_dir: str, prefix: str, rate: Rate) -> RateLimiter:
    if redis_url:
        return RedisRateLimiter(_redis(redis_url), rate, prefix)
    return FileRateLimiter(Path(var_dir) / "ratelimit" / prefix.replace(":", "-"), rate)


def get_rate_limiter(prefix: str, rate: Rate) -> RateLimiter:
    """This process's limiter for `prefix` at `rate` on the configured store.

    One Redis connection pool per process, whatever the number of providers and rates.
    """
    return _limiter(settings.REDIS_URL, str(settings.VAR_DIR), prefix, rate)
