"""What a recruiter does in the sandbox's Workable that makes Workable call the platform.

"Send assessment" on a candidate is Workable's assessment-provider flow: list the provider's
tests (`GET <base>/tests`), then `POST <base>/assessments` with the candidate, the job and a
`callback_url` of this sandbox, where the platform then sends the statuses and the result.
A `sandbox.calls.Platform` carries the calls (over HTTP, or into the platform's own handler).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sandbox.calls import Platform, PlatformAnswer, PlatformRefused, json_call
from workable.sandbox.spi import WorkableSandbox


@dataclass(frozen=True)
class Test:
    id: str
    name: str


def _problem(what: str, answer: PlatformAnswer) -> PlatformRefused:
    body = answer.body if isinstance(answer.body, dict) else {}
    message = str(body.get("message") or body.get("error") or "no message")
    errors = body.get("errors")
    if isinstance(errors, dict):
        details = "; ".join(
            f"{name}: {' '.join(map(str, texts))}" for name, texts in errors.items()
        )
        message = f"{message} ({details})"
    return PlatformRefused(f"Harver answered {what} with HTTP {answer.status}: {message}")


def _base_url(account: dict[str, Any]) -> str:
    base_url = str(account["platform"].get("base_url") or "")
    if not base_url:
        raise PlatformRefused(
            "Enter Harver's provider base URL and token in this account's settings."
        )
    return base_url


def list_tests(account: dict[str, Any], platform: Platform, *, token: str) -> list[Test]:
    answer = json_call(platform, "GET", f"{_base_url(account)}/tests", token=token)
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise _problem("the list of tests", answer)
    tests = answer.body.get("tests")
    return [
        Test(str(test.get("id")), str(test.get("name")))
        for test in (tests if isinstance(tests, list) else [])
        if isinstance(test, dict)
    ]


def send_assessment(
    sandbox: WorkableSandbox,
    subdomain: str,
    candidate_id: str,
    test: Test,
    platform: Platform,
    *,
    token: str,
) -> str:
    """Ask the platform to assess the candidate; the assessment id it answered."""
    account = sandbox.account(subdomain)
    candidate = sandbox.candidate(subdomain, candidate_id)
    job = account["jobs"][candidate["job_shortcode"]]
    request_id = secrets.token_urlsafe(16)
    first_name, _, last_name = candidate["name"].partition(" ")
    body = {
        "test_id": test.id,
        "callback_url": sandbox.callback_url(subdomain, request_id),
        "candidate": {
            "email": candidate["email"],
            "first_name": first_name,
            "last_name": last_name,
        },
        "job_shortcode": job["shortcode"],
        "job_title": job["title"],
        "job_id": job["id"],
    }
    answer = json_call(
        platform, "POST", f"{_base_url(account)}/assessments", token=token, body=body
    )
    if answer.status not in (200, 201) or not isinstance(answer.body, dict):
        raise _problem("the assessment request", answer)
    assessment_id = str(answer.body.get("assessment_id") or "")
    sandbox.add_request(
        subdomain,
        request_id,
        {
            "candidate_id": candidate_id,
            "test_id": test.id,
            "test_name": test.name,
            "assessment_id": assessment_id,
            "status": "requested",
        },
    )
    again = " (again: Harver already had this invitation)" if answer.status == 200 else ""
    sandbox.record(
        subdomain,
        candidate_id,
        {
            "kind": "request",
            "title": f"Assessment {test.name} sent{again}",
            "text": f"Harver's assessment id: {assessment_id}",
        },
    )
    return assessment_id
