"""The stand-in Greenhouse over real HTTP: token endpoint, v3 paths, paging, limits, faults,
and the webhook sender's signed bytes."""

from __future__ import annotations

import datetime
import json
import time

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from greenhouse.pagination import next_page_url
from greenhouse.sandbox.webhooks import WebhookSender
from greenhouse.signatures import signature_matches
from greenhouse.unconfirmed import SCOPES
from tests.greenhouse.standin import HarvestServer, harvest_server


@pytest.fixture
def greenhouse():
    with harvest_server(token_lifetime=60) as server:
        harvest = server.harvest
        harvest.add_client("client-1", "secret-1")
        server.admin = harvest.add_user("Harver Integration")
        yield server


def token(server: HarvestServer, *, client=("client-1", "secret-1"), sub=None) -> requests.Response:
    return requests.post(
        server.token_url,
        auth=client,
        data={"grant_type": "client_credentials", "sub": str(sub or server.admin["id"])},
        timeout=5,
    )


def bearer(server: HarvestServer, **options) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(server, **options).json()['access_token']}"}


def get(server: HarvestServer, path: str, headers, **params) -> requests.Response:
    return requests.get(f"{server.api_base_url}{path}", headers=headers, params=params, timeout=5)


def test_the_token_endpoint_trades_client_credentials_for_a_short_lived_token(greenhouse):
    answer = token(greenhouse)

    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    expires_at = datetime.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert 0 < (expires_at - datetime.datetime.now(datetime.UTC)).total_seconds() <= 61
    arrival = greenhouse.harvest.requests(path="/token")[-1]
    assert (arrival.client_id, arrival.body) == ("client-1", None)
    issued = greenhouse.harvest.token(body["access_token"])
    assert issued is not None
    assert issued["sub"] == str(greenhouse.admin["id"])


def test_the_token_endpoint_refuses_bad_client_credentials_and_grants(greenhouse):
    assert token(greenhouse, client=("client-1", "wrong")).status_code == 401
    assert token(greenhouse, client=("nobody", "secret-1")).status_code == 401
    no_basic = requests.post(
        greenhouse.token_url, data={"grant_type": "client_credentials"}, timeout=5
    )
    assert no_basic.status_code == 401
    wrong_grant = requests.post(
        greenhouse.token_url,
        auth=("client-1", "secret-1"),
        data={"grant_type": "password"},
        timeout=5,
    )
    assert (wrong_grant.status_code, wrong_grant.json()) == (
        400,
        {"error": "unsupported_grant_type"},
    )


def test_a_new_token_voids_the_previous_one_and_tokens_expire(greenhouse):
    first = bearer(greenhouse)
    second = bearer(greenhouse)

    assert get(greenhouse, "/users", first).status_code == 401
    assert get(greenhouse, "/users", second).status_code == 200
    greenhouse.harvest.expire_tokens()
    assert get(greenhouse, "/users", second).status_code == 401
    assert get(greenhouse, "/users", {}).status_code == 401


def test_lists_need_the_scope_and_a_site_admin(greenhouse):
    harvest = greenhouse.harvest
    harvest.add_client("narrow", "s", scopes=[s for s in SCOPES if s != "harvest:jobs:list"])
    narrow = bearer(greenhouse, client=("narrow", "s"))
    assert get(greenhouse, "/users", narrow).status_code == 200
    refused = get(greenhouse, "/jobs", narrow)
    assert refused.status_code == 403
    assert refused.json()["message"] == "The credential lacks the scope harvest:jobs:list."

    recruiter = harvest.add_user("Rita Recruiter", site_admin=False)
    gone = harvest.add_user("Old Admin", deactivated=True)
    for user in (recruiter, gone):
        answer = get(greenhouse, "/users", bearer(greenhouse, sub=user["id"]))
        assert answer.status_code == 403
        assert "Site Admin" in answer.json()["message"]


def test_ids_select_records_and_at_most_50_are_taken(greenhouse):
    harvest = greenhouse.harvest
    headers = bearer(greenhouse)
    user = greenhouse.admin
    answer = get(greenhouse, "/users", headers, ids=str(user["id"]))
    assert answer.json() == [user]
    assert get(greenhouse, "/users", headers, ids="999999").json() == []
    too_many = get(greenhouse, "/users", headers, ids=",".join(str(n) for n in range(51)))
    assert too_many.status_code == 422
    assert harvest.requests(path="/v3/users")[-1].status == 422


