"""The go-live check's page of an integration: the last report, and the buttons that run it.

The check is `integrations.golive`; this page shows its last result (kept on the integration),
runs a dry run on request, and, for a provider that offers it, a live check after a
confirmation naming the test job (it writes to the real tenant). Only Harver admins run it.
`GoLiveMixin` declares the page's URL in the ModelAdmin's `get_urls`.
"""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods

from integrations import golive
from integrations.models import Integration
from integrations.transport import DeliveryError

if TYPE_CHECKING:
    from accounts.admin_scope import AccountScopedAdmin

    _IntegrationAdminBase = AccountScopedAdmin
else:
    _IntegrationAdminBase = object

TEMPLATE = "admin/integrations/integration/go_live.html"
GET_AND_POST = require_http_methods(["GET", "POST"])


class LiveCheckForm(forms.Form):
    """The live check's test job, and the admin's confirmation that it writes to the ATS."""

    job = forms.CharField(
        label="Test job",
        max_length=64,
        help_text="The job the synthetic test candidate is added to; recruiters see it there.",
    )
    confirm = forms.BooleanField(
        label="I understand: this adds a test candidate to the real ATS, writes a note and the "
        "mapped fields to it, and then cleans it up as far as the ATS allows.",
    )

    def __init__(self, *args: Any, jobs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if jobs:
            self.fields["job"] = forms.ChoiceField(
                label="Test job", choices=jobs, help_text=self.fields["job"].help_text
            )


def last_run(integration: Integration) -> dict[str, Any] | None:
    """The stored last report, with its moment parsed, for the overview and this page."""
    report = dict(integration.go_live_report or {})
    if not report.get("steps"):
        return None
    evidence = list(report.get("evidence") or [])
    report["steps"] = [
        {**step, "evidence": evidence[index] if index < len(evidence) else {}}
        for index, step in enumerate(report["steps"])
    ]
    report["preview"] = [
        {**item, "body": json.dumps(item.get("payload"), indent=2, ensure_ascii=False)}
        for item in report.get("preview") or []
    ]
    report["failed"] = [step for step in report["steps"] if not step.get("ok")]
    report["checked_at"] = integration.go_live_checked_at or _moment(report.get("checked_at"))
    return report


def _moment(text: object) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(str(text))
    except ValueError:
        return None


class GoLiveMixin(_IntegrationAdminBase):
    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/go-live/",
                self.admin_site.admin_view(self.go_live_view),
                name="integrations_integration_go_live",
            ),
            *super().get_urls(),
        ]

    @method_decorator(GET_AND_POST)
    def go_live_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET shows the last report; POST runs a dry run, or (`live`) the confirmed live check."""
        integration: Integration = self.get_object(request, object_id)
        provider = integration.provider_impl
        can_change = self.has_change_permission(request, integration)
        live_form: LiveCheckForm | None = None
        if provider.offers_live_check and can_change:
            live_form = LiveCheckForm(jobs=self._jobs(request, integration))
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            live = request.POST.get("live") == "on"
            job = ""
            if live:
                live_form = LiveCheckForm(request.POST, jobs=self._jobs(request, integration))
                if not provider.offers_live_check or not live_form.is_valid():
                    if not provider.offers_live_check:
                        messages.error(request, provider.no_live_check_reason)
                    return self._page(request, integration, can_change, live_form)
                job = str(live_form.cleaned_data["job"])
            try:
                report = golive.run(integration, live=live, job=job)
            except golive.GoLiveError as error:
                messages.error(request, str(error))
                return self._page(request, integration, can_change, live_form)
            level = messages.SUCCESS if report.ok else messages.ERROR
            failed = sum(1 for step in report.steps if not step.ok)
            messages.add_message(
                request,
                level,
                "Every step passed." if report.ok else f"{failed} step(s) failed: fix each ✖.",
            )
            return HttpResponseRedirect(_url(integration))
        return self._page(request, integration, can_change, live_form)

    def _jobs(self, request: HttpRequest, integration: Integration) -> list[tuple[str, str]]:
        try:
            return integration.provider_impl.live_check_jobs(integration)
        except DeliveryError as error:
            messages.warning(request, f"The jobs could not be listed ({error}); type the job.")
            return []

    def _page(
        self,
        request: HttpRequest,
        integration: Integration,
        can_change: bool,
        live_form: LiveCheckForm | None,
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": f"Go-live check of the {integration}",
            "original": integration,
            "provider": integration.provider_impl,
            "last": last_run(integration),
            "can_change": can_change,
            "live_form": live_form,
            "run_url": _url(integration),
            "overview_url": reverse(
                "admin:integrations_integration_overview", args=[integration.pk]
            ),
        }
        return TemplateResponse(request, TEMPLATE, context)


def _url(integration: Integration) -> str:
    return reverse("admin:integrations_integration_go_live", args=[integration.pk])
