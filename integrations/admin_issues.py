"""Issues in the admin: what the scan found on each integration, and the hand-made snooze and
resolve (each kept in the issue's history).

Everything else about an issue is the scan's: its fields are read-only here.
"""

from __future__ import annotations

import datetime

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin_scope import AccountScopedAdmin, ScopedTabularInline
from harver_integration.admin_helpers import ReadOnlyAdminMixin
from integrations import issues
from integrations.models import Issue, IssueEvent

SNOOZES = {"snooze_day": datetime.timedelta(days=1), "snooze_week": datetime.timedelta(days=7)}


class IssueEventInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = IssueEvent
    verbose_name = "history entry"
    verbose_name_plural = "history"
    fields = ("at", "action", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.register(Issue)
class IssueAdmin(AccountScopedAdmin):
    account_field = "integration__account"
    list_display = (
        "type",
        "integration_link",
        "state",
        "first_seen_at",
        "last_seen_at",
        "count",
        "message",
    )
    list_filter = ("state", "type", "integration__provider")
    list_select_related = ("integration__account",)
    search_fields = ("message", "integration__account__name")
    fields = (
        "integration",
        "type",
        "subject",
        "state",
        "message",
        "evidence",
        "first_seen_at",
        "last_seen_at",
        "count",
        "snoozed_until",
        "resolved_at",
        "resolved_by",
        "notified_at",
    )
    readonly_fields = fields
    inlines = [IssueEventInline]
    actions = ["resolve_selected", "snooze_day", "snooze_week"]

    @admin.display(description="integration", ordering="integration__account__name")
    def integration_link(self, issue: Issue) -> str:
        url = reverse("admin:integrations_integration_overview", args=[issue.integration_id])
        return format_html('<a href="{}">{}</a>', url, issue.integration)

    @admin.display(description="evidence")
    def evidence(self, issue: Issue) -> str:
        if not issue.evidence_url:
            return "—"
        return format_html('<a href="{}">What was found</a>', issue.evidence_url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Issue | None = None) -> bool:
        """An issue's page only shows it (the scan owns its fields); the list's actions change
        it, for those who may."""
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Issue | None = None) -> bool:
        return False  # the history is kept

    @admin.action(description="Resolve selected issues", permissions=["change"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[Issue]) -> None:
        done = sum(issues.resolve(issue, actor=_actor(request)) for issue in queryset)
        self.message_user(request, f"{done} issue(s) resolved.", level=messages.SUCCESS)

    def _snooze(self, request: HttpRequest, queryset: QuerySet[Issue], action: str) -> None:
        now = timezone.now()
        until = now + SNOOZES[action]
        done = sum(
            issues.snooze(issue, until, actor=_actor(request), now=now) for issue in queryset
        )
        self.message_user(
            request,
            f"{done} issue(s) snoozed until {until:%Y-%m-%d %H:%M} UTC.",
            level=messages.SUCCESS,
        )

    @admin.action(description="Snooze selected issues for a day", permissions=["change"])
    def snooze_day(self, request: HttpRequest, queryset: QuerySet[Issue]) -> None:
        self._snooze(request, queryset, "snooze_day")

    @admin.action(description="Snooze selected issues for a week", permissions=["change"])
    def snooze_week(self, request: HttpRequest, queryset: QuerySet[Issue]) -> None:
        self._snooze(request, queryset, "snooze_week")