def test_cursor_paging_follows_link_next_and_the_cursor_travels_alone(greenhouse):
    harvest = greenhouse.harvest
    for number in range(7):
        harvest.add_job(f"Job {number}", ["Application Review", "Harver Assessment"])
    headers = bearer(greenhouse)

    seen: list[str] = []
    url: str | None = f"{greenhouse.api_base_url}/jobs"
    params: dict[str, str | int] | None = {"status": "open", "per_page": 3}
    while url:
        answer = requests.get(url, headers=headers, params=params, timeout=5)
        assert answer.status_code == 200
        seen.extend(job["name"] for job in answer.json())
        url, params = next_page_url(answer.headers.get("Link"), greenhouse.api_base_url), None

    assert seen == [f"Job {number}" for number in range(7)]
    first = get(greenhouse, "/jobs", headers, per_page=3)
    link = next_page_url(first.headers["Link"], greenhouse.api_base_url)
    assert requests.get(f"{link}&per_page=3", headers=headers, timeout=5).status_code == 422
    assert get(greenhouse, "/jobs", headers, per_page=0).status_code == 422
    assert get(greenhouse, "/jobs", headers, per_page=501).status_code == 422
    assert len(get(greenhouse, "/jobs", headers, per_page=500).json()) == 7


def test_stages_fields_options_and_the_current_application_stage(greenhouse):
    harvest = greenhouse.harvest
    job = harvest.add_job("Designer", ["Application Review", "Harver Assessment", "Offer"])
    fit = harvest.add_custom_field(
        "harver_fit", value_type="single_select", options=["Great fit", "Poor fit"]
    )
    harvest.add_custom_field("harver_app_score", field_type="application")
    candidate = harvest.add_candidate(emails=[("g@example.com", "personal")])
    application = harvest.add_application(candidate["id"], job["id"], "Application Review")
    harvest.move(application["id"], "Harver Assessment")
    headers = bearer(greenhouse)

    stages = get(greenhouse, "/job_interview_stages", headers, job_ids=job["id"]).json()
    assert [stage["name"] for stage in stages] == [
        "Application Review",
        "Harver Assessment",
        "Offer",
    ]
    fields = get(
        greenhouse, "/custom_fields", headers, field_type="candidate", active="true"
    ).json()
    assert [field["name_key"] for field in fields] == ["harver_fit"]
    options = get(greenhouse, "/custom_field_options", headers, custom_field_ids=fit["id"]).json()
    assert [option["name"] for option in options] == ["Great fit", "Poor fit"]
    current = get(
        greenhouse,
        "/application_stages",
        headers,
        application_ids=application["id"],
        current="true",
    ).json()
    assert [row["job_interview_stage_id"] for row in current] == [
        harvest.stage(job["id"], "Harver Assessment")["id"]
    ]
    [record] = get(greenhouse, "/applications", headers, ids=application["id"]).json()
    assert (record["status"], record["stage_name"]) == ("in_process", "Harver Assessment")


def test_custom_field_patches_are_checked_and_stored(greenhouse):
    harvest = greenhouse.harvest
    harvest.add_custom_field("harver_score")
    fit = harvest.add_custom_field("harver_fit", value_type="single_select", options=["Great fit"])
    harvest.add_custom_field("harver_summary", value_type="short_text")
    candidate = harvest.add_candidate()
    headers = bearer(greenhouse)
    url = f"{greenhouse.api_base_url}/candidates/{candidate['id']}"
    option = next(iter(harvest.custom_field_options))

    def patch(*items):
        body = {"custom_fields": [{"name_key": k, "value": v} for k, v in items]}
        return requests.patch(url, json=body, headers=headers, timeout=5)

    assert patch(("harver_score", 82), ("harver_fit", option)).status_code == 200
    assert harvest.candidates[candidate["id"]]["custom_fields"] == {
        "harver_score": 82,
        "harver_fit": option,
    }
    assert patch(("harver_score", "82")).status_code == 422
    assert patch(("harver_fit", "Great fit")).status_code == 422
    assert patch(("harver_summary", "x" * 255)).status_code == 422
    assert patch(("unknown_key", 1)).status_code == 422
    assert fit["id"] not in harvest.candidates[candidate["id"]]["custom_fields"]
    missing = requests.patch(
        f"{greenhouse.api_base_url}/candidates/1",
        json={"custom_fields": []},
        headers=headers,
        timeout=5,
    )
    assert missing.status_code == 404


