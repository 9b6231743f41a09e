"""The per-credential rate limit: never more than `limit` slots in any window, across processes."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
import uuid
from pathlib import Path

import pytest
import redis

from integrations.http import RateBudget
from integrations.ratelimit import (
    FileRateLimiter,
    Rate,
    RedisRateLimiter,
    get_rate_limiter,
    limiter_key,
    spare_ids,
)
from integrations.transport import Postponed

RATE = Rate(limit=10, window=2.0)
PREFIX = "test:rate"


def max_in_window(slots: list[float], window: float) -> int:
    """The most slots in any half-open window [t, t + window)."""
    ordered = sorted(slots)
    best = 0
    start = 0
    for end, slot in enumerate(ordered):
        while slot - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def reserve_many(limiter, key: str, count: int) -> list[float]:
    """The slots' moments: each delay is added to the clock read just before its own call, so
    that a slow machine (calls queued behind other work) shifts a slot by one call's latency
    at most, not by the time all the earlier calls took."""
    return [time.time() + limiter.reserve(key) for _ in range(count)]


def test_the_key_is_a_hash_not_the_token():
    key = limiter_key("wk-secret-token")
    assert "wk-secret" not in key
    assert len(key) == 32
    assert key == limiter_key("wk-secret-token")


def test_file_limiter_hands_out_future_slots_never_more_than_limit_per_window(tmp_path):
    limiter = FileRateLimiter(tmp_path, RATE)

    slots = reserve_many(limiter, "k", 35)

    # the first ten now, then ten per window, in order
    assert slots[9] - slots[0] < 0.5
    assert slots[10] - slots[0] >= RATE.window - 0.05
    assert max_in_window(slots, RATE.window - 0.05) <= RATE.limit


def test_file_limiter_takes_no_slot_further_off_than_max_wait(tmp_path):
    limiter = FileRateLimiter(tmp_path, RATE)
    reserve_many(limiter, "k", RATE.limit)

    # the window is full: the next slot is a window away, and refused slots are not taken
    first = limiter.reserve("k", max_wait=0.5)
    second = limiter.reserve("k", max_wait=0.5)
    assert RATE.window - 0.1 <= first <= RATE.window
    assert abs(second - first) < 0.1
    # whereas a caller willing to wait takes it, and the next caller is told a later one
    taken = time.time() + limiter.reserve("k")
    assert taken - (time.time() + first) < 0.1
    assert time.time() + limiter.reserve("k", max_wait=0.5) > taken


def test_a_block_moves_every_slot_past_it(tmp_path):
    limiter = FileRateLimiter(tmp_path, RATE)
    limiter.block("k", 5)

    assert limiter.reserve("k") >= 4.9
    assert limiter.reserve("other") < 0.1


def _reserve_in_process(directory: str, key: str, count: int, queue) -> None:
    limiter = FileRateLimiter(Path(directory), RATE)
    queue.put(reserve_many(limiter, key, count))


def test_file_limiter_holds_across_processes(tmp_path):
    queue: multiprocessing.Queue[list[float]] = multiprocessing.get_context("fork").Queue()
    processes = [
        multiprocessing.get_context("fork").Process(
            target=_reserve_in_process, args=(str(tmp_path), "shared", 15, queue)
        )
        for _ in range(4)
    ]
    for process in processes:
        process.start()
    slots = [slot for _ in processes for slot in queue.get(timeout=30)]
    for process in processes:
        process.join(timeout=30)

    assert len(slots) == 60
    # the log itself (exact moments, whatever the machine's load): all 60, never 11 in a window
    logged = json.loads((tmp_path / "shared.json").read_text())["slots"]
    assert len(logged) == 60
    assert max_in_window(logged, RATE.window) <= RATE.limit


@pytest.fixture
def redis_client():
    url = os.environ.get("REDIS_URL", "")
    client = redis.Redis.from_url(url)
    yield client
    client.close()


@pytest.mark.redis
def test_redis_limiter_holds_across_processes(redis_client):
    key = uuid.uuid4().hex

    def worker(queue) -> None:
        limiter = RedisRateLimiter(redis.Redis.from_url(os.environ["REDIS_URL"]), RATE, PREFIX)
        queue.put(reserve_many(limiter, key, 15))

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=worker, args=(queue,)) for _ in range(4)]
    for process in processes:
        process.start()
    slots = [slot for _ in processes for slot in queue.get(timeout=30)]
    for process in processes:
        process.join(timeout=30)

    assert len(slots) == 60
    # the log itself, on the Redis clock: all 60 slots, never 11 in a window
    logged = [
        score for _, score in redis_client.zrange(f"{PREFIX}:{key}:slots", 0, -1, withscores=True)
    ]
    assert len(logged) == 60
    assert max_in_window(logged, RATE.window) <= RATE.limit


@pytest.mark.redis
def test_redis_limiter_takes_no_slot_further_off_than_max_wait(redis_client):
    limiter = RedisRateLimiter(redis_client, RATE, PREFIX)
    key = uuid.uuid4().hex
    reserve_many(limiter, key, RATE.limit)

    first = limiter.reserve(key, max_wait=0.5)
    second = limiter.reserve(key, max_wait=0.5)

    assert RATE.window - 0.1 <= first <= RATE.window
    assert abs(second - first) < 0.1
    assert redis_client.zcard(f"{PREFIX}:{key}:slots") == RATE.limit
    assert limiter.reserve(key, max_wait=0.5) < RATE.window + 0.1


@pytest.mark.redis
def test_redis_limiter_honours_a_block(redis_client):
    limiter = RedisRateLimiter(redis_client, RATE, PREFIX)
    key = uuid.uuid4().hex

    limiter.block(key, 3)

    assert 2.9 <= limiter.reserve(key) <= 3.1


@pytest.fixture(params=["file", pytest.param("redis", marks=pytest.mark.redis)])
def limiter(request, tmp_path):
    if request.param == "file":
        yield FileRateLimiter(tmp_path, RATE)
        return
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", ""))
    yield RedisRateLimiter(client, RATE, f"{PREFIX}:{uuid.uuid4().hex}")
    client.close()


def test_an_answered_slot_counts_from_its_answer(limiter):
    # ten requests one after the other, the first answered 0.3 s after its slot (slow to leave)
    limiter.reserve("k", slot_id="first")
    time.sleep(0.3)
    limiter.answered("k", "first")
    for number in range(RATE.limit - 1):
        limiter.reserve("k", slot_id=str(number))
        limiter.answered("k", str(number))

    # the next slot is a whole window after the answer, not after the reservation
    assert limiter.reserve("k", max_wait=0) >= RATE.window - 0.05


def test_an_answer_never_moves_a_slot_earlier(limiter):
    limiter.block("k", 1.0)
    assert limiter.reserve("k", slot_id="ahead") >= 0.9
    for _ in range(RATE.limit - 1):
        limiter.reserve("k")

    limiter.answered("k", "ahead")  # before its slot (it never is in use): the slot stays

    assert limiter.reserve("k", max_wait=0) >= 1.0 + RATE.window - 0.1


def test_each_prefix_has_its_own_log(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.VAR_DIR = tmp_path
    one = get_rate_limiter("one:rate", Rate(limit=1, window=60.0))
    other = get_rate_limiter("other:rate", Rate(limit=1, window=60.0))

    assert one.reserve("same-key") == 0
    assert other.reserve("same-key") == 0
    # the first prefix's window is full, the other's log did not count its slot
    assert one.reserve("same-key", max_wait=0) > 50
    assert sorted(path.name for path in (tmp_path / "ratelimit").iterdir()) == [
        "one-rate",
        "other-rate",
    ]


class CountingLimiter:
    """Every slot `delay` seconds away; counts the slots taken."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.reserved = 0

    def reserve(self, key: str, max_wait: float | None = None, slot_id: str = "") -> float:
        self.reserved += 1
        return self.delay

    def reserve_with_spares(
        self, key: str, max_wait: float | None, slot_id: str, spares: int
    ) -> tuple[float, int]:
        return self.reserve(key, max_wait, slot_id), 0

    def release(self, key: str, slot_ids: list[str]) -> None:
        raise AssertionError("not expected")

    def answered(self, key: str, slot_id: str) -> None:
        raise AssertionError("not expected")

    def block(self, key: str, seconds: float) -> None:
        raise AssertionError("not expected")


