"""A result is written only to the candidate it belongs to: the search hit's email must match
(case aside) and, when the job is known, its job; anyone else is "not found yet", then a failure
the admin can read, and receives nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
import responses
from responses import matchers

from integrations import inbound
from integrations.models import Delivery
from integrations.outbox.outcomes import BatchOutcome
from tests.workable.delivery_support import (
    SPI,
    invited_fixture,  # noqa: F401
    reload,
    run,
)
from workable.invitations import invitation_refs

State = Delivery.State
Kind = Delivery.Kind
JANE = "jane.doe@example.com"


def hit(candidate_id: str, email: str, shortcode: str = "A1B2C3") -> dict[str, Any]:
    return {"id": candidate_id, "email": email, "job": {"shortcode": shortcode}}


def search(*hits: dict[str, Any]) -> responses.BaseResponse:
    return responses.get(f"{SPI}/candidates", json={"candidates": list(hits)})


def writes() -> list[responses.BaseResponse]:
    """Every write to any candidate, so that a test can tell who received what."""
    return [
        responses.post(re.compile(rf"{SPI}/candidates/.+/comments"), json={}),
        responses.patch(
            re.compile(rf"{SPI}/candidates/.+/update_custom_attribute_value"),
            json={},
        ),
    ]


def written_to() -> set[str]:
    return {
        call.request.path_url.split("/")[-2]
        for call in responses.calls
        if call.request.method in ("POST", "PATCH")
    }


@responses.activate
def test_the_first_hit_with_another_email_is_passed_over_for_the_candidate(invited):
    invited.complete()
    search(hit("other", "john.roe@example.com"), hit("jane", JANE))
    writes()
    [note] = invited.deliveries(kind=Kind.COMMENT)

    assert run(note) == BatchOutcome.SUCCEEDED

    assert written_to() == {"jane"}


@responses.activate
def test_the_email_matches_whatever_its_case(invited):
    invited.complete()
    search(hit("jane", "Jane.Doe@Example.COM"))
    writes()

    assert run(invited.deliveries(kind=Kind.COMMENT)[0]) == BatchOutcome.SUCCEEDED

    assert written_to() == {"jane"}


@responses.activate
@pytest.mark.parametrize(
    "hits",
    [
        pytest.param([hit("other", "john.roe@example.com")], id="another-email"),
        pytest.param([hit("other", JANE, shortcode="ZZ9")], id="same-email-other-job"),
        pytest.param([{"id": "other", "email": JANE}], id="same-email-no-job"),
        pytest.param([hit("other", "jane.doe@example.co")], id="a-near-miss"),
    ],
)
def test_no_note_or_field_reaches_a_candidate_that_does_not_match(invited, settings, hits):
    settings.DELIVERY_RETRY_SCHEDULE = [30.0]
    invited.complete()
    search(*hits)
    writes()
    note = invited.deliveries(kind=Kind.COMMENT)[0]

    # not found yet: retried
    assert run(note) == BatchOutcome.FAILED_ATTEMPT
    assert reload(note).state == State.PENDING
    # and in the end a failure that says why
    assert run(note) == BatchOutcome.FAILED_ATTEMPT

    note = reload(note)
    assert note.state == State.FAILED
    assert note.last_error == (
        "Workable's search found 1 candidate(s), none with this candidate's email in job "
        "A1B2C3; nothing was written to them."
    )
    owed = invited.deliveries(kind__in=[Kind.COMMENT, Kind.FIELD])
    assert {delivery.remote_ref for delivery in owed} == {""}
    assert written_to() == set()


@responses.activate
def test_an_empty_search_is_not_found_yet(invited):
    invited.complete()
    search()
    writes()
    note = invited.deliveries(kind=Kind.COMMENT)[0]

    assert run(note) == BatchOutcome.FAILED_ATTEMPT

    assert reload(note).last_error == "Workable has no candidate with this email in job A1B2C3 yet."
    assert written_to() == set()


@responses.activate
def test_without_a_known_job_the_email_alone_decides(invited):
    outcome = inbound.invite(
        invited.integration,
        inbound.InvitationRequest(
            assessment=invited.assessment,
            email="sam.poe@example.com",
            refs=invitation_refs(
                callback_url="https://acme.workable.com/spi/v3/assessments/nojob/results",
                job_shortcode="",
                job_title="",
            ),
            first_name="Sam",
            last_name="Poe",
        ),
    )
    invited.candidate_assessment = outcome.candidate_assessment
    invited.complete()
    lookup = responses.get(
        f"{SPI}/candidates",
        json={"candidates": [hit("jane", JANE), hit("sam", "sam.poe@example.com", "X1")]},
        match=[matchers.query_param_matcher({"email": "sam.poe@example.com"})],
    )
    writes()

    assert run(invited.deliveries(kind=Kind.COMMENT)[0]) == BatchOutcome.SUCCEEDED

    assert lookup.call_count == 1
    assert written_to() == {"sam"}
