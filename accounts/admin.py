"""Admin for customer accounts: who belongs to each, and how much hangs off it.

Membership is what scopes every other admin page, so only superusers create or delete accounts;
a Harver Admin may rename the accounts they belong to and manage their members.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Count, QuerySet
from django.forms import ModelMultipleChoiceField
from django.http import HttpRequest

from accounts.admin_scope import AccountScopedAdmin, ModelAdminBase, ScopedTabularInline
from accounts.models import Account, AccountContact, StaffTOTPDevice


class AccountContactInline(ScopedTabularInline):
    """Who at the customer receives the mails about the account's integration issues."""

    model = AccountContact
    verbose_name = "issue contact"
    verbose_name_plural = "issue contacts (mailed about integration issues)"
    fields = ("email",)
    extra = 0


@admin.register(Account)
class AccountAdmin(AccountScopedAdmin):
    account_field = ""
    list_display = ("name", "member_count", "integration_count", "assessment_count", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("members",)
    fields = ("name", "members", "candidate_data_retention_days", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")
    inlines = [AccountContactInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _members=Count("members", distinct=True),
                _integrations=Count("integrations", distinct=True),
                _assessments=Count("assessments", distinct=True),
            )
        )

    @admin.display(description="members", ordering="_members")
    def member_count(self, account: Any) -> int:
        return int(account._members)

    @admin.display(description="integrations", ordering="_integrations")
    def integration_count(self, account: Any) -> int:
        return int(account._integrations)

    @admin.display(description="assessments", ordering="_assessments")
    def assessment_count(self, account: Any) -> int:
        return int(account._assessments)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(getattr(request.user, "is_superuser", False))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False))

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        if db_field.name == "members":
            kwargs["queryset"] = User.objects.filter(is_staff=True).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(StaffTOTPDevice)
class StaffTOTPDeviceAdmin(ModelAdminBase):
    """Superusers see who has two-factor sign-in and delete a lost device (the user then sets
    up a new one at the next sign-in). The secret is never shown."""

    list_display = ("user", "name", "confirmed", "last_used_at", "created_at")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    fields = ("user", "name", "confirmed", "last_used_at", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
