"""What the next completed result of an integration would send, found by doing it and undoing it.

The go-live check's dry run must show exactly what a completed result sends (the status body,
the note, each field value), so it runs the real code: inside one transaction it completes a
candidate assessment (a synthetic one, or one the admin chose) with a sample result, lets the
provider write its deliveries as it always does, reads them, renders every enabled report type
for that result, and rolls everything back. Nothing is committed and nothing is published (the
doorbells of a rolled-back transaction never ring), so the dry run writes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string

from assessments import lifecycle
from assessments.models import Assessment, CandidateAssessment
from assessments.report_content import build_report
from assessments.report_pdf import render_pdf
from assessments.reports import ReportType
from integrations import inbound
from integrations.models import AtsInvitation, Delivery, Integration, ReportSettings
from integrations.provider_types import GoLiveStep

Status = CandidateAssessment.Status
SOURCE = "go-live check"
SAMPLE_EMAIL = "go-live-check@harver.example"
SAMPLE_SCORE = 74
PDF_TYPES = frozenset({ReportType.PDF_REPORT, ReportType.SIGNED_REPORT})


class PreviewError(Exception):
    """The chosen candidate assessment cannot stand for the next result; says why."""


@dataclass(frozen=True)
class PreviewDelivery:
    """One delivery the next completed result would write, as the outbox would send it."""

    kind: str
    label: str
    url: str
    payload: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "url": self.url, "payload": self.payload}


@dataclass(frozen=True)
class Preview:
    """The sample's deliveries and how each enabled report type rendered for it."""

    candidate: str
    deliveries: list[PreviewDelivery] = field(default_factory=list)
    report_step: GoLiveStep | None = None


class _Discard(Exception):
    """Raised to roll the sample back once everything was read."""


def sample_result(assessment: Assessment) -> lifecycle.Result:
    """A plausible result: every competency of the assessment scored, a good fit."""
    names = list(assessment.competencies.order_by("position").values_list("name", flat=True))
    scores = {name: SAMPLE_SCORE - 6 + 4 * index for index, name in enumerate(names)}
    return lifecycle.Result(
        score=SAMPLE_SCORE,
        recommendation=CandidateAssessment.Recommendation.GOOD_FIT,
        competency_scores=scores,
        summary="Good fit (sample result of the Harver go-live check).",
        duration=datetime.timedelta(minutes=32, seconds=5),
    )


def sample_assessment(integration: Integration) -> Assessment | None:
    """The assessment a synthetic candidate takes: a mapped stage's, else the first offered."""
    if integration.provider_impl.invites_by_stage:
        mapped = (
            integration.stage_mappings.filter(assessment__is_active=True)
            .select_related("assessment")
            .order_by("stage_key", "job_id")
            .first()
        )
        if mapped is not None:
            return mapped.assessment
    offered = inbound.offered_assessments(integration)
    return offered[0] if offered else None


def preview_next_result(
    integration: Integration, *, candidate_assessment_id: int | None = None
) -> Preview:
    """Complete a sample (or the chosen candidate assessment) and undo it; what it wrote."""
    found: list[Preview] = []
    try:
        with transaction.atomic():
            found.append(_complete_and_read(integration, candidate_assessment_id))
            raise _Discard
    except _Discard:
        pass
    return found[0]


def _complete_and_read(integration: Integration, candidate_assessment_id: int | None) -> Preview:
    if candidate_assessment_id is None:
        candidate_assessment = _synthetic(integration)
        described = f"a synthetic candidate, {SAMPLE_EMAIL}"
    else:
        candidate_assessment = _chosen(integration, candidate_assessment_id)
        described = f"candidate assessment {candidate_assessment.pk}"
    before = set(
        Delivery.objects.filter(candidate_assessment=candidate_assessment).values_list(
            "pk", flat=True
        )
    )
    _complete(candidate_assessment)
    written = (
        Delivery.objects.filter(candidate_assessment=candidate_assessment)
        .exclude(pk__in=before)
        .exclude(state=Delivery.State.DROPPED)
        .order_by("pk")
    )
    deliveries = [
        PreviewDelivery(
            kind=delivery.get_kind_display(),
            label=delivery.label,
            url=delivery.url,
            payload=delivery.payload,
        )
        for delivery in written
    ]
    completed = (
        CandidateAssessment.objects.select_related("assessment", "account")
        .prefetch_related("events")
        .get(pk=candidate_assessment.pk)
    )
    return Preview(described, deliveries, render_reports(integration, completed))


