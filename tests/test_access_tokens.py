"""The shared access-token cache: one mint for callers arriving together, renewal before expiry,
invalidation after a 401, encrypted at rest; on Redis and on the embedded file store."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import responses
from responses import matchers

from harver_integration.crypto import decrypt
from integrations.access_tokens import (
    AccessToken,
    AccessTokenAuthorization,
    AccessTokenCache,
    FileTokenStore,
    RedisTokenStore,
    TokenStore,
    default_store,
)
from integrations.http import ProviderClient
from integrations.transport import PermanentError, TransientError

PREFIX = "example"


class Mints:
    """A mint function that counts its calls and takes a while, like a token endpoint."""

    def __init__(self, *, life: float = 3600.0, delay: float = 0.0) -> None:
        self.life = life
        self.delay = delay
        self.values: list[str] = []
        self._lock = threading.Lock()

    def __call__(self) -> AccessToken:
        time.sleep(self.delay)
        with self._lock:
            value = f"access-{uuid.uuid4().hex}"
            self.values.append(value)
        return AccessToken(value=value, expires_at=time.time() + self.life)


@pytest.fixture
def redis_store() -> Iterator[RedisTokenStore]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    yield RedisTokenStore(client)
    client.close()


@pytest.fixture(params=["file", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> TokenStore:
    if request.param == "file":
        return FileTokenStore(tmp_path / "tokens")
    return request.getfixturevalue("redis_store")


def key() -> str:
    return f"client-{uuid.uuid4().hex}"


def test_callers_arriving_together_cause_one_mint(store):
    cache = AccessTokenCache(PREFIX, store=store)
    credential = key()
    mint = Mints(delay=0.3)
    barrier = threading.Barrier(6)
    tokens: list[str] = []

    def ask() -> None:
        barrier.wait()
        tokens.append(cache.get(credential, mint).value)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(mint.values) == 1
    assert tokens == mint.values * 6


def _ask_in_process(directory: str, credential: str, minted: str, start: float) -> None:
    cache = AccessTokenCache(PREFIX, store=FileTokenStore(Path(directory)))

    def mint() -> AccessToken:
        time.sleep(0.3)
        value = f"access-{uuid.uuid4().hex}"
        with open(minted, "a") as log:
            log.write(value + "\n")
        return AccessToken(value=value, expires_at=time.time() + 3600)

    time.sleep(max(0.0, start - time.time()))
    token = cache.get(credential, mint).value
    with open(f"{minted}.{os.getpid()}", "w") as answer:
        answer.write(token)


def test_processes_asking_at_once_cause_one_mint_on_the_embedded_store(tmp_path):
    context = multiprocessing.get_context("fork")
    minted = tmp_path / "minted"
    start = time.time() + 0.5
    processes = [
        context.Process(
            target=_ask_in_process, args=(str(tmp_path / "tokens"), "shared", str(minted), start)
        )
        for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=30)

    assert [process.exitcode for process in processes] == [0] * 4
    [value] = minted.read_text().split()
    answers = {path.read_text() for path in tmp_path.glob("minted.*")}
    assert answers == {value}


def test_a_fresh_token_is_reused_and_renewed_before_it_expires(store):
    cache = AccessTokenCache(PREFIX, renew_before=60, store=store)
    credential = key()
    mint = Mints(life=3600)

    first = cache.get(credential, mint)
    again = cache.get(credential, mint)

    assert again == first
    assert len(mint.values) == 1
    assert first.renew_at == pytest.approx(first.expires_at - 60, abs=0.01)


def test_renewal_happens_the_margin_before_expiry_not_after(store):
    cache = AccessTokenCache(PREFIX, renew_before=0.6, store=store)
    credential = key()
    mint = Mints(life=1.5)
    first = cache.get(credential, mint)

    time.sleep(max(0.0, first.renew_at - time.time()) + 0.05)
    second = cache.get(credential, mint)

    assert time.time() < first.expires_at  # the old one still worked: renewed in time
    assert second.value != first.value
    assert len(mint.values) == 2


def test_a_short_lived_token_is_renewed_at_half_its_life(store):
    cache = AccessTokenCache(PREFIX, renew_before=60, store=store)

    token = cache.get(key(), Mints(life=10))

    assert token.renew_at == pytest.approx(token.expires_at - 5, abs=0.05)


def test_invalidate_drops_the_refused_token_only(store):
    cache = AccessTokenCache(PREFIX, store=store)
    credential = key()
    mint = Mints()
    first = cache.get(credential, mint).value

    cache.invalidate(credential, "a-token-another-process-already-replaced")
    assert cache.get(credential, mint).value == first

    cache.invalidate(credential, first)
    second = cache.get(credential, mint).value
    assert second != first
    assert mint.values == [first, second]


def test_the_cached_token_is_encrypted_at_rest(store):
    cache = AccessTokenCache(PREFIX, store=store)
    credential = key()
    token = cache.get(credential, Mints()).value

    stored = store.read(cache._name(credential))

    assert stored is not None
    assert token not in stored
    assert credential not in cache._name(credential)
    assert token in decrypt(stored)


def test_the_embedded_default_keeps_tokens_in_files_under_var_dir(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.VAR_DIR = tmp_path
    cache = AccessTokenCache(PREFIX)
    mint = Mints()

    token = cache.get("client-1", mint).value

    assert isinstance(default_store(), FileTokenStore)
    [path] = (tmp_path / "access_tokens").glob("*.json")
    assert token not in path.read_text()
    assert AccessTokenCache(PREFIX).get("client-1", mint).value == token
    assert len(mint.values) == 1


def test_a_store_that_is_down_is_a_transient_error():
    dead = RedisTokenStore(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))

    with pytest.raises(TransientError, match="access token store is unavailable"):
        AccessTokenCache(PREFIX, store=dead).get(key(), Mints())


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"access_token": "t", "expires_in": 3600}, 1_000_003_600.0),
        ({"access_token": "t", "expires_in": "60"}, 1_000_000_060.0),
        ({"access_token": "t", "expires_at": "2001-09-09T01:46:40Z"}, 1_000_000_000.0),
        ({"access_token": "t", "expires_at": "2001-09-09T01:46:40.000+00:00"}, 1_000_000_000.0),
        ({"access_token": "t", "expires_at": 1_000_000_100}, 1_000_000_100.0),
    ],
)
def test_a_token_answer_gives_its_expiry_either_way(answer, expected):
    assert AccessToken.from_answer(answer, now=1_000_000_000.0).expires_at == expected


@pytest.mark.parametrize(
    "answer",
    [
        {},
        [],
        {"access_token": 5, "expires_in": 60},
        {"access_token": "t"},
        {"access_token": "t", "expires_in": "²"},
        {"access_token": "t", "expires_at": "soon"},
        {"access_token": "t", "expires_in": float("nan")},
        {"access_token": "t", "expires_in": True},
    ],
)
def test_a_malformed_token_answer_is_a_permanent_error(answer):
    with pytest.raises(PermanentError, match="token endpoint"):
        AccessToken.from_answer(answer)


# --- A provider client on access tokens: Bearer, mint once and retry once on a 401 ----------

API = "https://api.example.test/v3"
TOKEN_URL = "https://auth.example.test/token"
CLIENT_SECRET = "example-client-secret-9f8e7d"


class NoBudget:
    def __init__(self) -> None:
        self.taken = 0

    def take(self) -> None:
        self.taken += 1

    def block(self, seconds: float) -> None:
        return None

    def close(self) -> None:
        return None


class ExampleOAuthClient(ProviderClient):
    """What an OAuth client-credentials provider writes on the base."""

    label = "Example ATS"

    def __init__(self, cache: AccessTokenCache, budget: NoBudget) -> None:
        self.client_id = "client-42"
        authorization = AccessTokenAuthorization(
            cache, self.client_id, self._mint, secrets=[CLIENT_SECRET]
        )
        super().__init__(
            base_url=API,
            budget=budget,
            authorization=authorization,
            timeout=(1, 1),
            allow_loopback=False,
        )

    def _mint(self) -> AccessToken:
        answer = self._request(
            "POST",
            TOKEN_URL,
            data={"grant_type": "client_credentials"},
            auth=(self.client_id, CLIENT_SECRET),
            authorize=False,
        )
        return AccessToken.from_answer(answer.data)

    def jobs(self) -> Any:
        return self._request("GET", f"{API}/jobs").data


def token_endpoint(*values: str) -> list[responses.BaseResponse]:
    return [
        responses.post(
            TOKEN_URL,
            json={"access_token": value, "expires_in": 3600},
            match=[matchers.urlencoded_params_matcher({"grant_type": "client_credentials"})],
        )
        for value in values
    ]


def api(status: int, token: str) -> responses.BaseResponse:
    return responses.get(
        f"{API}/jobs",
        status=status,
        json={"jobs": []} if status == 200 else {"message": f"token {token} refused"},
        match=[matchers.header_matcher({"Authorization": f"Bearer {token}"})],
    )


@pytest.fixture
def cache(tmp_path: Path) -> AccessTokenCache:
    return AccessTokenCache(PREFIX, store=FileTokenStore(tmp_path / "tokens"))


@responses.activate
def test_the_client_sends_the_cached_access_token_and_mints_only_once(cache):
    [mint] = token_endpoint("access-1")
    calls = api(200, "access-1")

    for _ in range(2):
        with ExampleOAuthClient(cache, NoBudget()) as client:
            assert client.jobs() == {"jobs": []}

    assert (mint.call_count, calls.call_count) == (1, 2)
    # the token request carried the client credentials, the API calls only the access token
    assert mint.calls[0].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_a_401_mints_once_and_retries_once(cache):
    token_endpoint("access-1", "access-2")
    refused = api(401, "access-1")
    accepted = api(200, "access-2")
    budget = NoBudget()

    with ExampleOAuthClient(cache, budget) as client:
        assert client.jobs() == {"jobs": []}

    assert (refused.call_count, accepted.call_count) == (1, 1)
    assert budget.taken == 4  # two token requests, two API calls: the limit counts them all


@responses.activate
def test_a_second_401_is_final_and_no_secret_shows(cache):
    token_endpoint("access-1", "access-2")
    api(401, "access-1")
    api(401, "access-2")

    with ExampleOAuthClient(cache, NoBudget()) as client, pytest.raises(PermanentError) as caught:
        client.jobs()

    assert caught.value.credentials_rejected
    assert len(responses.calls) == 4  # no third mint, no third call
    shown = str(caught.value) + caught.value.exchange.response_excerpt
    assert "access-2" not in shown
    assert "[redacted]" in shown


@responses.activate
def test_a_refusal_at_the_token_endpoint_is_permanent_and_not_retried(cache):
    responses.post(TOKEN_URL, status=401, json={"message": f"bad secret {CLIENT_SECRET}"})

    with ExampleOAuthClient(cache, NoBudget()) as client, pytest.raises(PermanentError) as caught:
        client.jobs()

    assert caught.value.credentials_rejected
    assert len(responses.calls) == 1
    assert CLIENT_SECRET not in str(caught.value)
