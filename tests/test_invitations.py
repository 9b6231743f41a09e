"""The candidate's invitation: one email with their link, the sweeper, and expiry."""

import datetime

from django.core import mail
from django.utils import timezone

from assessments import invitations, tasks
from assessments.models import CandidateAssessment
from tests.factories import CandidateAssessmentFactory


def test_it_emails_the_personal_link_as_html_and_plain_text(db):
    candidate_assessment = CandidateAssessmentFactory.create(first_name="Jane")

    assert invitations.send_invitation(candidate_assessment.pk) is True

    (message,) = mail.outbox
    link = invitations.candidate_link(candidate_assessment)
    assert message.to == [candidate_assessment.email]
    assert message.subject == (
        f"{candidate_assessment.account.name}: your {candidate_assessment.assessment.name}"
    )
    assert "Hello Jane," in message.body
    assert link in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert link.startswith("https://integrations.harver.test/assessment/")
    assert len(candidate_assessment.candidate_token) >= 43


def test_it_sends_each_invitation_once(db):
    candidate_assessment = CandidateAssessmentFactory.create()

    invitations.send_invitation(candidate_assessment.pk)
    again = invitations.send_invitation(candidate_assessment.pk)

    assert again is False
    assert len(mail.outbox) == 1


def test_it_sends_nothing_for_an_expired_invitation(db):
    candidate_assessment = CandidateAssessmentFactory.create(status="expired")

    assert invitations.send_invitation(candidate_assessment.pk) is False
    assert mail.outbox == []


def test_the_sweeper_sends_what_was_never_sent(db, settings):
    settings.INVITATION_SWEEP_GRACE_SECONDS = 0
    unsent = CandidateAssessmentFactory.create()
    CandidateAssessmentFactory.create(invitation_sent_at=timezone.now())

    swept = tasks.send_unsent_invitations()

    assert swept == 1
    assert [message.to for message in mail.outbox] == [[unsent.email]]


def test_it_expires_invitations_past_their_lifetime(db):
    overdue = CandidateAssessmentFactory.create(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    current = CandidateAssessmentFactory.create()
    completed = CandidateAssessmentFactory.create(
        status="completed", expires_at=timezone.now() - datetime.timedelta(days=1)
    )

    expired = tasks.expire_invitations()

    assert expired == 1
    statuses = dict(CandidateAssessment.objects.values_list("pk", "status"))
    assert statuses == {overdue.pk: "expired", current.pk: "pending", completed.pk: "completed"}


def test_the_candidate_link_opens_a_page_and_unknown_links_get_a_clear_page(db, client):
    candidate_assessment = CandidateAssessmentFactory.create()

    page = client.get(f"/assessment/{candidate_assessment.candidate_token}/")
    unknown = client.get("/assessment/not-a-real-token/")

    assert page.status_code == 200
    assert candidate_assessment.assessment.name in page.content.decode()
    assert unknown.status_code == 404
    assert "This link is not valid" in unknown.content.decode()
