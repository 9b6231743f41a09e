"""Verifying the Greenhouse credentials: each problem named in Greenhouse's words; the pickers."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from greenhouse import verification
from integrations import services
from integrations.models import AtsCredential
from integrations.providers import get_provider
from tests.greenhouse.support import TOKEN_URL, USER_ID, configure, harvest, token_endpoint

pytestmark = pytest.mark.django_db

SITE_ADMIN = {
    "id": int(USER_ID),
    "name": "Harver Integration",
    "primary_email": "harver@acme.test",
    "site_admin": True,
    "deactivated": False,
}
FIELDS = {
    "candidate": [
        {"id": 1, "name": "Harver score", "name_key": "harver_score", "value_type": "number"},
        {"id": 2, "name": "Hobbies", "name_key": "hobbies", "value_type": "multi_select"},
    ],
    "application": [
        {"id": 3, "name": "Harver fit", "name_key": "harver_fit", "value_type": "short_text"},
    ],
}


def greenhouse_answers(
    *, user: dict[str, Any] | None = None, jobs: int = 200, fields: Any = None
) -> None:
    token_endpoint()
    harvest("GET", "/users", [user or SITE_ADMIN], query={"ids": USER_ID})
    harvest("GET", "/jobs", [], status=jobs, query={"status": "open", "per_page": "1"})
    harvest("GET", "/job_interview_stages", [], query={"active": "true", "per_page": "1"})
    for level, items in (fields or FIELDS).items():
        harvest(
            "GET",
            "/custom_fields",
            items,
            query={"field_type": level, "active": "true", "per_page": "500"},
        )
    harvest(
        "GET",
        "/users",
        [SITE_ADMIN, {**SITE_ADMIN, "id": 7, "name": "Ex Admin", "deactivated": True}],
        query={"per_page": "500"},
    )


@pytest.fixture
def integration(account):
    integration, _, _ = configure(
        account, enable=False, fields=[("overall", "candidate:harver_score")]
    )
    return integration


@responses.activate
def test_it_passes_lists_the_site_admins_and_remembers_what_it_found(integration):
    greenhouse_answers()

    check = verification.check(integration)

    assert check.problems == []
    assert check.members == [(USER_ID, "Harver Integration (harver@acme.test)")]
    assert (
        "Greenhouse gave an access token acting as Harver Integration (harver@acme.test), user "
        f"{USER_ID}, an active Site Admin."
    ) in check.findings
    assert "Greenhouse has 2 active custom field(s) that can hold a Harver value." in check.findings
    found = AtsCredential.objects.get(integration=integration).verification
    assert found["ok"]
    assert found["scopes"]["harvest:jobs:list"] == "verified"
    assert found["scopes"]["harvest:notes:create"] == "not yet verified"
    assert "candidate:harver_score" in found["custom_fields"]


@responses.activate
def test_a_refused_client_secret_is_named(integration):
    responses.post(TOKEN_URL, status=401, json={"error": "invalid_client"})

    check = verification.check(integration)

    [problem] = check.problems
    assert problem.startswith("Greenhouse refused the Client ID and Client Secret (HTTP 401)")


@pytest.mark.parametrize(
    ("user", "words"),
    [
        ({**SITE_ADMIN, "site_admin": False}, "is not a Site Admin in Greenhouse"),
        ({**SITE_ADMIN, "deactivated": True}, "is deactivated in Greenhouse"),
        ({**SITE_ADMIN, "id": 5}, f"Greenhouse has no user {USER_ID}"),
    ],
)
@responses.activate
def test_the_acting_user_must_be_an_active_site_admin(integration, user, words):
    greenhouse_answers(user=user)

    check = verification.check(integration)

    assert len(check.problems) == 1
    assert words in check.problems[0]


@responses.activate
def test_a_missing_scope_and_a_field_that_cannot_hold_the_value_are_named(integration):
    fields = {
        "candidate": [{"id": 2, "name": "Score", "name_key": "harver_score", "value_type": "date"}],
        "application": [],
    }
    greenhouse_answers(jobs=403, fields=fields)

    problems = verification.check(integration).problems

    assert problems[0].startswith("The credential lacks the scope harvest:jobs:list: edit the")
    assert problems[1].endswith(
        'the Greenhouse field candidate:harver_score is of the type "date", which cannot hold '
        "a Harver value."
    )


@responses.activate
def test_enabling_asks_greenhouse_and_names_what_it_refused(integration, settings):
    settings.GREENHOUSE_VERIFY_ON_ENABLE = True
    greenhouse_answers(user={**SITE_ADMIN, "site_admin": False})

    outcome = services.enable_integration(integration)

    assert not outcome.enabled
    assert "is not a Site Admin in Greenhouse" in outcome.problems[0]


def test_missing_credentials_are_named_without_asking(account):
    from tests.factories import ready_integration

    integration = ready_integration(account, provider="greenhouse")

    check = verification.check(integration)

    assert check.problems == [
        "Enter the Greenhouse Client ID, Client Secret and acting user first (Credentials, "
        "Harver to ATS)."
    ]


@responses.activate
def test_the_pickers_offer_stage_names_once_and_only_fields_that_hold_a_value(integration):
    token_endpoint()
    harvest(
        "GET",
        "/job_interview_stages",
        [
            {"id": 11, "job_id": 1, "name": "Application Review", "sort_order": 0},
            {"id": 12, "job_id": 1, "name": "Harver Assessment", "sort_order": 1},
            {"id": 22, "job_id": 2, "name": "harver assessment ", "sort_order": 1},
        ],
        query={"active": "true", "per_page": "500"},
    )
    harvest(
        "GET",
        "/jobs",
        [{"id": 1, "name": "Designer"}, {"id": 2, "name": "Cashier"}],
        query={"status": "open", "per_page": "500"},
    )
    for level, items in FIELDS.items():
        harvest(
            "GET",
            "/custom_fields",
            items,
            query={"field_type": level, "active": "true", "per_page": "500"},
        )
    provider = get_provider("greenhouse")

    options = provider.stage_options(integration)
    fields = provider.field_options(integration)

    assert options.stages == ["Application Review", "Harver Assessment"]
    assert options.jobs == [("1", "Designer"), ("2", "Cashier")]
    assert fields == [
        ("candidate:harver_score", "Harver score (candidate, number)"),
        ("application:harver_fit", "Harver fit (application, short_text)"),
    ]


@responses.activate
def test_the_check_says_whether_greenhouse_reached_us_and_with_which_key(integration):
    from greenhouse import webhooks
    from greenhouse.payloads import Ping

    greenhouse_answers()
    before = verification.check(integration).findings[-1]
    webhooks.record_ping(
        integration,
        Ping(web_hook_id=9590, name="Harver", event="Candidate has changed stage", active=True),
        event_id="ping-1",
        signed=False,
        body=b'{"action": "ping"}',
    )
    greenhouse_answers()

    after = verification.check(integration).findings[-1]

    assert before.startswith("Greenhouse has not reached Harver yet")
    assert after.endswith("Greenhouse reached Harver (a ping); the Secret Key does not match.")


@responses.activate
def test_the_status_field_must_be_an_active_short_text_field(integration):
    services.set_ats_credentials(integration, status_field="application:harver_fit")
    greenhouse_answers()
    assert verification.check(integration).problems == []

    services.set_ats_credentials(integration, status_field="candidate:harver_score")
    greenhouse_answers()
    [problem] = verification.check(integration).problems
    assert problem.startswith('The status field candidate:harver_score is of the type "number"')
