"""The deliveries in the admin: what each integration and candidate was sent, attempt by attempt.

Read-only by design: a delivery is a record of what we owed and what the ATS answered. The two
things an admin may do are replays, each behind a confirmation page that says how many
deliveries it will send: one delivery, or every failed delivery of an integration since a date.
The integration list gets a health column and a "failing" filter from
`outbox.health.with_delivery_health` (annotations, so the list costs the same number of queries
however many integrations it shows).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timesince import timesince

from accounts.admin_scope import (
    AccountScopedAdmin,
    ScopedTabularInline,
    is_harver_admin,
    visible_accounts,
)
from assessments.models import CandidateAssessment
from harver_integration.admin_helpers import ReadOnlyAdminMixin, TwoStateFilter
from harver_integration.admin_pagination import LargeTableAdmin
from harver_integration.ids import parse_id
from integrations.models import Delivery, DeliveryAttempt, Integration
from integrations.outbox import requeue

TEMPLATE_DIR = "admin/integrations/delivery"
TIMELINE_LIMIT = 200


# --- The integration list: health and "failing" ------------------------------------------------


class FailingFilter(TwoStateFilter):
    """Integrations with a delivery that failed in the last 24 h or is being retried."""

    title = "deliveries failing"
    parameter_name = "failing"
    states = (
        ("yes", "Failing", Q(delivery_failing=True)),
        ("no", "Healthy", Q(delivery_failing=False)),
    )


@admin.display(description="deliveries")
def delivery_health(integration: Integration) -> str:
    """Last success and failed attempts in 24 h, from `outbox.health.with_delivery_health`."""
    last_success = getattr(integration, "delivery_last_success", None)
    failures = getattr(integration, "delivery_failures_24h", 0) or 0
    success = f"last success {timesince(last_success)} ago" if last_success else "no success yet"
    url = f"{reverse('admin:integrations_delivery_timeline')}?integration={integration.pk}"
    css = "delivery-failing" if getattr(integration, "delivery_failing", False) else ""
    return format_html(
        '<a href="{}" class="{}">{}; {} failed attempt(s) in 24 h</a>', url, css, success, failures
    )


# --- The deliveries ---------------------------------------------------------------------------


class IntegrationFilter(admin.SimpleListFilter):
    """By integration, named with its account in one query (the related filter costs one each)."""

    title = "integration"
    parameter_name = "integration"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        integrations = Integration.objects.select_related("account").order_by("account__name")
        if not getattr(request.user, "is_superuser", False):
            integrations = integrations.visible_to(request.user)
        return [(str(integration.pk), str(integration)) for integration in integrations]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        integration_id = parse_id(value)
        if integration_id is None:
            return queryset.none()
        return queryset.filter(integration_id=integration_id)


class DeliveryAttemptInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = DeliveryAttempt
    fields = (
        "number",
        "started_at",
        "duration_ms",
        "outcome",
        "http_status",
        "request",
        "response_excerpt",
        "error",
        "task_id",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("started_at", "id")


@admin.register(Delivery)
class DeliveryAdmin(LargeTableAdmin, ReadOnlyAdminMixin, AccountScopedAdmin):
    account_field = "integration__account"
    change_form_template = f"{TEMPLATE_DIR}/change_form.html"
    list_display = (
        "pk",
        "created_at",
        "label",
        "candidate",
        "integration",
        "state",
        "attempt_count",
        "next_attempt_at",
        "short_error",
    )
    list_display_links = ("pk", "label")
    list_filter = ("state", "kind", IntegrationFilter)
    list_select_related = ("integration__account", "candidate_assessment")
    search_fields = ("candidate_assessment__email", "label", "last_error")
    fields = (
        "integration",
        "candidate_assessment",
        "kind",
        "label",
        "state",
        "url",
        "body",
        "rank",
        "remote_ref",
        "attempt_count",
        "failures",
        "next_attempt_at",
        "locked_until",
        "last_error",
        "finished_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [DeliveryAttemptInline]

    @admin.display(description="candidate", ordering="candidate_assessment__email")
    def candidate(self, delivery: Delivery) -> str:
        url = (
            f"{reverse('admin:integrations_delivery_timeline')}"
            f"?candidate_assessment={delivery.candidate_assessment_id}"
        )
        return format_html('<a href="{}">{}</a>', url, delivery.candidate_assessment.email)

    @admin.display(description="last error")
    def short_error(self, delivery: Delivery) -> str:
        return Truncator(delivery.last_error).chars(80)

    @admin.display(description="body sent")
    def body(self, delivery: Delivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, indent=2))

    def may_replay(self, request: HttpRequest) -> bool:
        return is_harver_admin(request.user)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        delivery = self.get_object(request, object_id)
        context["may_replay"] = self.may_replay(request) and (
            delivery.state in requeue.REPLAYABLE_STATES
        )
        context["replay_url"] = reverse("admin:integrations_delivery_replay", args=[delivery.pk])
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "timeline/",
                self.admin_site.admin_view(self.timeline_view),
                name="integrations_delivery_timeline",
            ),
            path(
                "replay-failed/",
                self.admin_site.admin_view(self.replay_failed_view),
                name="integrations_delivery_replay_failed",
            ),
            path(
                "<path:object_id>/replay/",
                self.admin_site.admin_view(self.replay_view),
                name="integrations_delivery_replay",
            ),
        ]
        return own + super().get_urls()

    # --- Views ----------------------------------------------------------------------------------

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": title,
            **extra,
        }

    def _integration(self, request: HttpRequest, integration_id: str | None) -> Integration:
        visible = Integration.objects.all()
        if not getattr(request.user, "is_superuser", False):
            visible = visible.visible_to(request.user)
        pk = parse_id(integration_id)
        if pk is None:
            raise Http404("No integration given.")
        return get_object_or_404(visible.select_related("account"), pk=pk)

    def timeline_view(self, request: HttpRequest) -> HttpResponse:
        """Every delivery of an integration or of a candidate assessment, attempt by attempt."""
        deliveries = self.get_queryset(request)
        subject: Integration | CandidateAssessment
        candidate_id = parse_id(request.GET.get("candidate_assessment"))
        if candidate_id is not None:
            candidates = CandidateAssessment.objects.select_related("assessment")
            if not getattr(request.user, "is_superuser", False):
                candidates = candidates.filter(account__in=visible_accounts(request))
            subject = get_object_or_404(candidates, pk=candidate_id)
            deliveries = deliveries.filter(candidate_assessment=subject)
            title = f"Deliveries for {subject.email} ({subject.assessment.name})"
        else:
            subject = self._integration(request, request.GET.get("integration"))
            deliveries = deliveries.filter(integration=subject)
            title = f"Deliveries of the {subject}"
        rows = list(
            deliveries.select_related("candidate_assessment", "integration__account")
            .prefetch_related(
                Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("started_at", "id"))
            )
            .order_by("-created_at", "-id")[:TIMELINE_LIMIT]
        )
        context = self._context(
            request,
            title,
            subject=subject,
            deliveries=rows,
            limit=TIMELINE_LIMIT,
            integration=subject if isinstance(subject, Integration) else None,
            may_replay=self.may_replay(request),
        )
        return TemplateResponse(request, f"{TEMPLATE_DIR}/timeline.html", context)

    def replay_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirm, then send one delivery again (a failed or a succeeded one)."""
        delivery: Delivery = self.get_object(request, object_id)
        if not self.may_replay(request):
            raise PermissionDenied
        change_url = reverse("admin:integrations_delivery_change", args=[delivery.pk])
        if delivery.state not in requeue.REPLAYABLE_STATES:
            messages.error(
                request,
                f"Only failed or succeeded deliveries can be replayed; this one is "
                f"{delivery.get_state_display().lower()}.",
            )
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            if requeue.replay(delivery):
                messages.success(request, f"Delivery {delivery.pk} will be sent again now.")
            else:
                messages.warning(request, "The delivery changed meanwhile; nothing was replayed.")
            return HttpResponseRedirect(change_url)
        context = self._context(
            request,
            "Replay this delivery?",
            delivery=delivery,
            count=1,
            cancel_url=change_url,
        )
        return TemplateResponse(request, f"{TEMPLATE_DIR}/replay_confirmation.html", context)

    def replay_failed_view(self, request: HttpRequest) -> HttpResponse:
        """Every failed delivery of an integration since a date: count first, then confirm."""
        data = request.POST if request.method == "POST" else request.GET
        integration = self._integration(request, data.get("integration"))
        if not self.may_replay(request):
            raise PermissionDenied
        form = ReplayFailedForm(data if "since" in data else None)
        count = None
        since = None
        if form.is_valid():
            since = form.since_moment()
            count = requeue.failed_since(integration, since).count()
            if request.method == "POST" and data.get("confirm") == "yes":
                replayed = requeue.replay_failed_since(integration, since)
                messages.success(
                    request,
                    f"{replayed} failed delivery(ies) of the {integration} will be sent again.",
                )
                timeline = reverse("admin:integrations_delivery_timeline")
                return HttpResponseRedirect(f"{timeline}?integration={integration.pk}")
        context = self._context(
            request,
            f"Replay failed deliveries of the {integration}",
            integration=integration,
            form=form,
            count=count,
            since=since,
        )
        return TemplateResponse(request, f"{TEMPLATE_DIR}/replay_failed.html", context)


class ReplayFailedForm(forms.Form):
    since = forms.DateField(
        label="Failed since",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Deliveries that failed on or after this day (UTC) are sent again.",
    )

    def since_moment(self) -> datetime.datetime:
        day: datetime.date = self.cleaned_data["since"]
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)

    def clean_since(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["since"]
        if day > timezone.now().date():
            raise forms.ValidationError("Choose a day that is not in the future.")
        return day
