"""The Assessments tab's pickers: stage mappings (for an ATS that invites by stage) and the ATS
fields a score can be written to, both listed from the ATS when it can list them.

A listing that fails does not break the page: the admin reads why, and may still type a stage
name or a field id by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django import forms

from assessments.models import Assessment
from integrations import stages
from integrations.models import Integration, StageMapping
from integrations.provider_types import StageOptions
from integrations.transport import DeliveryError


class StageMappingForm(forms.Form):
    """One stage (of one job, or of every job) that invites to one assessment."""

    stage_name = forms.CharField(label="Stage", max_length=255)
    job_id = forms.CharField(label="Job", max_length=64, required=False)
    assessment = forms.ModelChoiceField(
        label="Assessment", queryset=Assessment.objects.none(), empty_label=None
    )

    def __init__(
        self, *args: Any, integration: Integration, options: StageOptions, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        assessment = cast("forms.ModelChoiceField[Assessment]", self.fields["assessment"])
        assessment.queryset = (
            Assessment.objects.filter(account_id=integration.account_id)
            .offered()
            .order_by("name", "pk")
        )
        self.fields["stage_name"].widget.attrs["list"] = "ats-stage-options"
        if options.jobs:
            self.fields["job_id"] = forms.ChoiceField(
                label="Job",
                required=False,
                choices=[("", "Every job"), *options.jobs],
            )
        else:
            self.fields["job_id"].help_text = "Blank: the stage of every job."


@dataclass
class Pickers:
    """What the Assessments tab offers, and why a listing is missing."""

    stage_options: StageOptions = field(default_factory=StageOptions)
    field_options: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def pickers(integration: Integration) -> Pickers:
    """Both listings; when they fail for the same reason (no credentials yet, the ATS down),
    the reason is said once."""
    provider = integration.provider_impl
    found = Pickers()
    unlisted: dict[str, list[str]] = {}
    if provider.invites_by_stage:
        try:
            found.stage_options = provider.stage_options(integration)
        except DeliveryError as error:
            unlisted.setdefault(str(error), []).append("stages")
    try:
        found.field_options = provider.field_options(integration)
    except DeliveryError as error:
        unlisted.setdefault(str(error), []).append("fields")
    found.problems = [
        f"The {provider.label} {' and '.join(listings)} could not be listed: {reason}"
        for reason, listings in unlisted.items()
    ]
    return found


def job_name(integration: Integration, job_id: str) -> str:
    """The ATS's name of a mapped job, kept so the mapping still reads well when the ATS
    cannot list its jobs; blank when it cannot be listed now."""
    if not job_id.strip():
        return ""
    try:
        jobs = dict(integration.provider_impl.stage_options(integration).jobs)
    except DeliveryError:
        return ""
    return jobs.get(job_id.strip(), "")


def context(integration: Integration, bound: StageMappingForm | None = None) -> dict[str, Any]:
    found = pickers(integration)
    provider = integration.provider_impl
    if not provider.invites_by_stage:
        return {"pickers": found, "invites_by_stage": False}
    mappings: list[StageMapping] = stages.stage_mappings(integration)
    job_names = dict(found.stage_options.jobs)
    return {
        "pickers": found,
        "invites_by_stage": True,
        "stage_mappings": [
            (mapping, job_names.get(mapping.job_id, mapping.job_name)) for mapping in mappings
        ],
        "stage_form": bound
        or StageMappingForm(integration=integration, options=found.stage_options),
    }
