"""The forms of the integration screens: one per section or tab, each saved through `services`.

Forms only check what a field can know on its own and say it next to that field; the rules that
involve the stored configuration stay in `integrations.services`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.utils.text import capfirst

from accounts.models import Account
from assessments.reports import ReportType
from integrations.models import (
    AssessmentFieldMapping,
    AtsCredential,
    Integration,
    ReportSettings,
    SecretHint,
    UnreadableSecretError,
)
from integrations.provider_types import CredentialField, Pattern
from integrations.providers import Provider, provider_choices

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


class CredentialFormField(forms.CharField):
    """One provider credential field on the form, checked as the services check it.

    Only by them: Django's own NUL check would refuse a NUL in other words than the command
    line does, and the field's rule refuses every control character already.
    """

    def __init__(self, credential_field: CredentialField, **kwargs: Any) -> None:
        self.credential_field = credential_field
        super().__init__(label=capfirst(credential_field.label), required=False, **kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, ProhibitNullCharactersValidator)
        ]

    def clean(self, value: Any) -> str:
        cleaned = self.credential_field.clean(str(super().clean(value)))
        if self.credential_field.secret and not cleaned:
            return ""  # a blank secret keeps the stored one
        problem = self.credential_field.problem(cleaned)
        if problem:
            raise forms.ValidationError(problem)
        return cleaned


@dataclass
class SecretState:
    """What the form shows of a stored secret in place of its value."""

    hint: SecretHint | None
    unreadable_problem: str
    expires_on: datetime.date | None


@dataclass
class CredentialRow:
    """One credential field as the form lays it out: the input, a secret's stored state, and
    the expiry inputs that go with the provider's expiring secret."""

    field: forms.BoundField
    secret: SecretState | None
    expiry: list[forms.BoundField]


class HarverToAtsForm(forms.Form):
    """The credentials Harver sends to the ATS: one input per field the provider declares.

    Secrets are write-only: never rendered back, and a blank one keeps the stored value. The
    provider's expiring secret gets an expiry date and, once one is stored, a box to clear it.
    """

    def __init__(
        self, *args: Any, provider: Provider, credential: AtsCredential | None, **kwargs: Any
    ) -> None:
        self.provider = provider
        self.credential = credential
        self.stored_expiry = credential.expires_on if credential is not None else None
        expiring = provider.expiring_field
        if credential is not None:
            initial: dict[str, Any] = {
                field.name: credential.value(field.name)
                for field in provider.credential_fields
                if not field.secret
            }
            if expiring is not None:
                initial[self.expiry_name(expiring)] = credential.expires_on
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for credential_field in provider.credential_fields:
            self.fields[credential_field.name] = self._input(credential_field)
            if credential_field is expiring:
                self._add_expiry(credential_field)

    def _input(self, credential_field: CredentialField) -> CredentialFormField:
        if not credential_field.secret:
            return CredentialFormField(credential_field, help_text=credential_field.help_text)
        help_text = credential_field.help_text
        if self.credential is not None and self.credential.has_secret(credential_field.name):
            help_text += f" Leave it blank to keep the current {credential_field.label}."
        return CredentialFormField(
            credential_field,
            help_text=help_text.strip(),
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        )

    def _add_expiry(self, credential_field: CredentialField) -> None:
        label = credential_field.expiry_label
        self.fields[self.expiry_name(credential_field)] = forms.DateField(
            label=capfirst(label),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            help_text=f"The expiry chosen when the {credential_field.label} was generated.",
        )
        if self.stored_expiry is not None:  # otherwise there is nothing to clear
            self.fields[self.clear_expiry_name(credential_field)] = forms.BooleanField(
                label=f"Clear the {label}",
                required=False,
                help_text=(
                    f"Tick it if the {credential_field.label} does not expire. A blank expiry "
                    "above keeps the current one."
                ),
            )

    @staticmethod
    def expiry_name(credential_field: CredentialField) -> str:
        return f"{credential_field.name}_expires_on"

    @staticmethod
    def clear_expiry_name(credential_field: CredentialField) -> str:
        return f"clear_{credential_field.name}_expiry"

    def rows(self) -> list[CredentialRow]:
        unreadable = {
            field.name: str(UnreadableSecretError(field))
            for field in (self.credential.unreadable_fields() if self.credential else [])
        }
        rows = []
        for credential_field in self.provider.credential_fields:
            expiry = [
                self[name]
                for name in (
                    self.expiry_name(credential_field),
                    self.clear_expiry_name(credential_field),
                )
                if name in self.fields and credential_field.expiry_label
            ]
            secret = None
            if credential_field.secret:
                secret = SecretState(
                    hint=self.credential.hint(credential_field.name) if self.credential else None,
                    unreadable_problem=unreadable.get(credential_field.name, ""),
                    expires_on=self.stored_expiry if credential_field.expiry_label else None,
                )
            rows.append(CredentialRow(self[credential_field.name], secret, expiry))
        return rows

    def clean(self) -> dict[str, Any]:
        """Clearing goes with the stored expiry still shown (or a blank one), never a new date."""
        cleaned = super().clean() or {}
        expiring = self.provider.expiring_field
        if expiring is not None:
            entered = cleaned.get(self.expiry_name(expiring))
            clear_name = self.clear_expiry_name(expiring)
            if cleaned.get(clear_name) and entered not in (None, self.stored_expiry):
                self.add_error(
                    clear_name,
                    "Enter a new expiry or clear it, not both: untick this box to keep the new "
                    "date.",
                )
        return cleaned

    def credential_values(self) -> dict[str, str | None]:
        """The values to store, by field name; None keeps a secret left blank."""
        return {
            field.name: (self.cleaned_data[field.name] or None)
            if field.secret
            else self.cleaned_data[field.name]
            for field in self.provider.credential_fields
        }

    def expiry(self) -> tuple[datetime.date | None, bool]:
        """(new expiry or None, whether to clear it); a blank expiry keeps the stored one."""
        expiring = self.provider.expiring_field
        if expiring is None:
            return None, False
        if self.cleaned_data.get(self.clear_expiry_name(expiring)):
            return None, True
        return self.cleaned_data.get(self.expiry_name(expiring)), False


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
        help_text="The report the ATS shows as the assessment's result link.",
    )
    link_lifetime_days = forms.IntegerField(
        label="Link lifetime (days)",
        min_value=1,
        max_value=3650,
        help_text="How long the report links sent to the ATS keep working.",
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
