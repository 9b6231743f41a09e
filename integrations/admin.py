"""Admin for integrations, laid out as the setup guide's screens.

The list is the guide's "Integrations" menu; adding goes through the guide's "Add new integration"
dropdown and a setup page that shows progress; the change page is replaced by the Overview (General,
Credentials, Harver to ATS), whose views live in `integrations.admin_views`. The child rows
(credentials, tokens, report settings, field mappings) have no admin of their own: they are edited
only through the Overview, so secrets never reach a generic change form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter, ResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods

from accounts.admin_scope import AccountScopedAdmin
from harver_integration.admin_helpers import TwoStateFilter
from harver_integration.ids import parse_id
from integrations import admin_verification, admin_views, services
from integrations.admin_deliveries import FailingFilter, delivery_health
from integrations.models import AtsCredential, Integration, UnreadableSecretError
from integrations.outbox import health

AdminView = Callable[["IntegrationAdmin", HttpRequest, str], HttpResponse]
LAST_ERROR_CHARS = 60


class HasErrorFilter(TwoStateFilter):
    title = "has error"
    parameter_name = "has_error"
    states = (("yes", "Yes", ~Q(last_error="")), ("no", "No", Q(last_error="")))


@admin.register(Integration)
class IntegrationAdmin(AccountScopedAdmin):
    list_display = (
        "account_link",
        "provider",
        "pattern_label",
        "is_enabled",
        "setup_state",
        "ats_secrets",
        "last_error_short",
        delivery_health,
    )
    list_display_links = None
    list_filter = (
        "provider",
        "is_enabled",
        "setup_state",
        HasErrorFilter,
        FailingFilter,
        ("account", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("account", "ats_credential")
    # The credential's values that are not secret (e.g. the customer's ATS site) can be searched.
    search_fields = ("account__name", "ats_credential__values")
    actions = ["disable_selected"]

    @admin.display(description="account", ordering="account__name")
    def account_link(self, integration: Integration) -> str:
        url = reverse("admin:integrations_integration_overview", args=[integration.pk])
        return format_html('<a href="{}">{}</a>', url, integration.account)

    @admin.display(description="pattern", ordering="pattern")
    def pattern_label(self, integration: Integration) -> str:
        return integration.get_pattern_display()

    @admin.display(description="Harver to ATS secrets")
    def ats_secrets(self, integration: Integration) -> str:
        """Each secret the provider declares, by its hint; one no key can read says so."""
        try:
            credential: AtsCredential | None = integration.ats_credential
        except AtsCredential.DoesNotExist:
            credential = None
        unreadable = (
            {field.name for field in credential.unreadable_fields()} if credential else set()
        )
        states = []
        for field in integration.provider_impl.credential_fields:
            hint = credential.hint(field.name) if credential and field.secret else None
            if field.name in unreadable:
                states.append(str(UnreadableSecretError(field)))
            elif hint is not None:
                states.append(
                    f"{field.label} …{hint.last4}" if hint.last4 else f"{field.label} set"
                )
        return "; ".join(states) or "—"

    @admin.display(description="last error", ordering="last_error_at")
    def last_error_short(self, integration: Integration) -> str:
        return Truncator(integration.last_error).chars(LAST_ERROR_CHARS) or "—"

    @admin.action(description="Disable selected integrations", permissions=["change"])
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        enabled = list(queryset.filter(is_enabled=True))
        for integration in enabled:
            services.disable_integration(integration)
        self.message_user(
            request, f"{len(enabled)} integration(s) disabled.", level=messages.SUCCESS
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Integration]:
        return health.with_delivery_health(super().get_queryset(request))

    def get_urls(self) -> list[URLPattern]:
        get, post = ("GET",), ("POST",)
        routes: list[tuple[str, str, AdminView, tuple[str, ...]]] = [
            ("overview/", "overview", admin_views.overview, get),
            ("setup/", "setup", admin_views.setup, get),
            ("setup/status/", "setup_status", admin_views.setup_status, get),
            ("setup/retry/", "setup_retry", admin_views.setup_retry, post),
            ("general/pattern/", "pattern", admin_views.save_pattern, post),
            ("general/toggle/", "toggle", admin_views.toggle, post),
            ("credentials/harver-to-ats/", "harver_to_ats", admin_views.save_harver_to_ats, post),
            ("credentials/ats-to-harver/rotate/", "rotate", admin_views.rotate_token, get + post),
            ("assessments/", "assessments", admin_views.save_assessments, post),
            ("assessments/refresh/", "assessments_refresh", admin_views.refresh_assessments, post),
            ("assessments/stages/", "stages", admin_views.save_stage_mapping, post),
            ("reports/", "reports", admin_views.save_reports, post),
            ("credentials/verify/", "verify", admin_verification.verify, get + post),
            ("credentials/note-author/", "note_author", admin_verification.save_note_author, post),
        ]
        own = [
            path(
                f"<path:object_id>/{route}",
                self.admin_site.admin_view(self._bind(view, methods)),
                name=f"integrations_integration_{name}",
            )
            for route, name, view, methods in routes
        ]
        return own + super().get_urls()

    def _bind(
        self, view: AdminView, methods: tuple[str, ...]
    ) -> Callable[[HttpRequest, str], HttpResponse]:
        @require_http_methods(list(methods))
        def bound(request: HttpRequest, object_id: str) -> HttpResponse:
            return view(self, request, object_id)

        bound.__name__ = view.__name__
        return bound

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return admin_views.add_integration(self, request)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The Overview is the integration's page; the generic change form is never shown."""
        integration = self.get_object(request, object_id)
        return HttpResponseRedirect(
            reverse("admin:integrations_integration_overview", args=[integration.pk])
        )

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return admin_views.history(self, request, object_id)


admin.site.unregister(LogEntry)


class ResourceTypeIdFilter(ResourceTypeFilter):
    """The library's resource type filter, given an id that is none: no rows rather than a 500."""

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() is None:
            return queryset
        content_type_id = parse_id(self.value())
        if content_type_id is None:
            return queryset.none()
        return queryset.filter(content_type_id=content_type_id)


@admin.register(LogEntry)
class SuperuserLogEntryAdmin(LogEntryAdmin):
    """The raw, unscoped audit log spans every account, so it is for superusers only.

    Everyone else reads an integration's history from its Overview ("History"), which is scoped.
    """

    list_filter = ["action", ResourceTypeIdFilter, CIDFilter]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(getattr(request.user, "is_superuser", False))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False))
