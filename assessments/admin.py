"""Admin for the assessment catalog an account offers its ATS, with each one's competencies."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from accounts.admin_scope import AccountScopedAdmin, ScopedTabularInline
from assessments.models import Assessment, Competency


class CompetencyInline(ScopedTabularInline):
    model = Competency
    fields = ("name", "weight", "position")
    extra = 0


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
        "created_at",
        "updated_at",
    )
    readonly_fields = ("created_at", "updated_at")
    inlines = [CompetencyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assessment]:
        return super().get_queryset(request).annotate(_competencies=Count("competencies"))

    @admin.display(description="competencies", ordering="_competencies")
    def competency_count(self, assessment: Any) -> int:
        return int(assessment._competencies)
