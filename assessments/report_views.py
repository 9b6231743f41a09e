"""The four report types as pages and files: what a recruiter opens from the ATS timeline.

Two are behind the admin login and scoped to the user's accounts (a candidate of another account
is a 404, as in the admin). Two open without a login through a signed link (`assessments.reports`)
and are read-only: no form, nothing to change. A signed link that was tampered with or revoked
gets a 403 page, an expired one a 410 page; neither ever shows the report.

The Signed report's long-lived link never serves the PDF itself: it mints a download link valid
for minutes and redirects there, so the link in the ATS keeps working for the integration's link
lifetime while the address the file was fetched from stops working soon after.
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from accounts.models import Account
from assessments.models import CandidateAssessment
from assessments.report_content import ReportContent, build_report
from assessments.report_pdf import render_pdf
from assessments.reports import (
    DOWNLOAD_LIFETIME,
    ReportLinkError,
    ReportType,
    SignedReport,
    download_token,
    read_download_token,
    read_signed_report_token,
    signed_report_token,
)

# No-login previews offered on the Candidate Details Page to someone who already has the login.
PREVIEW_LIFETIME = datetime.timedelta(hours=1)


def _lasting(lifetime: datetime.timedelta) -> str:
    minutes = int(lifetime.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "1 hour" if hours == 1 else f"{hours} hours"


def _private(response: HttpResponse) -> HttpResponse:
    """Reports hold personal data: no caching, no indexing, no token leaking in a Referer."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _reported() -> QuerySet[CandidateAssessment]:
    """Candidate assessments with their assessment, account and status history loaded."""
    return CandidateAssessment.objects.select_related("assessment", "account").prefetch_related(
        "events"
    )


def _visible(request: HttpRequest, public_id: uuid.UUID) -> CandidateAssessment:
    return get_object_or_404(
        _reported().filter(account__in=Account.objects.visible_to(request.user)),
        public_id=public_id,
    )


def _pdf_response(report: ReportContent) -> HttpResponse:
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="harver-report-{report.public_id[:8]}.pdf"'
    return _private(response)


def _link_error(request: HttpRequest, error: ReportLinkError) -> HttpResponse:
    if error.expired:
        heading = "This report link has expired"
        explanation = (
            "Report links stop working after the period your company chose. Open the report "
            "again from the candidate's timeline in your ATS; if that link has expired too, "
            "sign in to Harver to see the report, or ask your Harver contact to send it again."
        )
    else:
        heading = "This report link is not valid"
        explanation = (
            "The link was changed, is incomplete, or has been revoked. Open the report again "
            "from the candidate's timeline in your ATS, and if you copy the link, copy all of it."
        )
    response = render(
        request,
        "reports/link_error.html",
        {"heading": heading, "explanation": explanation},
        status=410 if error.expired else 403,
    )
    return _private(response)


def _gone(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "reports/link_error.html",
        {
            "heading": "This report is no longer available",
            "explanation": "The candidate's assessment has been removed from Harver.",
        },
        status=410,
    )
    return _private(response)


def _open_signed(
    token: str, report_type: ReportType, *, download: bool = False
) -> tuple[SignedReport, CandidateAssessment | None]:
    """The link's claims and its candidate assessment (None when it no longer exists).

    Raises ReportLinkError for a bad, revoked or expired link, and for a link to another report
    type: each signed link opens only the report it was minted for.
    """
    read = read_download_token if download else read_signed_report_token
    signed = read(token)
    if signed.report_type != report_type:
        raise ReportLinkError("This report link is not valid or has been revoked.")
    return signed, _reported().filter(public_id=signed.public_id).first()


@require_safe
@staff_member_required
def details_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Candidate Details Page URL: everything about the candidate's assessment, for staff."""
    candidate_assessment = _visible(request, public_id)
    report = build_report(candidate_assessment)
    preview = f"No login needed; this link works for {_lasting(PREVIEW_LIFETIME)}."
    links = [
        (
            "PDF report",
            reverse("reports:pdf", args=[candidate_assessment.public_id]),
            "The same report as a PDF, behind the login.",
        ),
        (
            "Read-only Candidate Details Page",
            reverse(
                "reports:readonly",
                args=[
                    signed_report_token(
                        candidate_assessment,
                        ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
                        lifetime=PREVIEW_LIFETIME,
                    )
                ],
            ),
            preview,
        ),
        (
            "Signed report (PDF)",
            reverse(
                "reports:signed",
                args=[
                    signed_report_token(
                        candidate_assessment, ReportType.SIGNED_REPORT, lifetime=PREVIEW_LIFETIME
                    )
                ],
            ),
            preview,
        ),
    ]
    response = render(
        request,
        "reports/report.html",
        {"report": report, "read_only": False, "links": links},
    )
    return _private(response)


@require_safe
@staff_member_required
def pdf_report(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """PDF Report URL: the report as a PDF, for staff."""
    return _pdf_response(build_report(_visible(request, public_id)))


@require_safe
def readonly_details_page(request: HttpRequest, token: str) -> HttpResponse:
    """Read-only Candidate Details Page URL: the report through a signed link, no login."""
    try:
        signed, candidate_assessment = _open_signed(
            token, ReportType.READONLY_CANDIDATE_DETAILS_PAGE
        )
    except ReportLinkError as error:
        return _link_error(request, error)
    if candidate_assessment is None:
        return _gone(request)
    report = build_report(candidate_assessment, hide_personal_data=signed.hide_personal_data)
    links = []
    if report.has_result:
        links.append(
            (
                "PDF report",
                reverse("reports:download", args=[download_token(signed)]),
                f"Download link minted for you; it works for {_lasting(DOWNLOAD_LIFETIME)}.",
            )
        )
    response = render(
        request,
        "reports/report.html",
        {"report": report, "read_only": True, "links": links},
    )
    return _private(response)


@require_safe
def signed_report(request: HttpRequest, token: str) -> HttpResponse:
    """Signed report URL: checks the long-lived link, then sends to a fresh download link."""
    try:
        signed, candidate_assessment = _open_signed(token, ReportType.SIGNED_REPORT)
    except ReportLinkError as error:
        return _link_error(request, error)
    if candidate_assessment is None:
        return _gone(request)
    return _private(
        HttpResponseRedirect(reverse("reports:download", args=[download_token(signed)]))
    )


@require_safe
def download(request: HttpRequest, token: str) -> HttpResponse:
    """The PDF behind a signed link, at an address that works for DOWNLOAD_LIFETIME only."""
    try:
        signed, candidate_assessment = _open_signed(token, ReportType.SIGNED_REPORT, download=True)
    except ReportLinkError as error:
        return _link_error(request, error)
    if candidate_assessment is None:
        return _gone(request)
    return _pdf_response(
        build_report(candidate_assessment, hide_personal_data=signed.hide_personal_data)
    )
