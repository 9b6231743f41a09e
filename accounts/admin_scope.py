"""Who sees and changes what in the admin, decided once for every account-owned model.

Rows of accounts a staff user is not a member of do not exist for them: list pages leave them
out and every page or action on them answers 404 (a 403 would confirm that the id exists).
Seeing is for staff members of the account; changing is for the "Harver Admin" group, created by
a migration, and for superusers. Django's per-model permissions are not consulted: the group is
the one switch, so granting someone the right to configure integrations is a single step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import HARVER_ADMIN_GROUP, Account
from harver_integration.ids import parse_id

if TYPE_CHECKING:
    ModelAdminBase = admin.ModelAdmin[Any]
    TabularInlineBase = admin.TabularInline[Any, Any]
else:
    ModelAdminBase = admin.ModelAdmin
    TabularInlineBase = admin.TabularInline

_HARVER_ADMIN_CACHE = "_harver_admin_cached"


def is_staff_member(user: AbstractBaseUser | AnonymousUser) -> bool:
    return isinstance(user, AbstractUser) and user.is_active and user.is_staff


def is_harver_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Superusers, and active staff in the "Harver Admin" group; one query per request at most."""
    if not isinstance(user, AbstractUser) or not is_staff_member(user):
        return False
    if user.is_superuser:
        return True
    cached: bool | None = getattr(user, _HARVER_ADMIN_CACHE, None)
    if cached is None:
        cached = user.groups.filter(name=HARVER_ADMIN_GROUP).exists()
        setattr(user, _HARVER_ADMIN_CACHE, cached)
    return cached


def visible_accounts(request: HttpRequest) -> QuerySet[Account]:
    return Account.objects.visible_to(request.user)


class AccountScopedAdmin(ModelAdminBase):
    """A ModelAdmin whose rows belong to an account, reached through `account_field`.

    `account_field` is the lookup path from the model to its Account (empty for Account itself).
    """

    account_field = "account"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if getattr(request.user, "is_superuser", False):
            return queryset
        lookup = f"{self.account_field}__in" if self.account_field else "pk__in"
        return queryset.filter(**{lookup: visible_accounts(request).values("pk")})

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        """Like Django's, but an object outside the user's accounts is a 404, not a redirect."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with this id.")
        return obj

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff_member(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff_member(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_harver_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_harver_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_harver_admin(request.user)

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.related_model is Account:
            kwargs["queryset"] = visible_accounts(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        """A bulk action naming any row the user cannot see is refused as a whole with a 404."""
        if request.POST.get("select_across") != "1":
            wanted = {parse_id(pk) for pk in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)}
            if None in wanted:
                raise Http404("No such rows.")
            found = set(
                self.get_queryset(request).filter(pk__in=wanted).values_list("pk", flat=True)
            )
            if found != wanted:
                raise Http404("No such rows.")
        return super().response_action(request, queryset, *args, **kwargs)


class ScopedTabularInline(TabularInlineBase):
    """Child rows edited inside a scoped parent: its scope applies; "Harver Admin" edits."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff_member(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_harver_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_harver_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_harver_admin(request.user)


class VisibleAccountFilter(admin.SimpleListFilter):
    """By account: the accounts the user sees, from the account table alone.

    Django's `RelatedOnlyFieldListFilter` lists only accounts that have rows, which it finds by
    reading the listed table's every `account_id`: a scan of millions of candidate assessments
    or engine events on each page. For models with an `account` field.
    """

    title = "account"
    parameter_name = "account"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (str(account.pk), account.name)
            for account in visible_accounts(request).order_by("name").only("pk", "name")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        account_id = parse_id(value)
        if account_id is None:
            return queryset.none()
        return queryset.filter(account_id=account_id)