def _synthetic(integration: Integration) -> CandidateAssessment:
    assessment = sample_assessment(integration)
    if assessment is None:
        raise PreviewError(
            f"{integration.account} has no active assessment, so no result can be previewed."
        )
    outcome = inbound.invite(
        integration,
        inbound.InvitationRequest(
            assessment=assessment,
            email=SAMPLE_EMAIL,
            refs=integration.provider_impl.go_live_sample_refs(integration),
            first_name="Go-Live",
            last_name="Check",
        ),
    )
    return outcome.candidate_assessment


def _chosen(integration: Integration, candidate_assessment_id: int) -> CandidateAssessment:
    candidate_assessment = (
        CandidateAssessment.objects.filter(
            pk=candidate_assessment_id, ats_invitation__integration=integration
        )
        .select_related("assessment")
        .first()
    )
    if candidate_assessment is None:
        raise PreviewError(
            f"Candidate assessment {candidate_assessment_id} was not invited through this "
            "integration."
        )
    if candidate_assessment.status in (Status.EXPIRED, Status.REJECTED):
        raise PreviewError(
            f"Candidate assessment {candidate_assessment_id} is "
            f"{candidate_assessment.get_status_display().lower()}; it will send no result."
        )
    return candidate_assessment


def _complete(candidate_assessment: CandidateAssessment) -> None:
    """Completed with the sample result; one already completed has its result sent again."""
    if candidate_assessment.status != Status.COMPLETED:
        lifecycle.record_status(
            candidate_assessment.pk,
            Status.COMPLETED,
            source=SOURCE,
            result=sample_result(candidate_assessment.assessment),
        )
        return
    invitation = AtsInvitation.objects.select_related("integration").get(
        candidate_assessment=candidate_assessment
    )
    invitation.integration.provider_impl.on_status_change(
        invitation,
        lifecycle.StatusChange(
            candidate_assessment=candidate_assessment,
            previous=Status.STARTED,
            current=Status.COMPLETED,
            source=SOURCE,
        ),
    )


def render_reports(
    integration: Integration, candidate_assessment: CandidateAssessment
) -> GoLiveStep:
    """Every enabled report type, rendered for the completed sample as the ATS's link shows it."""
    name = "Every enabled report type renders"
    report_settings = ReportSettings.objects.filter(integration=integration).first()
    enabled = report_settings.enabled_types() if report_settings else []
    if not enabled or report_settings is None:
        return GoLiveStep(
            name, False, "No report type is enabled: enable one (Harver to ATS, Reports)."
        )
    rendered, problems = [], []
    for report_type in enabled:
        report = build_report(
            candidate_assessment,
            hide_personal_data=report_settings.hide_personal_data
            and report_type != ReportType.CANDIDATE_DETAILS_PAGE,
        )
        try:
            if report_type in PDF_TYPES:
                ok = render_pdf(report).startswith(b"%PDF")
            else:
                ok = bool(
                    render_to_string(
                        "reports/report.html", {"report": report, "read_only": True, "links": []}
                    ).strip()
                )
        except Exception as error:  # any failure to render is what this step is for
            problems.append(f"{report_type.label} failed to render ({type(error).__name__}).")
            continue
        if ok:
            rendered.append(report_type.label)
        else:
            problems.append(f"{report_type.label} rendered empty.")
    if problems:
        return GoLiveStep(name, False, " ".join(problems) + " Tell Harver support.")
    return GoLiveStep(name, True, f"Rendered for a sample result: {', '.join(rendered)}.")
