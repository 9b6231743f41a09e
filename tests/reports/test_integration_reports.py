"""The integrations side of reports: the Reports tab decides the links; the ATS job is named."""

from __future__ import annotations

import datetime

from assessments.report_content import build_report
from assessments.reports import ReportType, read_signed_report_token
from integrations import services
from integrations.models import AtsInvitation
from integrations.report_links import report_links
from tests import factories
from tests.reports.conftest import NOW, token_of
from workable.invitations import invitation_refs


def configured(candidate_assessment, *, enabled, results_link, **extra):
    integration = factories.ready_integration(candidate_assessment.account)
    report_settings = services.configure_reports(
        integration, enabled=enabled, results_link=results_link
    )
    for name, value in extra.items():
        setattr(report_settings, name, value)
    report_settings.save()
    return report_settings


def test_it_sends_the_results_link_as_results_url_and_the_rest_as_attachments(
    candidate_assessment, public_base_url
):
    # given every report enabled and the read-only page as the results link
    report_settings = configured(
        candidate_assessment,
        enabled=list(ReportType),
        results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
    )

    # when the links are decided
    links = report_links(report_settings, candidate_assessment, now=NOW)

    # then the read-only page is results_url; the other three are attachments
    assert links.results_url.startswith(f"{public_base_url}/r/")
    assert links.results_url.endswith("/")
    assert [link.report_type for link in links.attachments] == [
        ReportType.CANDIDATE_DETAILS_PAGE,
        ReportType.PDF_REPORT,
        ReportType.SIGNED_REPORT,
    ]
    assert links.attachments[1].as_attachment() == {
        "description": "PDF report (Harver login)",
        "url": f"{public_base_url}/reports/{candidate_assessment.public_id}/pdf",
    }
    # and the timeline note lists all four, the results link first
    assert [link.url for link in links.note_links] == [
        links.results_url,
        *(link.url for link in links.attachments),
    ]


def test_it_sends_only_what_is_enabled(candidate_assessment):
    report_settings = configured(
        candidate_assessment,
        enabled=[ReportType.SIGNED_REPORT],
        results_link=ReportType.SIGNED_REPORT,
    )

    links = report_links(report_settings, candidate_assessment, now=NOW)

    assert links.results_url.endswith("/pdf")
    assert links.attachments == []
    assert len(links.note_links) == 1


def test_it_signs_links_for_the_link_lifetime_with_the_hide_choice(candidate_assessment):
    # given a lifetime of 90 days and "hide personal data" on
    report_settings = configured(
        candidate_assessment,
        enabled=[ReportType.READONLY_CANDIDATE_DETAILS_PAGE, ReportType.SIGNED_REPORT],
        results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
        link_lifetime_days=90,
        hide_personal_data=True,
    )

    # when the links are minted
    links = report_links(report_settings, candidate_assessment, now=NOW)

    # then both signed links last 90 days and hide personal data
    for link in links.note_links:
        signed = read_signed_report_token(token_of(link.url), now=NOW)
        assert signed.expires_at == NOW + datetime.timedelta(days=90)
        assert signed.hide_personal_data is True


def test_it_uses_a_year_by_default(candidate_assessment):
    report_settings = configured(
        candidate_assessment,
        enabled=[ReportType.READONLY_CANDIDATE_DETAILS_PAGE],
        results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
    )

    links = report_links(report_settings, candidate_assessment, now=NOW)

    signed = read_signed_report_token(token_of(links.results_url), now=NOW)
    assert signed.expires_at == NOW + datetime.timedelta(days=365)
    assert signed.hide_personal_data is False


def test_it_names_the_ats_job_from_the_integration(candidate_assessment):
    # given the candidate was invited through a Workable integration for a job
    integration = factories.ready_integration(candidate_assessment.account)
    AtsInvitation.objects.create(
        integration=integration,
        candidate_assessment=candidate_assessment,
        assessment=candidate_assessment.assessment,
        email_key=candidate_assessment.email,
        identity_key=AtsInvitation.identity_key_of(candidate_assessment.email),
        refs=invitation_refs(
            callback_url="https://acme.workable.com/callback/1",
            job_shortcode="A1B2C3",
            job_title="Store Associate, Amsterdam",
        ),
    )

    # when the report is built
    report = build_report(candidate_assessment)

    # then it names the job, through the source the integrations app registered
    assert report.job == "Store Associate, Amsterdam (A1B2C3)"


def test_it_leaves_the_job_empty_without_an_ats_invitation(candidate_assessment):
    assert build_report(candidate_assessment).job == ""
