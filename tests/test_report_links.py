"""Report links: which need a login, which are signed, and when a signed one stops working."""

import datetime

import pytest

from assessments.reports import ReportLinkError, ReportType, read_signed_report_token, report_url
from tests.factories import CandidateAssessmentFactory

NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def candidate_assessment(db):
    return CandidateAssessmentFactory.create()


def test_it_links_login_pages_by_assessment_id(candidate_assessment):
    public_id = candidate_assessment.public_id

    assert report_url(
        candidate_assessment, ReportType.CANDIDATE_DETAILS_PAGE, lifetime_days=365
    ) == (f"https://integrations.harver.test/reports/{public_id}/")
    assert report_url(candidate_assessment, ReportType.PDF_REPORT, lifetime_days=365) == (
        f"https://integrations.harver.test/reports/{public_id}/pdf"
    )


@pytest.mark.parametrize(
    ("report_type", "suffix"),
    [(ReportType.READONLY_CANDIDATE_DETAILS_PAGE, "/"), (ReportType.SIGNED_REPORT, "/pdf")],
)
def test_it_signs_links_that_need_no_login(candidate_assessment, report_type, suffix):
    url = report_url(candidate_assessment, report_type, lifetime_days=365, now=NOW)

    token = url.removeprefix("https://integrations.harver.test/r/").removesuffix(suffix)
    report = read_signed_report_token(token, now=NOW + datetime.timedelta(days=364))
    assert report.public_id == candidate_assessment.public_id
    assert report.report_type == report_type


def test_it_refuses_an_expired_link_as_expired(candidate_assessment):
    url = report_url(candidate_assessment, ReportType.SIGNED_REPORT, lifetime_days=30, now=NOW)
    token = url.split("/r/")[1].removesuffix("/pdf")

    with pytest.raises(ReportLinkError, match="expired") as refused:
        read_signed_report_token(token, now=NOW + datetime.timedelta(days=30, seconds=1))
    assert refused.value.expired is True


def test_it_refuses_a_tampered_link(candidate_assessment):
    url = report_url(candidate_assessment, ReportType.SIGNED_REPORT, lifetime_days=30, now=NOW)
    token = url.split("/r/")[1].removesuffix("/pdf")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    with pytest.raises(ReportLinkError, match="not valid") as refused:
        read_signed_report_token(tampered, now=NOW)
    assert refused.value.expired is False


def test_it_revokes_every_link_when_the_secret_changes(candidate_assessment, settings):
    url = report_url(
        candidate_assessment, ReportType.READONLY_CANDIDATE_DETAILS_PAGE, lifetime_days=30, now=NOW
    )
    token = url.split("/r/")[1].removesuffix("/")

    settings.REPORT_LINK_SECRET = "a-new-secret-after-rotation"

    with pytest.raises(ReportLinkError, match="revoked"):
        read_signed_report_token(token, now=NOW)
