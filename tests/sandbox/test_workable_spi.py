"""The stand-in Workable's API, framework-free, as the platform's client calls it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.store import MemoryStore
from sandbox.wire import SandboxRequest
from workable.sandbox.spi import RATE_LIMIT, WorkableSandbox

ROOT = "http://127.0.0.1:8000/sandbox/workable"
TOKEN = "spi-token-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def workable(clock: Clock) -> WorkableSandbox:
    sandbox = WorkableSandbox(MemoryStore(), root=ROOT, clock=clock)
    sandbox.create_account("demo", "Demo", api_token=TOKEN)
    return sandbox


def call(
    sandbox: WorkableSandbox,
    method: str,
    path: str,
    body: Any = None,
    *,
    query: str = "",
    token: str = TOKEN,
) -> tuple[int, Any, dict[str, str]]:
    answer = sandbox.handle(
        SandboxRequest.build(
            method,
            path,
            query_string=query,
            headers={"Authorization": f"Bearer {token}"},
            body=b"" if body is None else json.dumps(body).encode(),
        )
    )
    return answer.status, answer.body, answer.headers


def test_a_wrong_token_is_refused(workable: WorkableSandbox) -> None:
    status, body, _ = call(workable, "GET", "/demo/spi/v3/jobs", token="nope")
    assert (status, body) == (401, {"error": "Not authorized"})


def test_an_unknown_subdomain_is_not_found(workable: WorkableSandbox) -> None:
    assert call(workable, "GET", "/acme/spi/v3/jobs")[0] == 404


def test_jobs_are_listed_with_rate_limit_headers(workable: WorkableSandbox) -> None:
    shortcode = workable.add_job("demo", "Store Associate")
    status, body, headers = call(workable, "GET", "/demo/spi/v3/jobs", query="limit=1")
    assert status == 200
    assert body["jobs"][0]["shortcode"] == shortcode
    assert headers["X-Rate-Limit-Limit"] == str(RATE_LIMIT)
    assert headers["X-Rate-Limit-Remaining"] == str(RATE_LIMIT - 1)


def test_a_bad_limit_is_refused(workable: WorkableSandbox) -> None:
    assert call(workable, "GET", "/demo/spi/v3/jobs", query="limit=500")[0] == 422


def test_listings_page_with_an_absolute_next_link(workable: WorkableSandbox) -> None:
    titles = [f"Job {number}" for number in range(3)]
    for title in titles:
        workable.add_job("demo", title)
    _, first, _ = call(workable, "GET", "/demo/spi/v3/jobs", query="limit=2")
    next_url = first["paging"]["next"]
    assert next_url.startswith(f"{ROOT}/demo/spi/v3/jobs?")
    _, second, _ = call(workable, "GET", "/demo/spi/v3/jobs", query=next_url.split("?", 1)[1])
    assert [job["title"] for job in first["jobs"] + second["jobs"]] == titles
    assert "paging" not in second


def test_over_the_limit_answers_429_with_retry_after(
    workable: WorkableSandbox, clock: Clock
) -> None:
    for _ in range(RATE_LIMIT):
        assert call(workable, "GET", "/demo/spi/v3/members")[0] == 200
    status, _, headers = call(workable, "GET", "/demo/spi/v3/members")
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    clock.now += 10
    assert call(workable, "GET", "/demo/spi/v3/members")[0] == 200


def test_the_candidate_search_matches_email_and_job(workable: WorkableSandbox) -> None:
    store = workable.add_job("demo", "Store")
    other = workable.add_job("demo", "Other")
    jane = workable.add_candidate("demo", shortcode=store, name="Jane Doe", email="jane@x.test")
    workable.add_candidate("demo", shortcode=other, name="Jane Doe", email="jane@x.test")
    _, body, _ = call(
        workable, "GET", "/demo/spi/v3/candidates", query=f"email=JANE@x.test&shortcode={store}"
    )
    assert [hit["id"] for hit in body["candidates"]] == [jane]
    assert body["candidates"][0]["job"]["shortcode"] == store


def test_a_note_lands_on_the_timeline(workable: WorkableSandbox) -> None:
    job = workable.add_job("demo", "Store")
    jane = workable.add_candidate("demo", shortcode=job, name="Jane Doe", email="jane@x.test")
    note = {"member_id": "m-recruiter", "comment": {"body": "Great fit", "policy": ["admin"]}}
    status, body, _ = call(workable, "POST", f"/demo/spi/v3/candidates/{jane}/comments", note)
    assert status == 201
    assert body["id"]
    entry = workable.candidate("demo", jane)["timeline"][-1]
    assert (entry["kind"], entry["text"]) == ("comment", "Great fit")


@pytest.mark.parametrize(
    "note",
    [
        {"member_id": "someone", "comment": {"body": "x"}},
        {"member_id": "m-recruiter", "comment": {"body": ""}},
        {"member_id": "m-recruiter"},
    ],
)
def test_a_note_without_member_or_body_is_refused(
    workable: WorkableSandbox, note: dict[str, Any]
) -> None:
    job = workable.add_job("demo", "Store")
    jane = workable.add_candidate("demo", shortcode=job, name="Jane Doe", email="jane@x.test")
    assert call(workable, "POST", f"/demo/spi/v3/candidates/{jane}/comments", note)[0] == 422


def test_a_custom_attribute_is_written_and_an_unknown_key_is_404(
    workable: WorkableSandbox,
) -> None:
    job = workable.add_job("demo", "Store")
    jane = workable.add_candidate("demo", shortcode=job, name="Jane Doe", email="jane@x.test")
    path = f"/demo/spi/v3/candidates/{jane}/update_custom_attribute_value"
    assert (
        call(workable, "PATCH", path, {"custom_attribute_key": "harver_score", "value": "82"})[0]
        == 200
    )
    assert workable.candidate("demo", jane)["custom_attributes"] == {"harver_score": "82"}
    assert call(workable, "PATCH", path, {"custom_attribute_key": "nope", "value": "1"})[0] == 404


def test_an_unknown_candidate_is_404(workable: WorkableSandbox) -> None:
    note = {"member_id": "m-recruiter", "comment": {"body": "x"}}
    assert call(workable, "POST", "/demo/spi/v3/candidates/c9/comments", note)[0] == 404


def test_bad_json_is_400(workable: WorkableSandbox) -> None:
    job = workable.add_job("demo", "Store")
    jane = workable.add_candidate("demo", shortcode=job, name="Jane Doe", email="jane@x.test")
    answer = workable.handle(
        SandboxRequest.build(
            "POST",
            f"/demo/spi/v3/candidates/{jane}/comments",
            headers={"Authorization": f"Bearer {TOKEN}"},
            body=b"{not json",
        )
    )
    assert answer.status == 400


def _requested(workable: WorkableSandbox) -> tuple[str, str]:
    job = workable.add_job("demo", "Store")
    jane = workable.add_candidate("demo", shortcode=job, name="Jane Doe", email="jane@x.test")
    workable.add_request("demo", "req1", {"candidate_id": jane, "test_name": "Store test"})
    return jane, "/demo/callbacks/req1"


def test_a_completed_result_lands_on_the_timeline(workable: WorkableSandbox) -> None:
    jane, path = _requested(workable)
    result = {
        "status": "completed",
        "results_url": "https://h.test/r/1",
        "assessment": {"score": "82", "grade": "excelled", "details": {"Care": 88}},
        "attachments": [{"description": "PDF report", "url": "https://h.test/r/1.pdf"}],
    }
    assert call(workable, "PUT", path, {"status": "pending"})[0] == 200
    assert call(workable, "PUT", path, result)[0] == 200
    entries = workable.candidate("demo", jane)["timeline"]
    assert [entry["title"] for entry in entries[-2:]] == [
        "Assessment pending",
        "Assessment completed",
    ]
    assert entries[-1]["score"] == "82"
    assert entries[-1]["attachments"][0]["url"] == "https://h.test/r/1.pdf"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "declined"},
        {"status": "complete"},
        {"status": "completed", "assessment": {"score": "1", "grade": "passed"}},
        {"status": "completed", "results_url": "https://h.test/r", "assessment": {"score": 82}},
    ],
)
def test_a_result_workable_would_refuse_is_422(
    workable: WorkableSandbox, body: dict[str, Any]
) -> None:
    _, path = _requested(workable)
    assert call(workable, "PUT", path, body)[0] == 422


def test_a_callback_needs_the_token_and_a_known_request(workable: WorkableSandbox) -> None:
    _, path = _requested(workable)
    assert call(workable, "PUT", path, {"status": "pending"}, token="nope")[0] == 401
    assert call(workable, "PUT", "/demo/callbacks/other", {"status": "pending"})[0] == 404
