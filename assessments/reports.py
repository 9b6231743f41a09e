"""The four report types of the setup guide's Reports tab."""

from django.db import models


class ReportType(models.TextChoices):
    CANDIDATE_DETAILS_PAGE = "candidate_details_page", "Candidate Details Page URL"
    READONLY_CANDIDATE_DETAILS_PAGE = (
        "readonly_candidate_details_page",
        "Read-only Candidate Details Page URL",
    )
    PDF_REPORT = "pdf_report", "PDF Report URL"
    SIGNED_REPORT = "signed_report", "Signed report URL"
