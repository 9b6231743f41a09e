"""The Workable client: one session, time-outs, no redirects, typed errors, no secret leaks."""

from __future__ import annotations

import time

import pytest
import requests
import responses
from responses import matchers

from integrations.http import USER_AGENT, RateLimited, retry_after_seconds
from integrations.transport import DeliveryTimeout, PermanentError, TransientError
from workable.client import WorkableClient

TOKEN = "wk-client-test-token-55aa"
SPI = "https://acme.workable.com/spi/v3"
CALLBACK = "https://acme.workable.com/spi/v3/assessments/a1/results"


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


@pytest.fixture
def budget() -> CountingBudget:
    return CountingBudget()


@pytest.fixture
def client(budget: CountingBudget) -> WorkableClient:
    return WorkableClient(subdomain="acme", token=TOKEN, budget=budget)


HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "User-Agent": USER_AGENT,
    "Accept": "application/json",
}


@responses.activate
def test_it_puts_the_result_with_token_agent_and_exact_body(client, budget):
    put = responses.put(
        CALLBACK,
        json={},
        match=[
            matchers.header_matcher(HEADERS),
            matchers.json_params_matcher({"status": "pending"}),
        ],
    )

    exchange = client.put_assessment_result(CALLBACK, {"status": "pending"})

    assert put.call_count == 1
    assert (exchange.http_status, exchange.request) == (200, f"PUT {CALLBACK}")
    assert budget.taken == 1


@responses.activate
def test_it_checks_the_callback_allow_list_before_connecting(client, budget):
    with pytest.raises(PermanentError, match="not allowed"):
        client.put_assessment_result("https://evil.example/results", {"status": "pending"})

    assert len(responses.calls) == 0
    assert budget.taken == 0


@responses.activate
def test_it_never_follows_a_redirect(client):
    responses.get(
        f"{SPI}/jobs", status=302, headers={"Location": "http://169.254.169.254/"}, body=""
    )

    with pytest.raises(PermanentError, match="redirects are not followed"):
        client.list_jobs()

    assert len(responses.calls) == 1


@responses.activate
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_transient(client, status):
    responses.get(f"{SPI}/jobs", status=status, json={"error": "oops"})

    with pytest.raises(TransientError) as caught:
        client.list_jobs()

    assert not isinstance(caught.value, PermanentError)
    assert caught.value.exchange.http_status == status
    assert "oops" in str(caught.value)


@responses.activate
@pytest.mark.parametrize(
    ("status", "rejected"), [(400, False), (401, True), (403, True), (404, False), (422, False)]
)
def test_other_4xx_are_permanent(client, status, rejected):
    responses.get(f"{SPI}/jobs", status=status, json={"error": "no"})

    with pytest.raises(PermanentError) as caught:
        client.list_jobs()

    assert caught.value.credentials_rejected is rejected


@responses.activate
def test_429_is_transient_and_blocks_the_token(client, budget):
    responses.get(f"{SPI}/jobs", status=429, json={}, headers={"Retry-After": "7"})

    with pytest.raises(RateLimited) as caught:
        client.list_jobs()

    assert caught.value.retry_after == 7
    assert budget.blocked == [7]


def test_retry_after_reads_seconds_dates_and_the_reset_header():
    def read(**headers: str) -> float | None:
        return retry_after_seconds(
            requests.structures.CaseInsensitiveDict(headers), "X-Rate-Limit-Reset"
        )

    future = time.time() + 30
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(future))
    assert read(**{"Retry-After": "5"}) == 5
    assert 28 <= (read(**{"Retry-After": date}) or 0) <= 31
    assert 28 <= (read(**{"X-Rate-Limit-Reset": str(int(future))}) or 0) <= 31
    assert read() is None


@responses.activate
def test_timeouts_and_connection_errors_are_transient(client):
    responses.get(f"{SPI}/jobs", body=requests.ReadTimeout("slow"))
    responses.get(f"{SPI}/candidates", body=requests.ConnectionError("refused"))

    with pytest.raises(DeliveryTimeout):
        client.list_jobs()
    with pytest.raises(TransientError, match="Could not reach Workable"):
        client.list_candidates()


def test_it_sets_a_timeout_on_every_call(client, settings, monkeypatch):
    seen = {}

    def fake_request(self, method, url, **kwargs):
        seen.update(kwargs)
        raise requests.ConnectionError("stop")

    monkeypatch.setattr(requests.Session, "request", fake_request)
    with pytest.raises(TransientError):
        client.list_jobs()

    assert seen["timeout"] == (settings.WORKABLE_CONNECT_TIMEOUT, settings.WORKABLE_READ_TIMEOUT)
    assert seen["allow_redirects"] is False


@responses.activate
def test_it_finds_candidates_by_email_and_job(client):
    responses.get(
        f"{SPI}/candidates",
        json={"candidates": [{"id": "c1"}]},
        match=[matchers.query_param_matcher({"email": "j@example.com", "shortcode": "AB12"})],
    )

    assert client.find_candidates(email="j@example.com", shortcode="AB12") == [{"id": "c1"}]


@responses.activate
def test_it_follows_pages_only_under_the_base_url(client):
    responses.get(
        f"{SPI}/members",
        json={"members": [{"id": "m1"}], "paging": {"next": f"{SPI}/members?since_id=m1"}},
        match=[matchers.query_param_matcher({"limit": "100"})],
    )
    responses.get(
        f"{SPI}/members",
        json={"members": [{"id": "m2"}], "paging": {"next": "https://evil.example/members"}},
        match=[matchers.query_param_matcher({"since_id": "m1"})],
    )

    with pytest.raises(PermanentError, match="not followed"):
        client.list_members()

    assert [str(call.request.url).split("?")[0] for call in responses.calls] == [
        f"{SPI}/members"
    ] * 2


@responses.activate
def test_it_writes_comments_and_custom_attributes_as_documented(client):
    responses.post(
        f"{SPI}/candidates/c%2F1/comments",
        json={"id": "n1"},
        match=[
            matchers.json_params_matcher(
                {"member_id": "m1", "comment": {"body": "Great fit", "policy": ["admin"]}}
            )
        ],
    )
    responses.patch(
        f"{SPI}/candidates/c%2F1/update_custom_attribute_value",
        json={},
        match=[matchers.json_params_matcher({"custom_attribute_key": "k", "value": "82"})],
    )

    client.create_comment("c/1", member_id="m1", body="Great fit", policy=["admin"])
    client.update_custom_attribute_value("c/1", key="k", value="82")

    assert len(responses.calls) == 2


@responses.activate
def test_the_token_is_redacted_from_excerpts_and_messages(client):
    responses.get(f"{SPI}/jobs", status=401, json={"error": f"bad token {TOKEN}"})

    with pytest.raises(PermanentError) as caught:
        client.list_jobs()

    assert TOKEN not in str(caught.value)
    assert TOKEN not in caught.value.exchange.response_excerpt
    assert "[redacted]" in caught.value.exchange.response_excerpt


def test_the_base_url_comes_from_settings(settings, budget):
    settings.WORKABLE_API_BASE_URL = "http://127.0.0.1:9999/{subdomain}/spi/v3"

    client = WorkableClient(subdomain="acme", token=TOKEN, budget=budget)

    assert client.base_url == "http://127.0.0.1:9999/acme/spi/v3"
