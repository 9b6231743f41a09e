"""The provider client base: what every provider's client gets without writing it."""

from __future__ import annotations

import time

import pytest
import requests
import responses

from integrations.http import (
    USER_AGENT,
    BearerToken,
    ProviderClient,
    RateLimited,
    retry_after_seconds,
)
from integrations.transport import PermanentError, TransientError

API = "https://api.example.test/v1"
TOKEN = "example-static-token-4d3c2b1a"
OTHER_SECRET = "example-webhook-secret-0a9b8c"


class CountingBudget:
    def __init__(self) -> None:
        self.taken = 0
        self.blocked: list[float] = []

    def take(self) -> None:
        self.taken += 1

    def block(self, seconds: float) -> None:
        self.blocked.append(seconds)

    def close(self) -> None:
        return None


class AnswerTrackingBudget:
    """Records, for each request, whether it had left when the budget was told of its answer."""

    def __init__(self) -> None:
        self.answers: list[int] = []

    def take(self):
        def answered() -> None:
            self.answers.append(len(responses.calls))

        return answered

    def block(self, seconds: float) -> None:
        pass

    def close(self) -> None:
        return None


class ExampleClient(ProviderClient):
    label = "Example ATS"

    def get(self, path: str) -> object:
        return self._request("GET", f"{API}{path}").data


class DetailedErrors(ExampleClient):
    def describe_error(self, response: requests.Response) -> str:
        return "; ".join(error["detail"] for error in response.json()["errors"])


def client(cls: type[ExampleClient] = ExampleClient, **overrides: object) -> ExampleClient:
    arguments: dict[str, object] = {
        "base_url": API,
        "budget": CountingBudget(),
        "authorization": BearerToken(TOKEN),
        "timeout": (1.0, 2.0),
        "allow_loopback": False,
        "secrets": [OTHER_SECRET],
        **overrides,
    }
    return cls(**arguments)  # type: ignore[arg-type]


@responses.activate
def test_every_request_carries_the_agent_and_the_authorization():
    jobs = responses.get(f"{API}/jobs", json={"jobs": []})

    assert client().get("/jobs") == {"jobs": []}

    headers = jobs.calls[0].request.headers
    assert (headers["User-Agent"], headers["Authorization"]) == (USER_AGENT, f"Bearer {TOKEN}")


@responses.activate
def test_the_provider_names_itself_and_reads_its_own_error_body():
    responses.get(f"{API}/a", status=422, json={"message": "bad filter"})
    responses.get(f"{API}/b", status=422, json={"errors": [{"detail": "x"}, {"detail": "y"}]})

    with pytest.raises(PermanentError, match=r"^Example ATS refused the request \(HTTP 422\): bad"):
        client().get("/a")
    with pytest.raises(PermanentError, match=r"\(HTTP 422\): x; y\.$"):
        client(DetailedErrors).get("/b")


@responses.activate
def test_every_secret_the_client_holds_is_redacted_even_at_the_excerpts_end():
    # the token straddles the excerpt's 500th character; the other secret is in the message
    message = "x" * 477 + TOKEN + " " + OTHER_SECRET
    responses.get(f"{API}/a", status=400, json={"message": message})
    assert f'{{"message": "{message}"}}'.index(TOKEN) == 490

    with pytest.raises(PermanentError) as caught:
        client().get("/a")

    excerpt = caught.value.exchange.response_excerpt
    assert len(excerpt) == 500
    assert TOKEN[:8] not in excerpt
    assert excerpt.endswith("x[redacted]"[: 500 - 489])
    assert OTHER_SECRET not in str(caught.value)
    assert TOKEN not in str(caught.value)


@responses.activate
def test_a_static_token_refused_with_401_is_not_sent_twice():
    responses.get(f"{API}/a", status=401, json={})

    with pytest.raises(PermanentError) as caught:
        client().get("/a")

    assert caught.value.credentials_rejected
    assert len(responses.calls) == 1


@responses.activate
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"X-RateLimit-Reset": "30"}, 30.0),  # small: seconds to wait
        ({"Retry-After": "²", "X-RateLimit-Reset": "²"}, None),
    ],
)
def test_429_reads_the_wait_from_the_providers_headers(headers, expected):
    responses.get(f"{API}/a", status=429, json={}, headers=headers)
    budget = CountingBudget()

    with pytest.raises(RateLimited) as caught:
        client(budget=budget).get("/a")

    assert caught.value.retry_after == expected
    assert budget.blocked == ([] if expected is None else [expected])


@responses.activate
def test_the_budget_hears_of_each_answer_after_it_came_and_of_each_failure():
    responses.get(f"{API}/a", json={})
    responses.get(f"{API}/b", status=500, json={})
    responses.get(f"{API}/c", body=requests.ConnectionError("refused"))
    budget = AnswerTrackingBudget()

    client(budget=budget).get("/a")
    for path in ("/b", "/c"):
        with pytest.raises(TransientError):
            client(budget=budget).get(path)

    # told once per request, each time after that request had been sent
    assert budget.answers == [1, 2, 3]


def test_a_reset_moment_is_read_as_epoch_seconds():
    moment = time.time() + 40

    waited = retry_after_seconds({"X-RateLimit-Reset": f"{moment:.0f}"})

    assert waited is not None
    assert 38 <= waited <= 41


def test_the_next_page_must_stay_under_the_base_url():
    example = client()

    assert example._next_page(f"{API}/jobs?cursor=abc", "jobs") == f"{API}/jobs?cursor=abc"
    for elsewhere in (
        "https://evil.example/v1/jobs",
        "https://api.example.test/v2/jobs",
        "https://api.example.test/v1.evil/jobs",
        "http://api.example.test/v1/jobs",
    ):
        with pytest.raises(PermanentError, match="not followed"):
            example._next_page(elsewhere, "jobs")


class ObservingClient(ExampleClient):
    def __init__(self, **arguments: object) -> None:
        super().__init__(**arguments)  # type: ignore[arg-type]
        self.seen: list[tuple[int, str]] = []

    def observe(self, response: requests.Response) -> None:
        self.seen.append((response.status_code, response.headers.get("X-Limit", "")))


@responses.activate
def test_a_provider_sees_every_answer_before_it_is_read_even_a_refusal():
    responses.get(f"{API}/a", json={}, headers={"X-Limit": "75"})
    responses.get(f"{API}/b", status=429, json={}, headers={"X-Limit": "60"})
    observing = client(ObservingClient)

    observing.get("/a")
    with pytest.raises(RateLimited):
        observing.get("/b")

    assert observing.seen == [(200, "75"), (429, "60")]
