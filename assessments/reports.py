"""The four report types of the setup guide's Reports tab, and the links that lead to them.

Links that leave Harver (into Workable) are either behind the admin login (Candidate Details
Page, PDF Report) or signed (Read-only Candidate Details Page, Signed report). A signed link
carries its own expiry, set from the integration's link lifetime, and is signed with
REPORT_LINK_SECRET: changing that secret revokes every signed link at once.
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


def _sign(payload: dict[str, object]) -> str:
    return signing.dumps(payload, key=settings.REPORT_LINK_SECRET, salt=SIGNING_SALT, compress=True)


def signed_report_token(
    candidate_assessment: CandidateAssessment,
    report_type: ReportType,
    *,
    lifetime: datetime.timedelta,
    now: datetime.datetime | None = None,
) -> str:
    expires_at = (now or timezone.now()) + lifetime
    return _sign(
        {
            "a": str(candidate_assessment.public_id),
            "r": report_type.value,
            "x": int(expires_at.timestamp()),
        }
    )


def read_signed_report_token(token: str, *, now: datetime.datetime | None = None) -> SignedReport:
    try:
        payload = signing.loads(token, key=settings.REPORT_LINK_SECRET, salt=SIGNING_SALT)
        report = SignedReport(
            public_id=uuid.UUID(payload["a"]),
            report_type=ReportType(payload["r"]),
            expires_at=datetime.datetime.fromtimestamp(int(payload["x"]), tz=datetime.UTC),
        )
    except (signing.BadSignature, KeyError, ValueError, TypeError) as error:
        raise ReportLinkError("This report link is not valid or has been revoked.") from error
    if report.expires_at <= (now or timezone.now()):
        raise ReportLinkError("This report link has expired.", expired=True)
    return report


def report_url(
    candidate_assessment: CandidateAssessment,
    report_type: ReportType,
    *,
    lifetime_days: int,
    now: datetime.datetime | None = None,
) -> str:
    """The absolute link of one report of a candidate assessment, as sent to an ATS."""
    base = settings.PUBLIC_BASE_URL
    public_id = candidate_assessment.public_id
    if report_type == ReportType.CANDIDATE_DETAILS_PAGE:
        return f"{base}/reports/{public_id}/"
    if report_type == ReportType.PDF_REPORT:
        return f"{base}/reports/{public_id}/pdf"
    token = signed_report_token(
        candidate_assessment, report_type, lifetime=datetime.timedelta(days=lifetime_days), now=now
    )
    suffix = "pdf" if report_type == ReportType.SIGNED_REPORT else ""
    return f"{base}/r/{token}/{suffix}"