def test_a_sender_that_wakes_late_for_its_slot_takes_a_fresh_one(monkeypatch):
    limiter = CountingLimiter(delay=0.01)
    stalls = [0.3]  # the first sleep overruns, as on a machine too busy to wake us in time
    real_sleep = time.sleep

    def stalling_sleep(seconds: float) -> None:
        real_sleep(seconds + (stalls.pop() if stalls else 0))

    monkeypatch.setattr("integrations.http.time.sleep", stalling_sleep)
    RateBudget("key", limiter, max_wait=1.0, late_after=0.1).take()
    assert limiter.reserved == 2


def test_a_sender_on_time_uses_its_slot():
    limiter = CountingLimiter(delay=0.01)
    RateBudget("key", limiter, max_wait=1.0, late_after=0.1).take()
    assert limiter.reserved == 1


def test_a_budget_moves_the_slot_its_request_was_sent_on(tmp_path):
    limiter = FileRateLimiter(tmp_path, RATE)
    answered = RateBudget("k", limiter, max_wait=1.0).take()
    time.sleep(0.2)
    answered()

    [slot] = json.loads((tmp_path / "k.json").read_text())["slots"]
    assert time.time() - 0.1 <= slot <= time.time()


def test_an_answer_within_the_margin_leaves_the_slot_where_it_was(tmp_path):
    limiter = FileRateLimiter(tmp_path, RATE)
    budget = RateBudget("k", limiter, max_wait=1.0, counted_within=0.5)
    before = time.time()
    answered = budget.take()
    time.sleep(0.1)  # the partner counted it within the margin the window already has
    answered()

    [slot] = json.loads((tmp_path / "k.json").read_text())["slots"]
    assert before <= slot <= before + 0.05  # still its own moment, not the answer's


