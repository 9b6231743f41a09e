"""Exporting one candidate's data: everything held about them, as JSON, recorded."""

from __future__ import annotations

import json

import pytest

from assessments.models import PersonalDataRecord
from assessments.personal_data import rights
from tests.personal_data.support import BARTHOLOMEW, ZEPHYRINE, known_candidate

pytestmark = pytest.mark.django_db


def test_the_export_holds_every_personal_value_and_every_record_about_the_candidate():
    known = known_candidate(ZEPHYRINE)
    known.invite(BARTHOLOMEW)

    data = rights.export_candidate(known.account, ZEPHYRINE.email.title(), actor="cli:support")

    text = json.dumps(data)
    for value in (ZEPHYRINE.email, ZEPHYRINE.first_name, ZEPHYRINE.last_name, ZEPHYRINE.phone):
        assert value in text
    assert BARTHOLOMEW.email not in text
    [candidate_assessment] = data["candidate_assessments"]
    assert candidate_assessment["resume_url"] == ZEPHYRINE.resume_url
    assert candidate_assessment["result"]["score"] == 74
    assert len(candidate_assessment["answers"]) == 11
    assert [event["status"] for event in candidate_assessment["status_history"]] == [
        "pending",
        "started",
        "completed",
    ]
    assert candidate_assessment["links"][0]["issued_to"] == "email"
    integrations = data["integrations"]
    assert integrations["ats_invitations"][0]["email"] == ZEPHYRINE.email
    assert {delivery["state"] for delivery in integrations["deliveries"]} == {
        "succeeded",
        "pending",
    }
    sent = next(d for d in integrations["deliveries"] if d["state"] == "succeeded")
    assert ZEPHYRINE.last_name in sent["attempts"][0]["response"]
    assert data["engine"]["engine_events"][0]["body"] == {
        "candidate": f"{ZEPHYRINE.first_name} {ZEPHYRINE.last_name}"
    }
    assert data["history"][0]["changes"] == {"reinvited": ["", ZEPHYRINE.email]}
    record = PersonalDataRecord.objects.get()
    assert (record.action, record.actor, record.candidate_assessment_ids) == (
        "export",
        "cli:support",
        [known.candidate_assessment.pk],
    )


def test_an_export_of_an_unknown_email_names_the_problem_and_records_nothing():
    known = known_candidate(ZEPHYRINE)

    with pytest.raises(rights.NoPersonalData, match=r"nobody@example\.org"):
        rights.export_candidate(known.account, "nobody@example.org", actor="cli:support")
    assert not PersonalDataRecord.objects.exists()