def test_notes_are_created_listed_and_one_can_time_out_after_being_stored(greenhouse):
    harvest = greenhouse.harvest
    candidate = harvest.add_candidate()
    headers = bearer(greenhouse)
    body = {
        "candidate_id": candidate["id"],
        "application_id": None,
        "user_id": greenhouse.admin["id"],
        "body": "Great fit\n[harver:r1]",
        "visibility": "public",
        "note_type": "NOTE",
    }
    created = requests.post(
        f"{greenhouse.api_base_url}/notes", json=body, headers=headers, timeout=5
    )
    assert created.status_code == 201
    assert created.json()["visibility"] == "publicly_visible"

    harvest.time_out_next_note = 2.0
    with pytest.raises(requests.Timeout):
        requests.post(f"{greenhouse.api_base_url}/notes", json=body, headers=headers, timeout=0.5)
    listed = get(
        greenhouse,
        "/notes",
        headers,
        candidate_ids=candidate["id"],
        user_ids=greenhouse.admin["id"],
    ).json()
    assert len(listed) == 2
    bad = requests.post(
        f"{greenhouse.api_base_url}/notes",
        json={**body, "visibility": "everyone"},
        headers=headers,
        timeout=5,
    )
    assert bad.status_code == 422


def test_rate_limit_headers_and_429_with_retry_after():
    with harvest_server(rate_limit=3, rate_window=2.0) as server:
        server.harvest.add_client("c", "s")
        admin = server.harvest.add_user()
        headers = bearer(server, client=("c", "s"), sub=admin["id"])
        # Start at the beginning of a window so the four calls share it.
        time.sleep(2.0 - time.time() % 2.0)
        answers = [get(server, "/users", headers) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers[:3]] == ["2", "1", "0"]
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 2


def test_scripted_faults_answer_then_clear(greenhouse):
    headers = bearer(greenhouse)
    greenhouse.harvest.fail(r"^/v3/users$", 503, times=2)
    assert [get(greenhouse, "/users", headers).status_code for _ in range(3)] == [503, 503, 200]


@pytest.fixture
def receiver():
    server = HTTPServer(host="127.0.0.1", port=0)
    received: list[Request] = []

    def record(request: Request) -> Response:
        request.get_data()
        received.append(request)
        return Response(
            json.dumps({"status": 200, "message": "ok"}), content_type="application/json"
        )

    server.expect_request("/hook", method="POST").respond_with_handler(record)
    server.start()
    yield server, received
    server.clear()
    server.stop()


def test_webhooks_are_signed_over_the_exact_bytes_with_fresh_event_ids(greenhouse, receiver):
    server, received = receiver
    harvest = greenhouse.harvest
    job = harvest.add_job("Designer <Senior> & Lead", ["Harver Assessment"])
    candidate = harvest.add_candidate(emails=[("g@example.com", "personal")])
    application = harvest.add_application(candidate["id"], job["id"], "Harver Assessment")
    sender = WebhookSender(server.url_for("/hook"), "secret-key")

    first = sender.send(harvest.stage_change_payload(application["id"]))
    second = sender.send(harvest.stage_change_payload(application["id"]))
    replayed = sender.replay(first)
    unsigned = sender.ping(signed=False)

    raw = received[0].get_data()
    assert b"Designer \\u003cSenior\\u003e \\u0026 Lead" in raw
    assert (
        json.loads(raw)["payload"]["application"]["jobs"][0]["name"] == "Designer <Senior> & Lead"
    )
    assert signature_matches(raw, received[0].headers["Signature"], ["secret-key"])
    assert first.event_id != second.event_id
    assert replayed.event_id == first.event_id
    assert received[2].get_data() == raw
    assert received[2].headers["Greenhouse-Event-ID"] == first.event_id
    assert "Signature" not in received[3].headers
    assert json.loads(received[3].get_data())["action"] == "ping"
    assert unsigned.status == 200