def test_an_answer_later_than_the_margin_moves_the_slot_to_the_answer(tmp_path):
    limiter = FileRateLimiter(tmp_path, RATE)
    budget = RateBudget("k", limiter, max_wait=1.0, counted_within=0.05)
    answered = budget.take()
    time.sleep(0.2)
    answered()

    [slot] = json.loads((tmp_path / "k.json").read_text())["slots"]
    assert time.time() - 0.1 <= slot <= time.time()


def test_spares_are_the_slots_free_at_the_same_moment_and_no_more(limiter):
    assert limiter.reserve_with_spares("k", None, "a", 7) == (0.0, 7)
    # the window holds ten: the ninth and one spare are free now, the eleventh a window away
    delay, spares = limiter.reserve_with_spares("k", None, "b", 7)
    assert (delay, spares) == (0.0, 1)
    assert limiter.reserve("k", max_wait=0) >= RATE.window - 0.05


def test_a_slot_that_waits_comes_without_spares(limiter):
    limiter.block("k", 0.5)
    delay, spares = limiter.reserve_with_spares("k", None, "a", 7)
    assert delay >= 0.4
    assert spares == 0


def test_released_spares_are_as_if_never_taken(limiter):
    limiter.reserve_with_spares("k", None, "a", 9)  # the whole window
    limiter.release("k", spare_ids("a", 9))

    # nine slots are free again at once, the tenth is the window's first
    assert limiter.reserve_with_spares("k", None, "b", 9) == (0.0, 8)


class SlotLog:
    """A file limiter that counts its calls."""

    def __init__(self, directory: Path) -> None:
        self.limiter = FileRateLimiter(directory, RATE)
        self.calls = 0

    def reserve(self, key: str, max_wait: float | None = None, slot_id: str = "") -> float:
        self.calls += 1
        return self.limiter.reserve(key, max_wait, slot_id)

    def reserve_with_spares(
        self, key: str, max_wait: float | None, slot_id: str, spares: int
    ) -> tuple[float, int]:
        self.calls += 1
        return self.limiter.reserve_with_spares(key, max_wait, slot_id, spares)

    def release(self, key: str, slot_ids: list[str]) -> None:
        self.calls += 1
        self.limiter.release(key, slot_ids)

    def answered(self, key: str, slot_id: str) -> None:
        self.calls += 1
        self.limiter.answered(key, slot_id)

    def block(self, key: str, seconds: float) -> None:
        self.limiter.block(key, seconds)

    def slots(self, directory: Path) -> list[float]:
        return list(json.loads((directory / "k.json").read_text())["slots"])


def test_requests_back_to_back_share_limiter_calls_and_the_rest_is_given_back(tmp_path):
    log = SlotLog(tmp_path)
    budget = RateBudget("k", log, max_wait=1.0, late_after=1.0, counted_within=1.0)
    for _ in range(8):
        budget.take()()
    # 1 slot, then 2, 4 and 8 a call: four calls for eight requests, seven spares left
    assert log.calls == 4
    assert len(log.slots(tmp_path)) == RATE.limit  # the window's last two were all it had

    budget.close()

    assert log.calls == 5
    assert len(log.slots(tmp_path)) == 8  # one slot a request sent, as if spares never were


def test_a_spare_older_than_late_after_is_given_back_not_sent_on(tmp_path):
    log = SlotLog(tmp_path)
    budget = RateBudget("k", log, max_wait=1.0, late_after=0.1, counted_within=0.1)
    budget.take()()
    budget.take()()  # a call for two: this slot and a spare
    time.sleep(0.15)

    budget.take()()  # the spare went stale: given back, and a fresh slot taken

    assert log.calls == 4
    budget.close()
    slots = log.slots(tmp_path)
    assert len(slots) == 3
    assert slots[-1] >= time.time() - 0.1  # the third request's slot is its own, not the spare's


def test_a_429_gives_the_spares_back(tmp_path):
    log = SlotLog(tmp_path)
    budget = RateBudget("k", log, max_wait=1.0, late_after=1.0)
    budget.take()
    budget.take()  # and one spare

    budget.block(5.0)

    assert len(log.slots(tmp_path)) == 2
    with pytest.raises(Postponed):
        budget.take()  # no spare sends before the block ends
