"""Read-only Candidate Details Page URL: the report through a signed link, with no login."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from assessments.reports import ReportType, report_url
from tests.reports.conftest import NOW, token_of

FORM_CONTROLS = ("<form", "<input", "<textarea", "<select", "<button")


def readonly_link(candidate_assessment, *, lifetime_days=365, hide_personal_data=False) -> str:
    url = report_url(
        candidate_assessment,
        ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
        lifetime_days=lifetime_days,
        now=NOW,
        hide_personal_data=hide_personal_data,
    )
    return url.removeprefix(settings.PUBLIC_BASE_URL)


def test_it_opens_without_a_login(client, candidate_assessment, clock):
    # given the read-only link a recruiter finds on the Workable timeline
    link = readonly_link(candidate_assessment)

    # when they open it, not logged in to Harver
    response = client.get(link)

    # then they see the report
    assert response.status_code == 200
    html = response.content.decode()
    for expected in ("Priya Sharma", "priya.sharma@example.com", "82 / 100", "Great fit"):
        assert expected in html
    assert '<svg class="chart chart-wide"' in html


def test_it_has_no_form_and_nothing_to_edit(client, candidate_assessment, clock):
    html = client.get(readonly_link(candidate_assessment)).content.decode().lower()

    for control in FORM_CONTROLS:
        assert control not in html


def test_it_hides_personal_data_when_the_reports_tab_says_so(client, candidate_assessment, clock):
    # given a link minted while "hide personal data" was on
    link = readonly_link(candidate_assessment, hide_personal_data=True)

    # when it is opened
    response = client.get(link)

    # then the result is there but not the name, email or phone
    assert response.status_code == 200
    html = response.content.decode()
    assert "82 / 100" in html
    for personal in ("Priya", "Sharma", "priya.sharma@example.com", "1234 5678"):
        assert personal not in html
    assert "Personal data is hidden" in html


def test_it_links_to_a_fresh_short_lived_pdf(client, candidate_assessment, clock):
    html = client.get(readonly_link(candidate_assessment)).content.decode()

    download = re.search(r'href="(/r/[^"/]+/download)"', html)
    assert download is not None
    assert client.get(download.group(1))["Content-Type"] == "application/pdf"


def test_it_works_until_the_link_lifetime_ends(client, candidate_assessment, clock):
    # given a link minted today with the default lifetime of a year
    link = readonly_link(candidate_assessment, lifetime_days=365)

    # when it is opened a day before it ends
    clock.advance(days=364)

    # then it still works
    assert client.get(link).status_code == 200


def test_it_refuses_an_expired_link_with_410(client, candidate_assessment, clock):
    # given a link of 30 days, opened one second too late
    link = readonly_link(candidate_assessment, lifetime_days=30)
    clock.advance(days=30, seconds=1)

    # when it is opened
    response = client.get(link)

    # then a clear page says it expired, and shows nothing of the report
    assert response.status_code == 410
    html = response.content.decode()
    assert "This report link has expired" in html
    assert "Priya" not in html
    assert "82 / 100" not in html


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda token: token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb"), id="sig"
        ),
        pytest.param(lambda token: "x" + token, id="payload"),
        pytest.param(lambda token: token.split(":")[0], id="truncated"),
        pytest.param(lambda token: "not-a-token", id="garbage"),
    ],
)
def test_it_refuses_a_tampered_link_with_403(client, candidate_assessment, clock, tamper):
    # given a link someone altered
    token = token_of(readonly_link(candidate_assessment))

    # when it is opened
    response = client.get(f"/r/{tamper(token)}/")

    # then a clear page says it is not valid, and shows nothing of the report
    assert response.status_code == 403
    html = response.content.decode()
    assert "This report link is not valid" in html
    assert "Priya" not in html


def test_it_refuses_every_link_after_the_secret_is_rotated(
    client, candidate_assessment, clock, settings
):
    # given a link sent to Workable
    link = readonly_link(candidate_assessment)

    # when the signing secret is rotated
    settings.REPORT_LINK_SECRET = "a-new-secret-after-rotation"

    # then the link is revoked
    response = client.get(link)
    assert response.status_code == 403
    assert "revoked" in response.content.decode()


def test_it_opens_only_the_report_the_link_was_minted_for(client, candidate_assessment, clock):
    # given a signed report (PDF) link
    url = report_url(candidate_assessment, ReportType.SIGNED_REPORT, lifetime_days=365, now=NOW)

    # when its token is used for the read-only page
    response = client.get(f"/r/{token_of(url)}/")

    # then it is refused
    assert response.status_code == 403


def test_it_says_a_removed_assessment_is_gone(client, candidate_assessment, clock):
    # given a valid link to a candidate assessment that has since been deleted
    link = readonly_link(candidate_assessment)
    candidate_assessment.events.all().delete()
    candidate_assessment.delete()

    # when it is opened
    response = client.get(link)

    # then it is gone, clearly
    assert response.status_code == 410
    assert "no longer available" in response.content.decode()


def test_it_refuses_anything_but_reading(client, candidate_assessment, clock):
    response = client.post(readonly_link(candidate_assessment))

    assert response.status_code == 405
