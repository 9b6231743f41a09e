"""Admin for candidates' invitations: find them, see their deadline, and act on many at once.

The bulk actions (extend the deadline to a date, re-invite, withdraw) are Harver Admins' and
call `assessments.candidate_actions`, which also serves `manage.py candidates`; exporting and
erasing the candidates' personal data come from `assessments.admin_personal_data`. The rows are
read-only: a status changes through these actions or the lifecycle, never by editing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.admin_scope import AccountScopedAdmin, VisibleAccountFilter, is_harver_admin
from assessments import candidate_actions
from assessments.admin_personal_data import PersonalDataActions
from assessments.models import MAX_COMPLETION_DAYS, CandidateAssessment
from harver_integration.admin_helpers import ReadOnlyAdminMixin
from harver_integration.admin_pagination import LargeTableAdmin

APPLY = "apply"
SHOWN_REFUSALS = 10


class ExtendForm(forms.Form):
    until = forms.DateField(
        label="New deadline (last day)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The candidate may finish until 23:59 that day.",
    )

    def clean_until(self) -> datetime.date:
        until: datetime.date = self.cleaned_data["until"]
        today = timezone.localdate()
        if until < today:
            raise forms.ValidationError("Give a date from today on.")
        if until > today + datetime.timedelta(days=MAX_COMPLETION_DAYS):
            raise forms.ValidationError(f"Give a date at most {MAX_COMPLETION_DAYS} days away.")
        return until


@admin.register(CandidateAssessment)
class CandidateAssessmentAdmin(
    LargeTableAdmin, PersonalDataActions, ReadOnlyAdminMixin, AccountScopedAdmin
):
    # The account is a filter, not a column: the deadline must fit on a laptop's screen.
    list_display = ("email", "assessment", "status", "expires_at", "invitation_sent_at")
    # Filters that cost no scan of the table (docs/performance.md, "Table size"): a date
    # filter instead of a date hierarchy, which reads every row's year to draw its links.
    list_filter = ("status", VisibleAccountFilter, ("created_at", admin.DateFieldListFilter))
    list_select_related = ("assessment", "account")
    search_fields = ("email", "first_name", "last_name")
    fields = (
        "account",
        "assessment",
        "public_id",
        "email",
        "first_name",
        "last_name",
        "status",
        "expires_at",
        "invitation_sent_at",
        "started_at",
        "completed_at",
        "reopen_count",
        "created_at",
    )
    readonly_fields = fields
    actions = [
        "extend_deadline",
        "reinvite",
        "withdraw",
        "export_candidates",
        "erase_candidates",
    ]

    def has_harver_permission(self, request: HttpRequest) -> bool:
        return is_harver_admin(request.user)

    def _report(self, request: HttpRequest, outcome: candidate_actions.Outcome, did: str) -> None:
        if outcome.done:
            self.message_user(
                request, f"{did.capitalize()} {len(outcome.done)} invitation(s).", messages.SUCCESS
            )
        if outcome.refused:
            shown = "; ".join(
                f"{row.email} ({row.assessment.name}): {problem}"
                for row, problem in outcome.refused[:SHOWN_REFUSALS]
            )
            more = len(outcome.refused) - SHOWN_REFUSALS
            self.message_user(
                request,
                f"Not {did} {len(outcome.refused)} invitation(s): {shown}"
                + (f"; and {more} more." if more > 0 else ""),
                messages.WARNING,
            )

    @admin.action(
        description="Extend the deadline of the selected invitations", permissions=["harver"]
    )
    def extend_deadline(
        self, request: HttpRequest, queryset: QuerySet[CandidateAssessment]
    ) -> HttpResponse | None:
        form = ExtendForm(request.POST if APPLY in request.POST else None)
        if form.is_valid():
            outcome = candidate_actions.extend(queryset, form.cleaned_data["until"])
            self._report(request, outcome, "extended")
            return None
        return TemplateResponse(
            request,
            "admin/assessments/candidateassessment/extend.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Extend the deadline",
                "form": form,
                "count": queryset.count(),
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
            status=422 if form.is_bound else 200,
        )

    @admin.action(
        description="Re-invite the selected candidates (fresh link and email)",
        permissions=["harver"],
    )
    def reinvite(self, request: HttpRequest, queryset: QuerySet[CandidateAssessment]) -> None:
        self._report(request, candidate_actions.reinvite(queryset), "re-invited")

    @admin.action(description="Withdraw the selected invitations", permissions=["harver"])
    def withdraw(self, request: HttpRequest, queryset: QuerySet[CandidateAssessment]) -> None:
        self._report(request, candidate_actions.withdraw(queryset), "withdrew")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("assessment", "account")
