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

from accounts.admin_scope import AccountScopedAdmin
from accounts.models import Account


@admin.register(Account)
class AccountAdmin(AccountScopedAdmin):
    account_field = ""
    list_display = ("name", "member_count", "integration_count", "assessment_count", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("members",)
    fields = ("name", "members", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")

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
