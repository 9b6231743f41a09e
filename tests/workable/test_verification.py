"""Verifying the "Harver to ATS" credentials with Workable: every problem named in plain words."""

from __future__ import annotations

import responses
from responses import matchers

from integrations import services
from integrations.models import AtsCredential, Integration
from tests.workable.delivery_support import (
    MEMBER_ID,
    SPI,
    WORKABLE_TOKEN,
    invited_fixture,  # noqa: F401
)
from workable import verification

AUTH = matchers.header_matcher({"Authorization": f"Bearer {WORKABLE_TOKEN}"})


def workable_answers(
    *,
    jobs: int = 200,
    candidates: int = 200,
    requisitions: int = 200,
    members: list[dict[str, str]] | None = None,
    attributes: list[dict[str, str]] | None = None,
) -> None:
    responses.get(f"{SPI}/jobs", status=jobs, json={"jobs": []}, match=[AUTH])
    responses.get(f"{SPI}/candidates", status=candidates, json={"candidates": []}, match=[AUTH])
    responses.get(
        f"{SPI}/requisitions", status=requisitions, json={"requisitions": []}, match=[AUTH]
    )
    responses.get(
        f"{SPI}/members",
        json={
            "members": members
            if members is not None
            else [{"id": MEMBER_ID, "name": "Rita Recruiter", "email": "rita@acme.test"}]
        },
        match=[AUTH],
    )
    responses.get(
        f"{SPI}/custom_attributes",
        json={
            "custom_attributes": attributes
            if attributes is not None
            else [{"key": "harver_score", "label": "Harver"}, {"key": "harver_c", "label": "C"}]
        },
        match=[AUTH],
    )


@responses.activate
def test_it_passes_and_lists_the_members_and_remembers_what_it_found(invited):
    workable_answers()

    check = verification.check(invited.integration)

    assert check.problems == []
    assert check.members == [(MEMBER_ID, "Rita Recruiter (rita@acme.test)")]
    assert "Workable accepted the API token." in check.findings
    stored = AtsCredential.objects.get(integration=invited.integration)
    assert stored.verification["ok"] is True
    assert stored.verification["scopes"] == {
        "r_jobs": "verified",
        "r_candidates": "verified",
        "r_requisitions": "verified",
        "w_candidates": "not yet verified",
    }
    assert stored.verified_at is not None
    # every call went to the configured base URL only
    assert {str(call.request.url).split("?")[0].rsplit("/", 1)[0] for call in responses.calls} == {
        SPI
    }


@responses.activate
def test_a_refused_token_is_named_and_nothing_else_is_asked(invited):
    workable_answers(jobs=401)

    check = verification.check(invited.integration)

    assert len(check.problems) == 1
    assert "Workable refused the API token (HTTP 401)" in check.problems[0]
    assert len(responses.calls) == 1


@responses.activate
def test_each_missing_readable_scope_is_named(invited):
    workable_answers(candidates=403, requisitions=403)

    check = verification.check(invited.integration)

    assert [problem.split(":")[0] for problem in check.problems] == [
        "The token lacks the r_candidates scope",
        "The token lacks the r_requisitions scope",
    ]


@responses.activate
def test_a_note_author_who_is_not_a_member_and_unknown_field_ids_are_named(invited):
    workable_answers(members=[{"id": "other", "name": "Otto"}], attributes=[{"key": "harver_c"}])

    problems = verification.check(invited.integration).problems

    assert problems == [
        f"The timeline note author ({MEMBER_ID}) is not a member of this Workable account: "
        "pick one from the member list.",
        "Store Associate, Overall matching score: the ATS Field Id 'harver_score' is not a "
        "custom attribute in Workable.",
    ]


@responses.activate
def test_no_note_author_is_a_problem(invited):
    services.set_ats_credentials(invited.integration, note_author_member_id="")
    workable_answers()

    problems = verification.check(invited.integration).problems

    assert problems == [
        "No timeline note author is chosen: pick a Workable member (Verify credentials)."
    ]


@responses.activate
def test_workable_being_down_is_said_plainly(invited):
    responses.get(f"{SPI}/jobs", status=503, json={})

    problems = verification.check(invited.integration).problems

    assert problems == [
        "Workable could not be asked: Workable had a server error (HTTP 503). Try again later."
    ]


@responses.activate
def test_enabling_refuses_with_workables_problems(invited, settings):
    settings.WORKABLE_VERIFY_ON_ENABLE = True
    services.disable_integration(invited.integration)
    workable_answers(jobs=401)

    outcome = services.enable_integration(Integration.objects.get(pk=invited.integration.pk))

    assert not outcome.enabled
    assert "Workable refused the API token" in outcome.problems[0]
