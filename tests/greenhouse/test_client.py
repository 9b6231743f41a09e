"""The Harvest v3 client: the client-credentials token (shared, renewed before expiry and once
after a 401), cursor paging, the learnt rate limit and Greenhouse's errors."""

from __future__ import annotations

import time

import pytest
import responses

from greenhouse import client as client_module
from greenhouse.client import GreenhouseClient
from greenhouse.ratelimit import LearntRateLimiter
from integrations.http import RateLimited
from integrations.transport import PermanentError
from tests.greenhouse.support import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    HARVEST,
    TOKEN_URL,
    USER_ID,
    harvest,
    sent_form,
    token_endpoint,
)

pytestmark = pytest.mark.django_db


class Budget:
    def __init__(self) -> None:
        self.taken = 0
        self.blocked: list[float] = []

    def take(self) -> None:
        self.taken += 1

    def block(self, seconds: float) -> None:
        self.blocked.append(seconds)

    def close(self) -> None:
        return None


class Clock:
    """The access-token cache's clock, started now (the token answer is read by the real one)."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def greenhouse(budget: Budget | None = None, limiter: LearntRateLimiter | None = None):
    return GreenhouseClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        user_id=USER_ID,
        budget=budget or Budget(),
        limiter=limiter,
    )


@responses.activate
def test_the_token_is_asked_with_basic_credentials_and_sub_then_shared():
    [mint] = token_endpoint()
    users = harvest("GET", "/users", [{"id": 4080123}], query={"ids": USER_ID})
    budget = Budget()

    assert greenhouse(budget).users([USER_ID]) == [{"id": 4080123}]
    assert greenhouse().users([USER_ID]) == [{"id": 4080123}]  # another client, same token

    assert mint.call_count == 1
    assert sent_form(mint.calls[0]) == {"grant_type": ["client_credentials"], "sub": [USER_ID]}
    assert mint.calls[0].request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert users.call_count == 2
    assert budget.taken == 2  # the token request takes a slot too


@responses.activate
def test_the_token_is_renewed_before_it_expires(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("integrations.access_tokens.time", clock)
    first, second = token_endpoint(ACCESS_TOKEN, "gh-access-second", expires_in=600)
    harvest("GET", "/users", [], query={"ids": USER_ID})
    harvest("GET", "/users", [], query={"ids": USER_ID}, token="gh-access-second")

    greenhouse().users([USER_ID])
    clock.now += 600 - 61
    greenhouse().users([USER_ID])
    clock.now += 2  # within a minute of expiry
    greenhouse().users([USER_ID])

    assert (first.call_count, second.call_count) == (1, 1)


@responses.activate
def test_the_expiry_may_be_an_rfc3339_moment_or_missing():
    responses.post(
        TOKEN_URL, json={"access_token": ACCESS_TOKEN, "expires_at": "2099-01-01T00:00:00Z"}
    )
    harvest("GET", "/users", [], query={"ids": USER_ID})

    greenhouse().users([USER_ID])

    cached = client_module.TOKEN_CACHE.get(
        client_module.token_key(CLIENT_ID, USER_ID), lambda: pytest.fail("minted again")
    )
    assert cached.expires_at == 4070908800.0


@responses.activate
def test_a_harvest_401_mints_once_and_retries_once():
    token_endpoint(ACCESS_TOKEN, "gh-access-fresh")
    refused = harvest("GET", "/users", {"message": "expired"}, status=401, query={"ids": USER_ID})
    accepted = harvest(
        "GET", "/users", [{"id": 1}], query={"ids": USER_ID}, token="gh-access-fresh"
    )

    assert greenhouse().users([USER_ID]) == [{"id": 1}]
    assert (refused.call_count, accepted.call_count) == (1, 1)


@responses.activate
def test_a_second_401_is_final():
    token_endpoint(ACCESS_TOKEN, "gh-access-fresh")
    harvest("GET", "/users", status=401, query={"ids": USER_ID})
    again = harvest("GET", "/users", status=401, query={"ids": USER_ID}, token="gh-access-fresh")

    with pytest.raises(PermanentError) as refused:
        greenhouse().users([USER_ID])

    assert refused.value.credentials_rejected
    assert again.call_count == 1


@responses.activate
def test_a_refused_client_secret_is_permanent_and_never_shown():
    responses.post(TOKEN_URL, status=401, json={"message": f"bad secret {CLIENT_SECRET}"})

    with pytest.raises(PermanentError) as refused:
        greenhouse().users([USER_ID])

    assert refused.value.exchange.request == f"POST {TOKEN_URL}"
    assert CLIENT_SECRET not in str(refused.value)
    assert CLIENT_SECRET not in refused.value.exchange.response_excerpt
    assert len(responses.calls) == 1


@responses.activate
def test_a_token_answer_without_access_token_is_permanent():
    responses.post(TOKEN_URL, json={"token_type": "Bearer"})

    with pytest.raises(PermanentError, match="without an access_token"):
        greenhouse().users([USER_ID])


@responses.activate
def test_listings_follow_the_next_link_with_its_cursor_alone():
    token_endpoint()
    harvest(
        "GET",
        "/custom_fields",
        [{"id": 1}],
        query={"field_type": "candidate", "active": "true", "per_page": "500"},
        headers={"Link": f'<{HARVEST}/custom_fields?cursor=abc>; rel="next"'},
    )
    harvest("GET", "/custom_fields", [{"id": 2}], query={"cursor": "abc"})

    assert greenhouse().custom_fields("candidate") == [{"id": 1}, {"id": 2}]


@responses.activate
def test_a_next_link_off_the_api_is_not_followed():
    token_endpoint()
    harvest(
        "GET",
        "/users",
        [{"id": 1, "site_admin": True}],
        headers={"Link": '<https://evil.example/v3/users?cursor=abc>; rel="next"'},
    )

    with pytest.raises(PermanentError, match=r"leaves https://harvest\.greenhouse\.io/v3"):
        greenhouse().site_admins()
    assert len(responses.calls) == 2


@responses.activate
def test_the_rate_limit_is_learnt_from_x_ratelimit_limit():
    token_endpoint()
    harvest("GET", "/users", [], headers={"X-RateLimit-Limit": "75"}, query={"ids": USER_ID})
    limiter = LearntRateLimiter(CLIENT_ID)
    assert limiter.limit == 50

    greenhouse(limiter=limiter).users([USER_ID])

    assert limiter.limit == 75
    assert LearntRateLimiter(CLIENT_ID).limit == 75  # every process reads it
    assert LearntRateLimiter("another-client").limit == 50


@responses.activate
def test_429_blocks_the_client_id_for_retry_after():
    token_endpoint()
    harvest(
        "GET",
        "/users",
        {"message": "Too many requests."},
        status=429,
        headers={"Retry-After": "7", "X-RateLimit-Reset": "1"},
        query={"ids": USER_ID},
    )
    budget = Budget()

    with pytest.raises(RateLimited) as limited:
        greenhouse(budget).users([USER_ID])

    assert limited.value.retry_after == 7.0
    assert budget.blocked == [7.0]
    assert "Too many requests." in str(limited.value)


@responses.activate
def test_writes_send_the_custom_fields_body_and_the_note():
    token_endpoint()
    patch = harvest("PATCH", "/applications/265277", {"id": 265277})
    note = harvest("POST", "/notes", {"id": 91}, status=201)

    greenhouse().set_custom_fields("application", "265277", [("harver_score", 82)])
    note_id, exchange = greenhouse().create_note({"candidate_id": 1, "body": "x"})

    assert (
        patch.calls[0].request.body
        == b'{"custom_fields": [{"name_key": "harver_score", "value": 82}]}'
    )
    assert (note_id, exchange.http_status) == ("91", 201)
    assert note.call_count == 1


def test_http_urls_are_refused_outside_a_sandbox(settings):
    settings.GREENHOUSE_TOKEN_URL = "http://127.0.0.1:9/token"

    with pytest.raises(PermanentError, match=r"GREENHOUSE_TOKEN_URL .* is not https"):
        greenhouse()

    settings.GREENHOUSE_API_ALLOW_INSECURE = True
    greenhouse().close()
