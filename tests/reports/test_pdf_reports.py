"""PDF Report URL (behind the login) and Signed report URL (a signed link, re-minted on click)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from assessments.reports import DOWNLOAD_LIFETIME, ReportType, report_url
from tests.reports.conftest import NOW, pdf_text, token_of


def signed_link(candidate_assessment, *, lifetime_days=365, hide_personal_data=False) -> str:
    url = report_url(
        candidate_assessment,
        ReportType.SIGNED_REPORT,
        lifetime_days=lifetime_days,
        now=NOW,
        hide_personal_data=hide_personal_data,
    )
    return url.removeprefix(settings.PUBLIC_BASE_URL)


def test_it_serves_a_pdf_with_the_name_score_and_recommendation(
    client, candidate_assessment, acme_staff
):
    # given Hannah logged in
    client.force_login(acme_staff)

    # when she opens the PDF Report URL
    response = client.get(reverse("reports:pdf", args=[candidate_assessment.public_id]))

    # then it is a real PDF holding the report
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    for expected in (
        "Priya Sharma",
        "82 / 100",
        "Great fit",
        "0:41:17",
        "Conscientiousness",
        "Store Associate Assessment",
        "priya.sharma@example.com",
    ):
        assert expected in text


def test_it_draws_the_competency_chart_into_the_pdf(client, candidate_assessment, acme_staff):
    client.force_login(acme_staff)

    content = client.get(reverse("reports:pdf", args=[candidate_assessment.public_id])).content

    # the bar chart is vector graphics: its labels and values are on the page with the bars
    text = pdf_text(content)
    for label in ("Competency scores", "Agreeableness", "Customer focus", "79", "64"):
        assert label in text


def test_it_asks_for_the_login_before_the_pdf(client, candidate_assessment):
    url = reverse("reports:pdf", args=[candidate_assessment.public_id])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"


def test_it_answers_404_for_the_pdf_of_another_account(client, candidate_assessment, other_staff):
    client.force_login(other_staff)

    response = client.get(reverse("reports:pdf", args=[candidate_assessment.public_id]))

    assert response.status_code == 404


def test_it_prints_names_beyond_ascii(client, candidate_assessment, acme_staff):
    candidate_assessment.first_name, candidate_assessment.last_name = "Zoë", "Łukasiewicz"
    candidate_assessment.save()
    client.force_login(acme_staff)

    content = client.get(reverse("reports:pdf", args=[candidate_assessment.public_id])).content

    assert "Zoë Łukasiewicz" in pdf_text(content)


def test_it_sends_a_signed_link_to_a_freshly_minted_download(client, candidate_assessment, clock):
    # given the signed report link on the Workable timeline, opened without a login
    response = client.get(signed_link(candidate_assessment))

    # then it redirects to a download link minted just now
    assert response.status_code == 302
    download = response["Location"]
    assert download.startswith("/r/")
    assert download.endswith("/download")
    # which serves the PDF
    pdf = client.get(download)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Priya Sharma" in text
    assert "82 / 100" in text
    assert "Great fit" in text


def test_it_lets_the_download_link_expire_while_the_signed_link_lives_on(
    client, candidate_assessment, clock
):
    # given a download link minted by opening the signed link
    link = signed_link(candidate_assessment)
    first_download = client.get(link)["Location"]

    # when the download link's minutes have passed
    clock.advance(seconds=DOWNLOAD_LIFETIME.total_seconds() + 1)

    # then the download link has expired
    assert client.get(first_download).status_code == 410
    # but the signed link still works, minting a new download link
    second_download = client.get(link)["Location"]
    assert second_download != first_download
    assert client.get(second_download).status_code == 200


def test_it_keeps_the_signed_link_working_for_the_link_lifetime(
    client, candidate_assessment, clock
):
    link = signed_link(candidate_assessment, lifetime_days=365)

    clock.advance(days=364, hours=23)

    download = client.get(link)["Location"]
    assert client.get(download).status_code == 200


def test_it_refuses_an_expired_signed_link_with_410(client, candidate_assessment, clock):
    # given a signed link of 30 days, opened after 31
    link = signed_link(candidate_assessment, lifetime_days=30)
    clock.advance(days=31)

    # when it is opened
    response = client.get(link)

    # then it is clearly expired, with no PDF and no redirect to one
    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/html")
    assert "This report link has expired" in response.content.decode()


def test_it_refuses_a_tampered_signed_link_with_403(client, candidate_assessment, clock):
    token = token_of(signed_link(candidate_assessment))
    tampered = token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")

    response = client.get(f"/r/{tampered}/pdf")

    assert response.status_code == 403
    assert "This report link is not valid" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/r/{token}/download", id="long-lived link used as a download"),
        pytest.param("/r/{download}/pdf", id="download used as a long-lived link"),
        pytest.param("/r/{download}/", id="download used as the read-only page"),
    ],
)
def test_it_keeps_download_links_and_report_links_apart(client, candidate_assessment, clock, path):
    link = signed_link(candidate_assessment)
    download = token_of(client.get(link)["Location"])

    response = client.get(path.format(token=token_of(link), download=download))

    assert response.status_code == 403


def test_it_hides_personal_data_in_the_signed_pdf_too(client, candidate_assessment, clock):
    # given a signed link minted while "hide personal data" was on
    link = signed_link(candidate_assessment, hide_personal_data=True)

    # when the PDF is fetched through it
    pdf = client.get(client.get(link)["Location"])

    # then the result is there, the name, email and phone are not
    text = pdf_text(pdf.content)
    assert "82 / 100" in text
    for personal in ("Priya", "Sharma", "priya.sharma@example.com", "1234 5678"):
        assert personal not in text


def test_it_revokes_signed_and_download_links_with_the_secret(
    client, candidate_assessment, clock, settings
):
    link = signed_link(candidate_assessment)
    download = client.get(link)["Location"]

    settings.REPORT_LINK_SECRET = "a-new-secret-after-rotation"

    assert client.get(link).status_code == 403
    assert client.get(download).status_code == 403
