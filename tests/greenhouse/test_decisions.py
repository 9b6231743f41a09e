"""Whom a stage change invites (contract §2.3): the gates, the stage match, the email choice."""

import dataclasses

import pytest

from greenhouse.decisions import (
    Ignore,
    Invite,
    JobCodes,
    StageMapping,
    chosen_email,
    decide,
    mapped_assessment,
)
from greenhouse.payloads import Contact, Job, StageChange

CHANGE = StageChange(
    application_id=11,
    status="active",
    prospect=False,
    stage_id=71416,
    stage_name="Harver Assessment",
    candidate_id=22,
    first_name="Giuseppe",
    last_name="Hurley",
    can_email=True,
    email_addresses=(
        Contact("g.hurley@work.example.com", "work"),
        Contact("giuseppe@example.com", "personal"),
        Contact("other@example.com", "personal"),
    ),
    phone_numbers=(Contact("330-281-8004", "home"),),
    jobs=(Job(3485, "Designer", {}),),
)
MAPPINGS = [StageMapping("harver assessment", None, 7)]


def test_an_active_application_in_a_mapped_stage_is_invited_at_the_first_personal_address():
    assert decide(CHANGE, MAPPINGS) == Invite(
        assessment_id=7,
        email="giuseppe@example.com",
        first_name="Giuseppe",
        last_name="Hurley",
        phone="330-281-8004",
    )


def test_without_a_personal_address_the_first_one_is_taken():
    addresses = (
        Contact("", "personal"),
        Contact("w@x.example", "work"),
        Contact("o@x.example", "other"),
    )
    assert chosen_email(addresses) == "w@x.example"
    assert chosen_email(()) == ""


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "rejected"}, "The application is rejected, not active."),
        ({"status": "hired"}, "The application is hired, not active."),
        ({"status": ""}, "The application is without a status, not active."),
        ({"prospect": True}, "The application is a prospect's."),
        ({"jobs": ()}, "The application has no job."),
        (
            {"stage_name": "Phone screen"},
            'The stage "Phone screen" is not mapped to an assessment.',
        ),
    ],
)
def test_routine_reasons_to_send_nothing(changes, reason):
    assert decide(dataclasses.replace(CHANGE, **changes), MAPPINGS) == Ignore(reason)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"can_email": False},
            "Candidate 22 (application 11) may not be emailed (can_email is false).",
        ),
        ({"email_addresses": ()}, "Candidate 22 (application 11) has no email address."),
        (
            {"email_addresses": (Contact("not an address", "personal"),)},
            "Candidate 22 (application 11) has no valid email address.",
        ),
    ],
)
def test_problems_for_the_admin_to_fix(changes, reason):
    assert decide(dataclasses.replace(CHANGE, **changes), MAPPINGS) == Ignore(
        reason, for_admin=True
    )


def test_stage_names_match_trimmed_and_ignoring_case():
    assert (
        mapped_assessment([StageMapping("  HARVER Assessment ", None, 7)], "harver assessment\t", 1)
        == 7
    )
    assert mapped_assessment([StageMapping("Harver", None, 7)], "Harver Assessment", 1) is None
    assert mapped_assessment([StageMapping("Harver", None, 7)], "  ", 1) is None


def test_a_mapping_for_the_job_beats_one_for_any_job_whatever_the_order():
    mappings = [
        StageMapping("Assessment", 3485, 8),
        StageMapping("Assessment", None, 7),
        StageMapping("Assessment", 9999, 9),
    ]
    assert mapped_assessment(mappings, "assessment", 3485) == 8
    assert mapped_assessment(list(reversed(mappings)), "assessment", 3485) == 8
    assert mapped_assessment(mappings, "assessment", 1234) == 7
    assert mapped_assessment(mappings[:1], "assessment", 1234) is None


def test_a_long_phone_number_is_cut_to_what_is_stored():
    change = dataclasses.replace(CHANGE, phone_numbers=(Contact("1" * 80, "mobile"),))
    invite = decide(change, MAPPINGS)
    assert isinstance(invite, Invite)
    assert invite.phone == "1" * 50


def with_job_code(code: str) -> StageChange:
    return dataclasses.replace(CHANGE, jobs=(Job(3485, "Designer", {"harver_job_code": code}),))


def test_a_job_code_picks_the_assessment_and_the_stage_still_decides_when():
    codes = JobCodes("harver_job_code", {"abc": 9})

    assert decide(with_job_code("ABC "), MAPPINGS, codes).assessment_id == 9  # type: ignore[union-attr]
    assert decide(CHANGE, MAPPINGS, codes).assessment_id == 7  # type: ignore[union-attr]
    unmapped = dataclasses.replace(with_job_code("ABC"), stage_name="Offer")
    assert decide(unmapped, MAPPINGS, codes) == Ignore(
        'The stage "Offer" is not mapped to an assessment.'
    )


def test_a_job_code_of_no_assessment_needs_the_admin():
    decision = decide(with_job_code("XYZ"), MAPPINGS, JobCodes("harver_job_code", {"abc": 9}))

    assert decision == Ignore(
        'The job\'s harver_job_code is "XYZ", which is the job code of no offered Harver '
        "assessment.",
        for_admin=True,
    )


def test_without_a_job_code_field_job_codes_are_not_read():
    assert decide(with_job_code("XYZ"), MAPPINGS).assessment_id == 7  # type: ignore[union-attr]
