"""Admin for the assessments an account offers its ATS: competencies, questionnaire, cut-offs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet, ModelChoiceField
from django.http import HttpRequest

from accounts.admin_scope import AccountScopedAdmin, ScopedTabularInline
from assessments.models import Assessment, Competency, QuestionnaireItem


class CompetencyInline(ScopedTabularInline):
    model = Competency
    fields = ("name", "weight", "position")
    extra = 0


class QuestionnaireItemInline(ScopedTabularInline):
    """The built-in questionnaire's statements; a competency must be saved before its items."""

    model = QuestionnaireItem
    fields = ("competency", "text", "is_reversed", "position")
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
        "invitation_lifetime_days",
    )
    list_filter = ("is_active", ("account", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("account",)
    search_fields = ("name", "job_code", "account__name")
    fields = (
        "account",
        "name",
        "job_code",
        "is_active",
        "invitation_lifetime_days",
        "great_fit_min",
        "good_fit_min",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("created_at", "updated_at")
    inlines = [CompetencyInline, QuestionnaireItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assessment]:
        return super().get_queryset(request).annotate(_competencies=Count("competencies"))

    @admin.display(description="competencies", ordering="_competencies")
    def competency_count(self, assessment: Any) -> int:
        return int(assessment._competencies)
