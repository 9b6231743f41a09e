"""Candidate Details Page URL: the whole report behind the admin login, scoped to accounts."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve, reverse

from assessments.models import CandidateAssessment
from assessments.reports import ReportType, report_url
from tests import factories


def details_url(candidate_assessment: CandidateAssessment) -> str:
    return reverse("reports:details", args=[candidate_assessment.public_id])


def test_it_sends_an_anonymous_visitor_to_the_admin_login(client, candidate_assessment):
    # given the link as it appears on the Workable timeline
    url = details_url(candidate_assessment)

    # when someone without a login opens it
    response = client.get(url)

    # then the admin login asks who they are, and brings them back afterwards
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"


def test_it_shows_the_whole_report_to_a_staff_member_of_the_account(
    client, candidate_assessment, acme_staff
):
    # given Hannah, a staff member of Acme Retail, logged in
    client.force_login(acme_staff)

    # when she opens Priya's Candidate Details Page
    response = client.get(details_url(candidate_assessment))

    # then she sees the candidate, the assessment and the result
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        "Priya Sharma",
        "priya.sharma@example.com",
        "+31 6 1234 5678",
        "Store Associate Assessment",
        "ACME-STORE-01",
        "82 / 100",
        "Great fit",
        "0:41:17",
        "Great fit. Strongest: Conscientiousness (88).",
    ):
        assert expected in html
    # the status history, oldest first
    assert re.search(r"Pending.*Started.*Completed", html, re.DOTALL)
    # and the competency scores drawn as a picture, one bar each
    chart = re.search(r'<svg class="chart chart-wide".*?</svg>', html, re.DOTALL)
    assert chart is not None
    assert chart.group(0).count('class="bar"') == 3
    assert "Conscientiousness 88" in chart.group(0)


def test_it_links_to_the_other_reports(client, candidate_assessment, acme_staff):
    # given Hannah logged in
    client.force_login(acme_staff)

    # when she opens the page
    html = client.get(details_url(candidate_assessment)).content.decode()

    # then the PDF is linked behind the login and the no-login reports as fresh signed links
    assert f'href="/reports/{candidate_assessment.public_id}/pdf"' in html
    assert re.search(r'href="/r/[^"/]+/"', html)
    assert re.search(r'href="/r/[^"/]+/pdf"', html)


def test_it_answers_404_to_a_staff_member_of_another_account(
    client, candidate_assessment, other_staff
):
    # given Nina, staff of Northwind Stores, logged in
    client.force_login(other_staff)

    # when she opens a candidate of Acme Retail
    response = client.get(details_url(candidate_assessment))

    # then the candidate does not exist for her
    assert response.status_code == 404
    assert "Priya" not in response.content.decode()


def test_it_shows_every_account_to_a_superuser(client, candidate_assessment):
    superuser = factories.UserFactory.create(username="root", is_superuser=True)
    client.force_login(superuser)

    response = client.get(details_url(candidate_assessment))

    assert response.status_code == 200


def test_it_sends_a_user_who_is_not_staff_to_the_login(client, candidate_assessment, acme):
    # given a member of the account who is not staff (no admin access)
    user = factories.UserFactory.create(username="recruiter", is_staff=False)
    acme.members.add(user)
    client.force_login(user)

    # when they open the page
    response = client.get(details_url(candidate_assessment))

    # then the admin login asks for a staff account
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_answers_404_for_an_unknown_assessment_id(client, acme_staff):
    client.force_login(acme_staff)

    response = client.get("/reports/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404


def test_it_says_there_is_no_result_yet_before_completion(client, acme, acme_staff):
    # given an invitation the candidate has not completed
    pending = factories.CandidateAssessmentFactory.create(
        assessment=factories.AssessmentFactory.create(account=acme)
    )
    client.force_login(acme_staff)

    # when Hannah opens its page
    html = client.get(details_url(pending)).content.decode()

    # then it says so, and draws no chart
    assert "No result yet" in html
    assert 'class="chart' not in html


def test_it_keeps_the_page_out_of_caches(client, candidate_assessment, acme_staff):
    client.force_login(acme_staff)

    response = client.get(details_url(candidate_assessment))

    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize(
    ("report_type", "name"),
    [
        (ReportType.CANDIDATE_DETAILS_PAGE, "reports:details"),
        (ReportType.PDF_REPORT, "reports:pdf"),
        (ReportType.READONLY_CANDIDATE_DETAILS_PAGE, "reports:readonly"),
        (ReportType.SIGNED_REPORT, "reports:signed"),
    ],
)
def test_it_serves_every_link_report_url_builds(candidate_assessment, report_type, name):
    url = report_url(candidate_assessment, report_type, lifetime_days=365)

    match = resolve(url.removeprefix("https://integrations.harver.test"))
    assert f"{match.namespace}:{match.url_name}" == name
