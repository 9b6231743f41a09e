"""Admin for integrations, laid out as the setup guide's screens.

The list is the guide's "Integrations" menu; adding goes through the guide's "Add new integration"
dropdown and a setup page that shows progress; the change page is replaced by the Overview (General,
Credentials, Harver to ATS). Those pages are views of this ModelAdmin, brought by its mixins
(`integrations.admin_views`, `integrations.admin_verification`), whose `get_urls` declare them.
The child rows (credentials, tokens, report settings, field mappings) have no admin of their own:
they are edited only through the Overview, so secrets never reach a generic change form.
"""

from __future__ import annotations

from typing import Any

from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter, ResourceTypeFilter
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from accounts.admin_scope import AccountScopedAdmin
from harver_integration.admin_helpers import TwoStateFilter
from harver_integration.admin_pagination import LargeTableAdmin
from harver_integration.ids import parse_id
from integrations import admin_issues, services  # noqa: F401 - admin_issues registers its admin
from integrations.admin_deliveries import FailingFilter, delivery_health
from integrations.admin_golive import GoLiveMixin
from integrations.admin_health import HealthScreensMixin
from integrations.admin_rotation import CredentialRotationMixin
from integrations.admin_verification import CredentialVerificationMixin
from integrations.admin_views import IntegrationScreensMixin
from integrations.models import AtsCredential, Integration, UnreadableSecretError
from integrations.outbox import health

LAST_ERROR_CHARS = 60


class HasErrorFilter(TwoStateFilter):
    title = "has error"
    parameter_name = "has_error"
    states = (("yes", "Yes", ~Q(last_error="")), ("no", "No", Q(last_error="")))


@admin.register(Integration)
class IntegrationAdmin(
    HealthScreensMixin,
    IntegrationScreensMixin,
    CredentialVerificationMixin,
    GoLiveMixin,
    CredentialRotationMixin,
    AccountScopedAdmin,
):
    list_display = (
        "account_link",
        "provider",
        "pattern_label",
        "is_enabled",
        "is_sandbox",
        "setup_state",
        "ats_secrets",
        "last_error_short",
        delivery_health,
    )
    list_display_links = None
    list_filter = (
        "provider",
        "is_enabled",
        "is_sandbox",
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


admin.site.unregister(LogEntry)


class ResourceTypeIdFilter(ResourceTypeFilter):
    """The library's resource type filter, with choices that read no log entry and an id that is
    none giving no rows rather than a 500.

    The library draws its choices from the log's distinct content types, a read of the whole
    table; these are the audited models' (the registry's), from the content type cache.
    """

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[int, str]]:
        content_types = ContentType.objects.get_for_models(*auditlog.get_models()).values()
        return sorted(((kind.pk, str(kind)) for kind in content_types), key=lambda kind: kind[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() is None:
            return queryset
        content_type_id = parse_id(self.value())
        if content_type_id is None:
            return queryset.none()
        return queryset.filter(content_type_id=content_type_id)


@admin.register(LogEntry)
class SuperuserLogEntryAdmin(LargeTableAdmin, LogEntryAdmin):
    """The raw, unscoped audit log spans every account, so it is for superusers only.

    Everyone else reads an integration's history from its Overview ("History"), which is scoped.
    """

    # Filters that cost no scan of the log (docs/performance.md, "Table size"): a date filter
    # instead of the library's date hierarchy, which reads every entry's day to draw its links.
    date_hierarchy = None
    list_filter = [
        "action",
        ResourceTypeIdFilter,
        CIDFilter,
        ("timestamp", admin.DateFieldListFilter),
    ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(getattr(request.user, "is_superuser", False))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False))
