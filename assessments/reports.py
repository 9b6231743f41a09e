"""The four report types of the setup guide's Reports tab, and the links that lead to them.

Links that leave Harver (into the ATS) are either behind the admin login (Candidate Details
Page, PDF Report) or signed (Read-only Candidate Details Page, Signed report). A signed link
carries its own expiry, set from the integration's link lifetime, and is signed with
REPORT_LINK_SECRET: changing that secret revokes every signed link at once.

A signed link also carries the Reports tab's "hide personal data" choice as it was when the link
was minted: `assessments` never reads an integration's settings, so the caller passes it in.

The signed report's PDF itself is served only through a download link minted when the long-lived
link is opened and valid for DOWNLOAD_LIFETIME: what a browser, proxy or forwarded email keeps of
the file's address stops working within minutes, while the link in the ATS keeps working.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import models
from django.utils import timezone

from assessments.models import CandidateAssessment

SIGNING_SALT = "harver.report-link"
# A different salt, so a download token never opens a report page and a report link never
# downloads without being checked and re-minted.
DOWNLOAD_SIGNING_SALT = "harver.report-download"
DOWNLOAD_LIFETIME = datetime.timedelta(minutes=10)


class ReportType(models.TextChoices):
    CANDIDATE_DETAILS_PAGE = "candidate_details_page", "Candidate Details Page URL"
    READONLY_CANDIDATE_DETAILS_PAGE = (
        "readonly_candidate_details_page",
        "Read-only Candidate Details Page URL",
    )
    PDF_REPORT = "pdf_report", "PDF Report URL"
    SIGNED_REPORT = "signed_report", "Signed report URL"


SIGNED_TYPES = (ReportType.READONLY_CANDIDATE_DETAILS_PAGE, ReportType.SIGNED_REPORT)


class ReportLinkError(Exception):
    """A signed report link that must not open; `expired` tells 410 from 403."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class SignedReport:
    public_id: uuid.UUID
    report_type: ReportType
    expires_at: datetime.datetime
    hide_personal_data: bool = False


def _sign(payload: dict[str, object], salt: str = SIGNING_SALT) -> str:
    return signing.dumps(payload, key=settings.REPORT_LINK_SECRET, salt=salt, compress=True)


def _payload(
    public_id: uuid.UUID,
    report_type: ReportType,
    expires_at: datetime.datetime,
    hide_personal_data: bool,
) -> dict[str, object]:
    payload: dict[str, object] = {
        "a": str(public_id),
        "r": report_type.value,
        "x": int(expires_at.timestamp()),
    }
    if hide_personal_data:
        payload["p"] = 1
    return payload


def _read(token: str, salt: str, now: datetime.datetime | None) -> SignedReport:
    try:
        payload = signing.loads(token, key=settings.REPORT_LINK_SECRET, salt=salt)
        report = SignedReport(
            public_id=uuid.UUID(payload["a"]),
            report_type=ReportType(payload["r"]),
            expires_at=datetime.datetime.fromtimestamp(int(payload["x"]), tz=datetime.UTC),
            hide_personal_data=bool(payload.get("p", 0)),
        )
    except (signing.BadSignature, KeyError, ValueError, TypeError, AttributeError) as error:
        raise ReportLinkError("This report link is not valid or has been revoked.") from error
    if report.expires_at <= (now or timezone.now()):
        raise ReportLinkError("This report link has expired.", expired=True)
    return report


def signed_report_token(
    candidate_assessment: CandidateAssessment,
    report_type: ReportType,
    *,
    lifetime: datetime.timedelta,
    now: datetime.datetime | None = None,
    hide_personal_data: bool = False,
) -> str:
    expires_at = (now or timezone.now()) + lifetime
    return _sign(
        _payload(candidate_assessment.public_id, report_type, expires_at, hide_personal_data)
    )


def read_signed_report_token(token: str, *, now: datetime.datetime | None = None) -> SignedReport:
    return _read(token, SIGNING_SALT, now)


def download_token(report: SignedReport, *, now: datetime.datetime | None = None) -> str:
    """A fresh short-lived token for the PDF of an opened signed link, keeping its choices."""
    expires_at = (now or timezone.now()) + DOWNLOAD_LIFETIME
    return _sign(
        _payload(report.public_id, ReportType.SIGNED_REPORT, expires_at, report.hide_personal_data),
        DOWNLOAD_SIGNING_SALT,
    )


def read_download_token(token: str, *, now: datetime.datetime | None = None) -> SignedReport:
    return _read(token, DOWNLOAD_SIGNING_SALT, now)


def report_url(
    candidate_assessment: CandidateAssessment,
    report_type: ReportType,
    *,
    lifetime_days: int,
    now: datetime.datetime | None = None,
    hide_personal_data: bool = False,
) -> str:
    """The absolute link of one report of a candidate assessment, as sent to an ATS.

    `hide_personal_data` is the Reports tab's choice; it shapes only the signed links, since
    whoever passes the login sees everything.
    """
    base = settings.PUBLIC_BASE_URL
    public_id = candidate_assessment.public_id
    if report_type == ReportType.CANDIDATE_DETAILS_PAGE:
        return f"{base}/reports/{public_id}/"
    if report_type == ReportType.PDF_REPORT:
        return f"{base}/reports/{public_id}/pdf"
    token = signed_report_token(
        candidate_assessment,
        report_type,
        lifetime=datetime.timedelta(days=lifetime_days),
        now=now,
        hide_personal_data=hide_personal_data,
    )
    suffix = "pdf" if report_type == ReportType.SIGNED_REPORT else ""
    return f"{base}/r/{token}/{suffix}"
