"""Admin for the assessments an account offers its ATS: competencies, questionnaire, cut-offs,
and the candidate's experience (completion window, reminders, language).

Candidates' personal data has its own pages (`assessments.admin_personal_data`), and so have
their invitations (`assessments.admin_invitations`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet, ModelChoiceField
from django.http import HttpRequest

from accounts.admin_scope import AccountScopedAdmin, ScopedTabularInline
from assessments.admin_invitations import CandidateAssessmentAdmin
from assessments.admin_personal_data import PersonalDataRecordAdmin
from assessments.admin_translations import translation_field_names, translations_form
from assessments.deadlines import parse_reminder_hours
from assessments.models import Assessment, Competency, QuestionnaireItem

__all__ = ["AssessmentAdmin", "CandidateAssessmentAdmin", "PersonalDataRecordAdmin"]

if TYPE_CHECKING:
    AssessmentModelForm = forms.ModelForm[Assessment]
else:
    AssessmentModelForm = forms.ModelForm


class ReminderHoursField(forms.CharField):
    """The hours before the deadline as the admin types them: "48, 24"."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(hours) for hours in value)
        return value

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        try:
            return parse_reminder_hours(str(value or ""))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


class AssessmentForm(AssessmentModelForm):
    reminder_hours_before = ReminderHoursField(
        label="Reminders (hours before the deadline)",
        required=False,
        help_text=Assessment._meta.get_field("reminder_hours_before").help_text,
    )
    language = forms.ChoiceField(
        choices=[],
        help_text=Assessment._meta.get_field("language").help_text,
    )

    class Meta:
        model = Assessment
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        if isinstance(language, forms.ChoiceField):
            language.choices = list(settings.LANGUAGES)


class CompetencyInline(ScopedTabularInline):
    model = Competency
    form = translations_form(Competency, "name", "name")
    fields = ("name", *translation_field_names(), "weight", "position")
    extra = 0


class QuestionnaireItemInline(ScopedTabularInline):
    """The built-in questionnaire's statements; a competency must be saved before its items."""

    model = QuestionnaireItem
    form = translations_form(QuestionnaireItem, "text", "statement")
    fields = ("competency", "text", *translation_field_names(), "is_reversed", "position")
    extra = 0
    verbose_name_plural = "questionnaire (Likert statements, one page per competency)"

    def get_formset(
        self, request: HttpRequest, obj: Assessment | None = None, **kwargs: Any
    ) -> type[BaseInlineFormSet[Any, Any, Any]]:
        formset = super().get_formset(request, obj, **kwargs)
        competency = formset.form.base_fields.get("competency")
        if isinstance(competency, ModelChoiceField):
            # Only this assessment's own competencies: QuestionnaireItem.clean checks it too.
            competency.queryset = Competency.objects.filter(assessment=obj)
        return formset


@admin.register(Assessment)
class AssessmentAdmin(AccountScopedAdmin):
    list_display = (
        "name",
        "job_code",
        "account",
        "is_active",
        "competency_count",
        "completion_days",
        "language",
    )
    list_filter = ("is_active", ("account", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("account",)
    search_fields = ("name", "job_code", "account__name")
    form = AssessmentForm
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "account",
                    "name",
                    "job_code",
                    "is_active",
                    "great_fit_min",
                    "good_fit_min",
                )
            },
        ),
        (
            "Candidate experience",
            {
                "fields": (
                    "completion_days",
                    "reminder_hours_before",
                    "reminder_days_after",
                    "language",
                    "language_from_browser",
                ),
                "description": "New values apply to invitations sent from now on; an "
                "invitation's own deadline changes only when it is extended.",
            },
        ),
        (None, {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("created_at", "updated_at")
    inlines = [CompetencyInline, QuestionnaireItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assessment]:
        return super().get_queryset(request).annotate(_competencies=Count("competencies"))

    @admin.display(description="competencies", ordering="_competencies")
    def competency_count(self, assessment: Any) -> int:
        return int(assessment._competencies)
