"""Erasing one candidate on request: nothing personal about them left in any table, their links
dead with a clear page, their unsent deliveries cancelled, a receipt; other candidates untouched."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from assessments import candidate_actions
from assessments.models import Answer, CandidateAssessment, CandidateLink, PersonalDataRecord
from assessments.personal_data import rights
from harver_integration.tokens import hash_token
from integrations.models import AtsInvitation, Delivery
from tests.db_scan import tables_containing
from tests.personal_data.support import BARTHOLOMEW, ZEPHYRINE, known_candidate

pytestmark = pytest.mark.django_db


def tables_holding(values: list[str]) -> dict[str, list[str]]:
    return {value: tables for value in values if (tables := tables_containing(value))}


@pytest.mark.postgres
def test_after_erasure_no_table_of_the_database_holds_any_of_the_candidates_values():
    # given a candidate the platform knows everything about, and another one
    known = known_candidate(ZEPHYRINE)
    other = known.invite(BARTHOLOMEW)
    before = tables_holding(ZEPHYRINE.values)
    assert {
        "assessments_candidateassessment",
        "integrations_atsinvitation",
        "integrations_deliveryattempt",
        "integrations_inboundevent",
        "engine_engineevent",
        "auditlog_logentry",
        "integrations_integration",
        "integrations_issue",
    } <= {table for tables in before.values() for table in tables}

    # when support erases them, typing the address in another case
    receipt = rights.erase_candidate(known.account, ZEPHYRINE.email.upper(), actor="cli:support")

    # then no column of any table holds any of their values, in any case
    assert tables_holding(ZEPHYRINE.values) == {}
    # and the other candidate is untouched
    assert "assessments_candidateassessment" in tables_containing(BARTHOLOMEW.email)
    other.refresh_from_db()
    assert (other.first_name, other.phone, other.erased_at) == (
        "Bartholomew",
        BARTHOLOMEW.phone,
        None,
    )
    # and the receipt says what went, naming nobody
    assert receipt.counts["candidate assessments anonymised"] == 1
    assert receipt.counts["deliveries cancelled before sending"] >= 1
    assert receipt.counts["answers deleted"] == 11
    record = PersonalDataRecord.objects.get()
    assert (record.action, record.actor) == ("erasure", "cli:support")
    assert record.candidate_assessment_ids == [known.candidate_assessment.pk]


def test_erasure_cancels_the_unsent_deliveries_and_leaves_the_scores_nowhere():
    known = known_candidate(ZEPHYRINE)
    pk = known.candidate_assessment.pk
    unsent = set(
        Delivery.objects.filter(
            candidate_assessment_id=pk, state=Delivery.State.PENDING
        ).values_list("pk", flat=True)
    )
    assert unsent

    rights.erase_candidate(known.account, ZEPHYRINE.email, actor="cli:support")

    cancelled = Delivery.objects.filter(pk__in=unsent)
    assert {delivery.state for delivery in cancelled} == {Delivery.State.DROPPED}
    assert all(delivery.payload == {} and delivery.url == "" for delivery in cancelled)
    erased = CandidateAssessment.objects.get(pk=pk)
    assert erased.erased_at is not None
    assert erased.anonymised_at is not None
    assert erased.public_id != known.candidate_assessment.public_id
    assert (erased.score, erased.summary, erased.competency_scores) == (None, "", {})
    assert not Answer.objects.filter(candidate_assessment_id=pk).exists()
    invitation = AtsInvitation.objects.get(candidate_assessment_id=pk)
    assert (invitation.refs, invitation.email_key, invitation.is_live) == ({}, "", False)


def test_an_erased_candidates_link_answers_a_clear_410_page(client):
    known = known_candidate(ZEPHYRINE)
    link = next(line for line in mail.outbox[0].body.splitlines() if "/assessment/" in line)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert CandidateLink.objects.filter(token_hash=hash_token(token)).exists()

    rights.erase_candidate(known.account, ZEPHYRINE.email, actor="cli:support")

    for path in ("", "terms/", "questions/1/", "review/", "saved/", "done/"):
        response = client.get(f"/assessment/{token}/{path}")
        assert response.status_code == 410, path
        assert "erased" in response.content.decode()
        assert ZEPHYRINE.first_name not in response.content.decode()


def test_a_live_invitation_is_closed_by_erasure_so_no_sweeper_touches_it():
    known = known_candidate(ZEPHYRINE)
    live = known.invite(BARTHOLOMEW)

    rights.erase_candidate(known.account, BARTHOLOMEW.email, actor="cli:support")

    live.refresh_from_db()
    assert live.status == "rejected"
    assert list(live.events.values_list("status", "source"))[-1] == ("rejected", "erasure")
    assert not Delivery.objects.filter(
        candidate_assessment=live, state__in=[Delivery.State.PENDING, Delivery.State.SENDING]
    ).exists()


def test_erasing_an_unknown_or_already_erased_email_names_the_problem():
    known = known_candidate(ZEPHYRINE)
    rights.erase_candidate(known.account, ZEPHYRINE.email, actor="cli:support")

    with pytest.raises(rights.NoPersonalData, match="holds no personal data for"):
        rights.erase_candidate(known.account, ZEPHYRINE.email, actor="cli:support")
    with pytest.raises(rights.NoPersonalData):
        rights.erase_candidate(known.account, "", actor="cli:support")
    assert PersonalDataRecord.objects.count() == 1


def test_an_erased_invitation_cannot_be_reinvited_or_extended():
    known = known_candidate(ZEPHYRINE)
    live = known.invite(BARTHOLOMEW)
    rights.erase_candidate(known.account, BARTHOLOMEW.email, actor="cli:support")
    live.refresh_from_db()

    for outcome in (
        candidate_actions.reinvite([live]),
        candidate_actions.extend([live], timezone.localdate() + datetime.timedelta(days=3)),
    ):
        assert outcome.done == []
        assert outcome.refused == [
            (live, "its candidate's personal data was erased or anonymised.")
        ]
    assert CandidateAssessment.objects.get(pk=live.pk).status == "rejected"
