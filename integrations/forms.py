"""The forms of the integration screens: one per section or tab, each saved through `services`.

Forms only check what a field can know on its own and say it next to that field; the rules that
involve the stored configuration stay in `integrations.services`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts.models import Account
from assessments.reports import ReportType
from integrations.models import (
    AssessmentFieldMapping,
    AtsCredential,
    Integration,
    ReportSettings,
    subdomain_validator,
)
from integrations.provider_types import Pattern
from integrations.providers import provider_choices

MISSING_FIELD_ID = "Enter the ATS Field Id, or turn sending off."


class AddIntegrationForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        help_text="The Harver customer whose ATS is being connected.",
    )
    provider = forms.ChoiceField(
        label="ATS", choices=provider_choices, help_text="The customer's applicant tracking system."
    )

    def __init__(self, *args: Any, accounts: QuerySet[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]


class PatternSelect(forms.RadioSelect):
    """Radio buttons where the patterns the ATS does not support are shown but disabled."""

    def __init__(self, *args: Any, allowed: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"] not in self.allowed:
            option["attrs"]["disabled"] = True
        return option


class PatternForm(forms.Form):
    pattern = forms.ChoiceField(label="Integration pattern", choices=Pattern.choices)

    def __init__(self, *args: Any, integration: Integration, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"pattern": integration.pattern})
        super().__init__(*args, **kwargs)
        provider = integration.provider_impl
        allowed = tuple(str(pattern) for pattern in provider.allowed_patterns)
        field = self.fields["pattern"]
        field.widget = PatternSelect(choices=Pattern.choices, allowed=allowed)
        labels = ", ".join(Pattern(pattern).label for pattern in allowed)
        field.help_text = f"{provider.label} supports only {labels}."


class HarverToAtsForm(forms.Form):
    """The credentials Harver sends to the ATS; the token is write-only."""

    subdomain = forms.CharField(
        label="Subdomain",
        max_length=63,
        required=False,
        validators=[subdomain_validator],
        help_text="The customer's Workable subdomain, e.g. 'acme' for acme.workable.com.",
    )
    token = forms.CharField(
        label="API token",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    token_expires_on = forms.DateField(
        label="Token expiry",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The expiry chosen when the token was generated.",
    )
    clear_token_expiry = forms.BooleanField(
        label="Clear the token expiry",
        required=False,
        help_text="For a token that does not expire. A blank expiry above keeps the current one.",
    )
    note_author_member_id = forms.CharField(
        label="Timeline note author",
        max_length=64,
        required=False,
        help_text="The id of the Workable member in whose name Harver posts timeline notes.",
    )

    def __init__(self, *args: Any, credential: AtsCredential | None, **kwargs: Any) -> None:
        self.stored_expiry = credential.token_expires_on if credential is not None else None
        if credential is not None:
            kwargs.setdefault(
                "initial",
                {
                    "subdomain": credential.subdomain,
                    "token_expires_on": credential.token_expires_on,
                    "note_author_member_id": credential.note_author_member_id,
                },
            )
        super().__init__(*args, **kwargs)
        help_text = (
            "Generated in Workable (Integrations → Apps → Generate new token) with the scopes "
            "r_jobs, r_candidates, w_candidates and r_requisitions. Stored encrypted and never "
            "shown again."
        )
        if credential is not None and credential.has_token:
            help_text += " Leave it blank to keep the current token."
        self.fields["token"].help_text = help_text
        if self.stored_expiry is None:
            del self.fields["clear_token_expiry"]  # nothing to clear

    def clean(self) -> dict[str, Any]:
        """Clearing goes with the stored expiry still shown (or a blank one), never a new date."""
        cleaned = super().clean() or {}
        entered = cleaned.get("token_expires_on")
        if cleaned.get("clear_token_expiry") and entered not in (None, self.stored_expiry):
            self.add_error(
                "clear_token_expiry",
                "Enter a new expiry or clear it, not both: untick this box to keep the new date.",
            )
        return cleaned


@dataclass
class MappingRow:
    mapping: AssessmentFieldMapping
    send_status: forms.BoundField
    ats_field_id: forms.BoundField


class AssessmentsForm(forms.Form):
    """The Assessments tab: a send-status toggle and an ATS Field Id per assessment score.

    The fields are named after the integration's own mapping rows, so a posted row of any other
    integration is simply not a field of this form.
    """

    def __init__(self, *args: Any, mappings: list[AssessmentFieldMapping], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mappings = mappings
        for mapping in mappings:
            self.fields[self.send_name(mapping)] = forms.BooleanField(
                label=f"Send {mapping.assessment.name}, {mapping.score_label}",
                required=False,
                initial=mapping.send_status,
                widget=forms.CheckboxInput(attrs={"class": "switch-input"}),
            )
            self.fields[self.field_id_name(mapping)] = forms.CharField(
                label=f"ATS Field Id of {mapping.assessment.name}, {mapping.score_label}",
                required=False,
                max_length=128,
                initial=mapping.ats_field_id,
            )

    @staticmethod
    def send_name(mapping: AssessmentFieldMapping) -> str:
        return f"send_{mapping.pk}"

    @staticmethod
    def field_id_name(mapping: AssessmentFieldMapping) -> str:
        return f"field_{mapping.pk}"

    def rows(self) -> Iterator[MappingRow]:
        for mapping in self.mappings:
            yield MappingRow(
                mapping=mapping,
                send_status=self[self.send_name(mapping)],
                ats_field_id=self[self.field_id_name(mapping)],
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for mapping in self.mappings:
            field_id_name = self.field_id_name(mapping)
            if cleaned.get(self.send_name(mapping)) and not cleaned.get(field_id_name):
                self.add_error(field_id_name, MISSING_FIELD_ID)
        return cleaned

    def changes(self) -> Iterator[tuple[AssessmentFieldMapping, bool, str]]:
        """(mapping, send, ATS Field Id) for every row whose values differ from the stored ones."""
        for mapping in self.mappings:
            send = bool(self.cleaned_data.get(self.send_name(mapping)))
            field_id = str(self.cleaned_data.get(self.field_id_name(mapping)) or "").strip()
            if (send, field_id) != (mapping.send_status, mapping.ats_field_id):
                yield mapping, send, field_id


class ReportsForm(forms.Form):
    candidate_details_page = forms.BooleanField(
        label=ReportType.CANDIDATE_DETAILS_PAGE.label,
        required=False,
        help_text="The candidate's page in Harver; the recruiter must log in.",
    )
    readonly_candidate_details_page = forms.BooleanField(
        label=ReportType.READONLY_CANDIDATE_DETAILS_PAGE.label,
        required=False,
        help_text="A signed link to a read-only candidate page; no login needed.",
    )
    pdf_report = forms.BooleanField(
        label=ReportType.PDF_REPORT.label,
        required=False,
        help_text="The PDF report in Harver; the recruiter must log in.",
    )
    signed_report = forms.BooleanField(
        label=ReportType.SIGNED_REPORT.label,
        required=False,
        help_text="A signed link to the PDF report; no login needed.",
    )
    results_link = forms.ChoiceField(
        label="Results link",
        choices=ReportType.choices,
        help_text="The report Workable shows as the assessment's result link.",
    )
    link_lifetime_days = forms.IntegerField(
        label="Link lifetime (days)",
        min_value=1,
        max_value=3650,
        help_text="How long the report links sent to Workable keep working.",
    )
    hide_personal_data = forms.BooleanField(
        label="Hide personal data",
        required=False,
        help_text="Leave name, email and phone out of the Read-only Candidate Details Page.",
    )

    REPORT_FIELDS = tuple(report_type.value for report_type in ReportType)

    def __init__(self, *args: Any, report_settings: ReportSettings | None, **kwargs: Any) -> None:
        if report_settings is not None:
            initial: dict[str, Any] = {
                name: getattr(report_settings, name) for name in self.REPORT_FIELDS
            }
            initial["results_link"] = report_settings.results_link
            initial["link_lifetime_days"] = report_settings.link_lifetime_days
            initial["hide_personal_data"] = report_settings.hide_personal_data
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def report_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.REPORT_FIELDS]

    def enabled_types(self) -> list[ReportType]:
        return [ReportType(name) for name in self.REPORT_FIELDS if self.cleaned_data.get(name)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        results_link = cleaned.get("results_link")
        if results_link and not cleaned.get(results_link):
            label = ReportType(results_link).label
            self.add_error(
                "results_link", f"Enable {label} above, or choose an enabled report type."
            )
        return cleaned
