"""The Reports tab applied to one candidate assessment: which links go to the ATS, and how.

The results link becomes `results_url`; every other enabled report goes as an attachment; the
timeline note lists them all, the results link first. Signed links last the tab's link lifetime
and carry its "hide personal data" choice (`assessments.reports` never reads integration
settings). The delivery code sends what this decides.

Also the ATS side's answer to "which job is this report about?" for the report pages
(`assessments.report_content.register_job_source`, registered in `IntegrationsConfig.ready`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from assessments.models import CandidateAssessment
from assessments.reports import ReportType, report_url
from integrations.models import AtsInvitation, ReportSettings
from integrations.providers import UnknownProviderError, get_provider

DESCRIPTIONS = {
    ReportType.CANDIDATE_DETAILS_PAGE: "Candidate details (Harver login)",
    ReportType.READONLY_CANDIDATE_DETAILS_PAGE: "Candidate details (read-only)",
    ReportType.PDF_REPORT: "PDF report (Harver login)",
    ReportType.SIGNED_REPORT: "PDF report",
}


@dataclass(frozen=True)
class ReportLink:
    report_type: ReportType
    description: str
    url: str

    def as_attachment(self) -> dict[str, str]:
        """The contract's attachment shape, `{description, url}`."""
        return {"description": self.description, "url": self.url}


@dataclass(frozen=True)
class ReportLinks:
    results_url: str
    attachments: list[ReportLink]
    note_links: list[ReportLink]


def report_links(
    report_settings: ReportSettings,
    candidate_assessment: CandidateAssessment,
    *,
    now: datetime.datetime | None = None,
) -> ReportLinks:
    """Every link the Reports tab sends for a candidate assessment, minted at `now`."""
    results_type = ReportType(report_settings.results_link)
    ordered = [results_type] + [
        report_type
        for report_type in report_settings.enabled_types()
        if report_type != results_type
    ]
    links = [
        ReportLink(
            report_type=report_type,
            description=DESCRIPTIONS[report_type],
            url=report_url(
                candidate_assessment,
                report_type,
                lifetime_days=report_settings.link_lifetime_days,
                now=now,
                hide_personal_data=report_settings.hide_personal_data,
            ),
        )
        for report_type in ordered
    ]
    return ReportLinks(results_url=links[0].url, attachments=links[1:], note_links=links)


def job_of(candidate_assessment: CandidateAssessment) -> str:
    """The ATS job the candidate was invited for, as the provider names it; "" when unknown."""
    invitation = (
        AtsInvitation.objects.filter(candidate_assessment_id=candidate_assessment.pk)
        .values("refs", "integration__provider")
        .first()
    )
    if invitation is None:
        return ""
    try:
        provider = get_provider(invitation["integration__provider"])
    except UnknownProviderError:
        return ""
    return provider.job_label(invitation["refs"])
