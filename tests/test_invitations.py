"""The candidate's invitation: one email with their link, the sweeper, and expiry."""

import datetime
import re

from django.conf import settings
from django.core import mail
from django.utils import timezone

from assessments import invitations, questionnaire, tasks
from assessments.models import CandidateAssessment, CandidateLink
from harver_integration.tokens import hash_token
from tests.db_scan import tables_containing
from tests.factories import CandidateAssessmentFactory


def test_it_emails_the_personal_link_as_html_and_plain_text(db):
    candidate_assessment = CandidateAssessmentFactory.create(first_name="Jane")

    assert invitations.send_invitation(candidate_assessment.pk) is True

    (message,) = mail.outbox
    (link,) = re.findall(r"https://\S+/assessment/\S+/", str(message.body))
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
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 43
    assert questionnaire.find(token) == candidate_assessment
    # the link's token is stored only as its hash
    assert tables_containing(token) == []
    assert CandidateLink.objects.get().token_hash == hash_token(token)


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
    # the link is minted as the email is sent, so the sweeper's email carries a working one
    (link,) = re.findall(r"https://\S+/assessment/(\S+)/", str(mail.outbox[0].body))
    assert questionnaire.find(link) == unsent


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

    link = invitations.issue_link(candidate_assessment, CandidateLink.IssuedTo.EMAIL)
    page = client.get(link.removeprefix(settings.PUBLIC_BASE_URL))
    unknown = client.get("/assessment/not-a-real-token/")

    assert page.status_code == 200
    assert candidate_assessment.assessment.name in page.content.decode()
    assert unknown.status_code == 404
    assert "This link is not valid" in unknown.content.decode()
