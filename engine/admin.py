"""Admin for engine API keys (created per account, shown once, revoked) and received events."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.admin_scope import AccountScopedAdmin, VisibleAccountFilter, is_harver_admin
from engine import key_reveal, keys
from engine.models import EngineApiKey, EngineEvent
from harver_integration.admin_helpers import (
    ReadOnlyAdminMixin,
    StatusClassFilter,
    TwoStateFilter,
)
from harver_integration.admin_pagination import LargeTableAdmin


class ActiveFilter(TwoStateFilter):
    title = "state"
    parameter_name = "state"
    states = (
        ("active", "Active", Q(revoked_at__isnull=True)),
        ("revoked", "Revoked", Q(revoked_at__isnull=False)),
    )


class ResponseStatusFilter(StatusClassFilter):
    title = "response status"
    parameter_name = "response_class"
    field = "response_status"


SHOWN_ONLY = (
    "key_ends_with",
    "state",
    "created_by",
    "created_at",
    "last_used_at",
    "revoked_at",
)


@admin.register(EngineApiKey)
class EngineApiKeyAdmin(AccountScopedAdmin):
    list_display = (
        "label",
        "account",
        "key_ends_with",
        "state",
        "created_by",
        "created_at",
        "last_used_at",
    )
    list_filter = (ActiveFilter, ("account", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("account", "created_by")
    search_fields = ("name", "account__name", "key_last4")
    actions = ["revoke"]
    change_form_template = "admin/engine/engineapikey/change_form.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("account", "name") if obj is None else ("account", "name", *SHOWN_ONLY)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The account is chosen once: a key never moves to another customer.
        return () if obj is None else ("account", *SHOWN_ONLY)

    @admin.display(description="key")
    def label(self, api_key: EngineApiKey) -> str:
        return api_key.name or f"Engine API key {api_key.pk}"

    @admin.display(description="key ends with", ordering="key_last4")
    def key_ends_with(self, api_key: EngineApiKey) -> str:
        return f"…{api_key.key_last4}"

    @admin.display(description="state", ordering="revoked_at")
    def state(self, api_key: EngineApiKey) -> str:
        return "Active" if api_key.is_active else "Revoked"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key = keys.set_new_key(obj)
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        key_reveal.stash(obj, key, minted_by=request.user.pk)

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        """Always to the new key's page: that is where its plaintext is shown, once."""
        return HttpResponseRedirect(reverse("admin:engine_engineapikey_change", args=[obj.pk]))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        api_key = self.get_object(request, object_id)
        # Only its creator sees a new key, and only while they may change keys.
        may_see = request.method == "GET" and self.has_change_permission(request, api_key)
        new_key = key_reveal.pop(api_key, request.user) if may_see else None
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "new_key": new_key}
        )

    @admin.action(description="Revoke selected engine API keys", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[EngineApiKey]) -> None:
        revoked = sum(
            keys.revoke_key(api_key) for api_key in queryset.filter(revoked_at__isnull=True)
        )
        self.message_user(request, f"Revoked {revoked} engine API key(s).", messages.SUCCESS)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return is_harver_admin(request.user)


@admin.register(EngineEvent)
class EngineEventAdmin(LargeTableAdmin, ReadOnlyAdminMixin, AccountScopedAdmin):
    """What the engine sent and what it was told: read-only, for support (who may delete)."""

    allow_delete = True

    list_display = ("event_id", "type", "account", "candidate", "response_status", "received_at")
    # Filters that cost no scan of the table (docs/performance.md, "Table size"), as on the
    # candidate list.
    list_filter = (
        "type",
        ResponseStatusFilter,
        VisibleAccountFilter,
        ("received_at", admin.DateFieldListFilter),
    )
    list_select_related = ("account", "candidate_assessment__assessment")
    search_fields = ("event_id", "candidate_assessment__email", "account__name")
    readonly_fields = (
        "account",
        "event_id",
        "type",
        "candidate_assessment",
        "api_key",
        "payload",
        "response_status",
        "response_body",
        "received_at",
    )
    fields = readonly_fields

    @admin.display(description="candidate assessment", ordering="candidate_assessment")
    def candidate(self, event: EngineEvent) -> str:
        return str(event.candidate_assessment)
