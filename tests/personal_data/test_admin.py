"""The admin's personal data pages: export and erase one candidate, the receipts, who may."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import CandidateAssessment, PersonalDataRecord
from tests.admin_support import staff_member
from tests.factories import AccountFactory
from tests.personal_data.support import BARTHOLOMEW, ZEPHYRINE, known_candidate

pytestmark = pytest.mark.django_db

PAGE = "admin:assessments_personaldatarecord_candidate"


@pytest.fixture
def known():
    return known_candidate(ZEPHYRINE)


def post(client, known, action, email=ZEPHYRINE.email):
    return client.post(
        reverse(PAGE), {"account": known.account.pk, "email": email, "action": action}
    )


def test_a_member_downloads_the_candidates_data_as_json(client, known):
    client.force_login(staff_member(known.account, username="mia", harver_admin=False))

    response = post(client, known, "export")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="candidate-data-')
    data = json.loads(response.content)
    assert data["candidate_assessments"][0]["phone"] == ZEPHYRINE.phone
    assert PersonalDataRecord.objects.get().actor == "mia@harver.test"


def test_a_harver_admin_erases_after_a_confirmation_and_sees_the_receipt(client, known):
    client.force_login(staff_member(known.account, username="hannah"))

    confirmation = post(client, known, "erase")
    assert confirmation.status_code == 200
    assert "This cannot be undone" in confirmation.content.decode()
    assert CandidateAssessment.objects.get(pk=known.candidate_assessment.pk).email

    receipt = post(client, known, "confirm-erase")

    assert receipt.status_code == 200
    page = receipt.content.decode()
    assert "candidate assessments anonymised: 1" in page
    assert CandidateAssessment.objects.get(pk=known.candidate_assessment.pk).email == ""
    records = client.get(reverse("admin:assessments_personaldatarecord_changelist"))
    assert "Erasure on request" in records.content.decode()


def test_a_member_who_is_no_harver_admin_cannot_erase(client, known):
    client.force_login(staff_member(known.account, username="mia", harver_admin=False))

    response = post(client, known, "confirm-erase")

    assert response.status_code == 403
    assert CandidateAssessment.objects.get(pk=known.candidate_assessment.pk).email


def test_an_unknown_email_or_another_accounts_candidate_is_named_not_a_500(client, known):
    stranger = staff_member(AccountFactory.create(name="Other Co"), username="olga")
    client.force_login(staff_member(known.account, username="hannah"))

    unknown = post(client, known, "erase", email="nobody@example.org")
    assert unknown.status_code == 404
    assert "holds no personal data for nobody@example.org" in unknown.content.decode()
    assert post(client, known, "export", email="not an email").status_code == 422

    client.force_login(stranger)
    foreign = post(client, known, "export")
    assert foreign.status_code == 422
    assert "Select a valid choice" in foreign.content.decode()
    assert not PersonalDataRecord.objects.exists()


def test_the_records_list_keeps_its_query_count_as_records_grow(client, known):
    client.force_login(staff_member(known.account, username="hannah"))
    url = reverse("admin:assessments_personaldatarecord_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    PersonalDataRecord.objects.create(account=known.account, action="export", actor="a")
    few = queries()
    PersonalDataRecord.objects.bulk_create(
        PersonalDataRecord(account=known.account, action="export", actor="a") for _ in range(40)
    )
    assert queries() == few


def action(client, name, rows, **extra):
    return client.post(
        reverse("admin:assessments_candidateassessment_changelist"),
        {"action": name, "_selected_action": [row.pk for row in rows], **extra},
    )


def test_the_invitations_list_exports_the_selected_candidates(client, known):
    other = known.invite(BARTHOLOMEW)
    client.force_login(staff_member(known.account, username="mia", harver_admin=False))

    response = action(client, "export_candidates", [known.candidate_assessment, other])

    assert response.status_code == 200
    exported = json.loads(response.content)["candidates"]
    assert sorted(export["email"] for export in exported) == sorted(
        [ZEPHYRINE.email, BARTHOLOMEW.email]
    )
    assert PersonalDataRecord.objects.filter(action="export").count() == 2


def test_the_invitations_list_erases_after_a_confirmation(client, known):
    other = known.invite(BARTHOLOMEW)
    client.force_login(staff_member(known.account, username="hannah"))

    confirmation = action(client, "erase_candidates", [other])
    assert confirmation.status_code == 200
    assert "This cannot be undone" in confirmation.content.decode()
    assert CandidateAssessment.objects.get(pk=other.pk).email == BARTHOLOMEW.email

    done = action(client, "erase_candidates", [other], confirm="yes")

    assert done.status_code == 302
    assert CandidateAssessment.objects.get(pk=other.pk).email == ""
    assert CandidateAssessment.objects.get(pk=known.candidate_assessment.pk).email
    assert PersonalDataRecord.objects.get().action == "erasure"


def test_only_a_harver_admin_is_offered_the_erase_action(client, known):
    client.force_login(staff_member(known.account, username="mia", harver_admin=False))

    action(client, "erase_candidates", [known.candidate_assessment], confirm="yes")

    assert CandidateAssessment.objects.get(pk=known.candidate_assessment.pk).email
