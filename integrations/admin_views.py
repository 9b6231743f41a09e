"""The integration screens of the setup guide, as views of the integration's ModelAdmin.

`IntegrationScreensMixin` gives the ModelAdmin its Add, setup progress, Overview and History
pages: `get_urls` declares each page's URL beside the ModelAdmin's own.

Each view first finds the integration within the user's accounts (404 otherwise) and only then
checks that the user may change it (403), so the answer never reveals another account's ids.
Every change goes through `integrations.services`; these views only translate forms and outcomes
into pages. The Overview renders only the open tab of each section, which is what lets a freshly
minted token be shown exactly once: when the "ATS to Harver" tab is first opened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from auditlog.models import LogEntry
from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Q
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.text import capfirst, slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.admin_scope import visible_accounts
from assessments.reports import ReportType
from harver_integration.ids import parse_id
from integrations import (
    admin_health,
    admin_stages,
    credential_rotation,
    services,
    stages,
    token_reveal,
)
from integrations.admin_golive import last_run
from integrations.admin_rotation import replaced_field
from integrations.credential_expiry import credential_expiry
from integrations.forms import (
    AddIntegrationForm,
    AssessmentsForm,
    HarverToAtsForm,
    PatternForm,
    ReportsForm,
)
from integrations.models import (
    AssessmentFieldMapping,
    AtsCredential,
    InboundToken,
    Integration,
    Issue,
    ReportSettings,
)
from integrations.provider_types import StageOptions
from integrations.providers import Provider
from integrations.tasks import run_integration_setup

if TYPE_CHECKING:
    from accounts.admin_scope import AccountScopedAdmin

    # What the mixin relies on: an account-scoped ModelAdmin of integrations (its `get_object`
    # answers 404 outside the user's accounts).
    _IntegrationAdminBase = AccountScopedAdmin
else:
    _IntegrationAdminBase = object

TEMPLATE_DIR = "admin/integrations/integration"
HISTORY_PAGE_SIZE = 50
SETUP_POLL_MILLISECONDS = 600
HISTORY_MODELS: list[type[models.Model]] = [
    AtsCredential,
    InboundToken,
    ReportSettings,
    AssessmentFieldMapping,
]
GET_AND_POST = require_http_methods(["GET", "POST"])
SCORE_ORDER = {
    AssessmentFieldMapping.Score.OVERALL: 0,
    AssessmentFieldMapping.Score.RECOMMENDATION: 1,
    AssessmentFieldMapping.Score.COMPETENCY: 2,
}


@dataclass(frozen=True)
class Tabs:
    """Which tab of each Overview section is open; carried in the query string."""

    credentials: str = "harver-to-ats"
    harver_to_ats: str = "assessments"

    CREDENTIALS = {"harver-to-ats": "Harver to ATS", "ats-to-harver": "ATS to Harver"}
    HARVER_TO_ATS = {"assessments": "Assessments", "reports": "Reports"}

    @classmethod
    def from_request(cls, request: HttpRequest) -> Tabs:
        credentials = request.GET.get("credentials", cls.credentials)
        harver_to_ats = request.GET.get("harver_to_ats", cls.harver_to_ats)
        return cls(
            credentials=credentials if credentials in cls.CREDENTIALS else cls.credentials,
            harver_to_ats=harver_to_ats
            if harver_to_ats in cls.HARVER_TO_ATS
            else cls.harver_to_ats,
        )

    def query(self) -> str:
        return urlencode({"credentials": self.credentials, "harver_to_ats": self.harver_to_ats})


def _url(name: str, integration: Integration) -> str:
    return reverse(f"admin:integrations_integration_{name}", args=[integration.pk])


def overview_url(integration: Integration, tabs: Tabs, section: str = "") -> str:
    anchor = f"#{section}" if section else ""
    return f"{_url('overview', integration)}?{tabs.query()}{anchor}"


# --- Add new integration and the setup progress -----------------------------------------------


def setup_progress(integration: Integration) -> dict[str, Any]:
    """The setup page's model: each step done, running, failed or pending."""
    state = Integration.SetupState(integration.setup_state)
    keys = [key for key, _ in services.SETUP_STEPS]
    current = keys.index(integration.setup_step) if integration.setup_step in keys else 0
    steps = []
    for index, (key, label) in enumerate(services.SETUP_STEPS):
        if state == Integration.SetupState.READY or (
            state in (Integration.SetupState.RUNNING, Integration.SetupState.FAILED)
            and index < current
        ):
            status = "done"
        elif state == Integration.SetupState.RUNNING and index == current:
            status = "running"
        elif state == Integration.SetupState.FAILED and index == current:
            status = "failed"
        else:
            status = "pending"
        steps.append({"key": key, "label": label, "status": status})
    return {
        "state": state.value,
        "state_label": state.label,
        "finished": state == Integration.SetupState.READY,
        "failed": state == Integration.SetupState.FAILED,
        "steps": steps,
    }


# --- The Overview -----------------------------------------------------------------------------


def _mappings(integration: Integration) -> list[AssessmentFieldMapping]:
    mappings = list(integration.field_mappings.select_related("assessment", "competency"))
    return sorted(
        mappings,
        key=lambda mapping: (
            mapping.assessment.name,
            mapping.assessment_id,
            SCORE_ORDER[AssessmentFieldMapping.Score(mapping.score)],
            mapping.competency.position if mapping.competency else 0,
        ),
    )


@dataclass(frozen=True)
class InboundSetupRow:
    """One thing the admin pastes into the ATS; `once` when it holds the just-minted token."""

    label: str
    value: str
    element_id: str
    once: bool


def inbound_setup_rows(integration: Integration, revealed: str | None) -> list[InboundSetupRow]:
    rows = []
    for label, value in integration.provider_impl.inbound_setup(integration, revealed):
        once = bool(revealed and revealed in value)
        element_id = "ats-to-harver-token" if once else slugify(label)
        rows.append(InboundSetupRow(label, value, element_id, once))
    return rows


_FORM_NAMES = (
    "pattern_form",
    "harver_to_ats_form",
    "assessments_form",
    "stage_form",
    "reports_form",
)


def _saved(
    request: HttpRequest, integration: Integration, tabs: Tabs, section: str, message: str
) -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(overview_url(integration, tabs, section))


# Each form of the Overview: the section it is shown in, and the tab to open there.
_FORM_PLACES: dict[str, tuple[str, dict[str, str]]] = {
    "pattern": ("general", {}),
    "harver_to_ats": ("credentials", {"credentials": "harver-to-ats"}),
    "assessments": ("harver-to-ats", {"harver_to_ats": "assessments"}),
    "stage": ("harver-to-ats", {"harver_to_ats": "assessments"}),
    "reports": ("harver-to-ats", {"harver_to_ats": "reports"}),
}


def _score_key(mapping: AssessmentFieldMapping) -> str:
    return mapping.competency.name if mapping.competency else str(mapping.score)


# --- History ----------------------------------------------------------------------------------


# Bookkeeping columns every row has; listing them as "changed" would only add noise.
HISTORY_IGNORED_FIELDS = {"id", "integration", "created_at", "updated_at"}
# The credential's JSON columns, whose entries the history lists field by field.
CREDENTIAL_JSON_COLUMNS = ("values", "secret_hints")
# Rows of which an integration has several: the entry names which one.
HISTORY_NAMED_MODELS: tuple[type[models.Model], ...] = (InboundToken, AssessmentFieldMapping)


@dataclass(frozen=True)
class HistoryRow:
    entry: LogEntry
    what: str
    detail: str
    fields: list[str]


def _field_label(model: type[models.Model] | None, name: str) -> str:
    if model is None:
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(capfirst(getattr(field, "verbose_name", name)))


def _json_object(recorded: object) -> dict[str, Any]:
    """A JSON column's value as the audit log recorded it (JSON text, or the object itself)."""
    value = recorded
    if isinstance(recorded, str):
        try:
            value = json.loads(recorded)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _changed_credential_fields(provider: Provider, changes: dict[str, Any]) -> list[str]:
    """The provider's fields whose value (or, for a secret, whose hint) an entry changed, in
    the order the provider declares them; the credential keeps them in JSON columns."""
    # Only declared fields: what a field keeps beside its value (e.g. the secret it replaced)
    # is part of that field's change.
    declared = {field.name for field in provider.credential_fields}
    changed: dict[str, str] = {}
    for column in CREDENTIAL_JSON_COLUMNS:
        if column not in changes:
            continue
        before, after = (_json_object(side) for side in changes[column][:2])
        for name in before.keys() | after.keys():
            if before.get(name) != after.get(name) and name in declared:
                changed[name] = column
    return [
        f"{capfirst(field.label)} ends with"
        if changed[field.name] == "secret_hints"
        else str(capfirst(field.label))
        for field in provider.credential_fields
        if field.name in changed
    ]


def _changed_fields(
    entry: LogEntry, model: type[models.Model] | None, provider: Provider
) -> list[str]:
    changes = entry.changes_dict or {}
    labels = []
    credential_fields_listed = False
    for name in changes:
        if name in HISTORY_IGNORED_FIELDS:
            continue
        if model is AtsCredential and name in CREDENTIAL_JSON_COLUMNS:
            if not credential_fields_listed:
                labels.extend(_changed_credential_fields(provider, changes))
                credential_fields_listed = True
        else:
            labels.append(_field_label(model, name))
    return labels


def history_entries(integration: Integration) -> Any:
    """Audit entries of the integration and of every row configured on it, newest first."""
    content_types = ContentType.objects.get_for_models(Integration, *HISTORY_MODELS)
    condition = Q(content_type=content_types[Integration], object_id=integration.pk)
    for model in HISTORY_MODELS:
        owned = model._default_manager.filter(integration=integration).values("pk")
        condition |= Q(content_type=content_types[model], object_id__in=owned)
    return (
        LogEntry.objects.filter(condition)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


class IntegrationScreensMixin(_IntegrationAdminBase):
    """The setup guide's screens of an integration, as views of its ModelAdmin."""

    def get_urls(self) -> list[URLPattern]:
        return [
            self._integration_page("overview/", "overview", self.overview_view),
            self._integration_page("setup/", "setup", self.setup_view),
            self._integration_page("setup/status/", "setup_status", self.setup_status_view),
            self._integration_page("setup/retry/", "setup_retry", self.setup_retry_view),
            self._integration_page("general/pattern/", "pattern", self.save_pattern_view),
            self._integration_page("general/toggle/", "toggle", self.toggle_view),
            self._integration_page(
                "credentials/harver-to-ats/", "harver_to_ats", self.save_harver_to_ats_view
            ),
            self._integration_page(
                "credentials/ats-to-harver/rotate/", "rotate", self.rotate_token_view
            ),
            self._integration_page("assessments/", "assessments", self.save_assessments_view),
            self._integration_page(
                "assessments/refresh/", "assessments_refresh", self.refresh_assessments_view
            ),
            self._integration_page("assessments/stages/", "stages", self.save_stage_mapping_view),
            self._integration_page("reports/", "reports", self.save_reports_view),
            *super().get_urls(),
        ]

    def _integration_page(
        self, route: str, name: str, view: Callable[[HttpRequest, str], HttpResponse]
    ) -> URLPattern:
        """A page of one integration, below its admin URL, behind the admin site's sign-in."""
        return path(
            f"<path:object_id>/{route}",
            self.admin_site.admin_view(view),
            name=f"integrations_integration_{name}",
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The Overview is the integration's page; the generic change form is never shown."""
        integration: Integration = self.get_object(request, object_id)
        return HttpResponseRedirect(_url("overview", integration))

    def _integration_to_change(self, request: HttpRequest, object_id: str) -> Integration:
        """The integration, if the user's accounts hold it (404) and the user may change it
        (403)."""
        integration: Integration = self.get_object(request, object_id)
        if not self.has_change_permission(request, integration):
            raise PermissionDenied
        return integration

    def _page_context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": title,
            **extra,
        }

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The guide's "Add new integration": account and ATS, then the setup page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        accounts = visible_accounts(request)
        form = AddIntegrationForm(request.POST or None, accounts=accounts)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                integration = services.create_integration(
                    form.cleaned_data["account"], form.cleaned_data["provider"]
                )
                transaction.on_commit(
                    lambda: run_integration_setup.delay(integration.pk, request.user.pk)
                )
            return HttpResponseRedirect(_url("setup", integration))
        if request.method == "GET" and accounts.count() == 1:
            form.initial["account"] = accounts.get()
        context = self._page_context(request, "Add new integration", form=form)
        return TemplateResponse(request, f"{TEMPLATE_DIR}/add_integration.html", context)

    @method_decorator(require_GET)
    def setup_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration: Integration = self.get_object(request, object_id)
        context = self._page_context(
            request,
            f"Setting up the {integration}",
            original=integration,
            progress=setup_progress(integration),
            status_url=_url("setup_status", integration),
            retry_url=_url("setup_retry", integration),
            overview_url=_url("overview", integration),
            poll_milliseconds=SETUP_POLL_MILLISECONDS,
            can_change=self.has_change_permission(request, integration),
        )
        return TemplateResponse(request, f"{TEMPLATE_DIR}/setup.html", context)

    @method_decorator(require_GET)
    def setup_status_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration: Integration = self.get_object(request, object_id)
        return JsonResponse(setup_progress(integration))

    @method_decorator(require_POST)
    def setup_retry_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration = self._integration_to_change(request, object_id)
        if integration.setup_state == Integration.SetupState.FAILED:
            transaction.on_commit(
                lambda: run_integration_setup.delay(integration.pk, request.user.pk)
            )
            messages.info(request, "The set-up is starting again.")
        return HttpResponseRedirect(_url("setup", integration))

    def render_overview(
        self,
        request: HttpRequest,
        integration: Integration,
        *,
        tabs: Tabs,
        forms: dict[str, Any] | None = None,
        enable_problems: list[str] | None = None,
    ) -> HttpResponse:
        """The Overview, with any bound forms (and their errors) in place of fresh ones."""
        forms = forms or {}
        can_change = self.has_change_permission(request, integration)
        provider = integration.provider_impl
        credential = AtsCredential.objects.filter(integration=integration).first()
        context = self._page_context(
            request,
            str(integration),
            original=integration,
            provider=provider,
            expiry=credential_expiry(provider, credential, today=timezone.localdate()),
            go_live=last_run(integration),
            go_live_url=_url("go_live", integration),
            replace_credential_url=(
                _url("replace_credential", integration) if replaced_field(provider) else ""
            ),
            tabs=tabs,
            can_change=can_change,
            enable_problems=enable_problems,
            pattern_form=forms.get("pattern") or PatternForm(integration=integration),
            pattern_choosable=len(integration.provider_impl.allowed_patterns) > 1,
            urls={
                name: f"{_url(name, integration)}?{tabs.query()}"
                for name in (
                    "pattern",
                    "toggle",
                    "harver_to_ats",
                    "rotate",
                    "assessments",
                    "assessments_refresh",
                    "stages",
                    "reports",
                )
            },
            setup_url=_url("setup", integration),
            history_url=_url("history", integration),
            credential_tabs=[
                (
                    key,
                    label,
                    overview_url(integration, replace(tabs, credentials=key), "credentials"),
                )
                for key, label in Tabs.CREDENTIALS.items()
            ],
            harver_to_ats_tabs=[
                (
                    key,
                    label,
                    overview_url(integration, replace(tabs, harver_to_ats=key), "harver-to-ats"),
                )
                for key, label in Tabs.HARVER_TO_ATS.items()
            ],
        )
        context.update(admin_health.overview_health(integration))
        context["open_issues"] = list(
            integration.issues.exclude(state=Issue.State.RESOLVED).order_by("-last_seen_at")
        )
        if tabs.credentials == "harver-to-ats":
            context["credential"] = credential
            context["harver_to_ats_form"] = forms.get("harver_to_ats") or HarverToAtsForm(
                provider=integration.provider_impl, credential=credential
            )
        else:
            context["active_token"] = (
                InboundToken.objects.active()
                .filter(integration=integration)
                .select_related("created_by")
                .first()
            )
            # Only to the user who minted it, and only while they may change the integration.
            revealed = token_reveal.pop(integration, request.user) if can_change else None
            context["revealed_token"] = revealed
            context["inbound_setup"] = inbound_setup_rows(integration, revealed)
        if tabs.harver_to_ats == "assessments":
            context["assessments_form"] = forms.get("assessments") or AssessmentsForm(
                mappings=_mappings(integration)
            )
            context.update(admin_stages.context(integration, forms.get("stage")))
            if context["pickers"].field_options:
                assessments_form = context["assessments_form"]
                for mapping in assessments_form.mappings:
                    widget = assessments_form.fields[assessments_form.field_id_name(mapping)].widget
                    widget.attrs["list"] = "ats-field-options"
        else:
            report_settings = ReportSettings.objects.filter(integration=integration).first()
            context["reports_form"] = forms.get("reports") or ReportsForm(
                report_settings=report_settings
            )
        if not can_change:
            for form in (context.get(name) for name in _FORM_NAMES):
                if form is not None:
                    for field in form.fields.values():
                        field.disabled = True
        return TemplateResponse(request, f"{TEMPLATE_DIR}/overview.html", context)

    @method_decorator(require_GET)
    def overview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration: Integration = self.get_object(request, object_id)
        return self.render_overview(request, integration, tabs=Tabs.from_request(request))

    def _save_form(
        self,
        request: HttpRequest,
        integration: Integration,
        form_name: str,
        form: Form,
        save: Callable[[], str],
        error_field: str | None = None,
    ) -> HttpResponse:
        """Save a valid form with `save` (which returns the success message), back to its section.

        An invalid form, or one `services` refuses, shows the Overview again with that form and each
        problem: next to `error_field`, or above the form when there is none.
        """
        section, tab = _FORM_PLACES[form_name]
        tabs = replace(Tabs.from_request(request), **tab)
        if form.is_valid():
            try:
                message = save()
            except services.IntegrationError as error:
                for problem in error.problems:
                    form.add_error(error_field, problem)
            else:
                return _saved(request, integration, tabs, section, message)
        return self.render_overview(request, integration, tabs=tabs, forms={form_name: form})

    @method_decorator(require_POST)
    def save_pattern_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration = self._integration_to_change(request, object_id)
        form = PatternForm(request.POST, integration=integration)

        def save() -> str:
            services.set_pattern(integration, form.cleaned_data["pattern"])
            return "The pattern was saved."

        return self._save_form(request, integration, "pattern", form, save, error_field="pattern")

    @method_decorator(require_POST)
    def toggle_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The General section's one toggle: enabling runs every check; the same toggle disables."""
        integration = self._integration_to_change(request, object_id)
        tabs = Tabs.from_request(request)
        if request.POST.get("enable") != "on":
            services.disable_integration(integration)
            return _saved(request, integration, tabs, "general", f"The {integration} is disabled.")
        outcome = services.enable_integration(integration)
        if outcome.enabled:
            return _saved(request, integration, tabs, "general", f"The {integration} is enabled.")
        messages.error(
            request,
            "The integration was not enabled. Fix the problems listed under General, then try "
            "again.",
        )
        return self.render_overview(
            request, integration, tabs=tabs, enable_problems=outcome.problems
        )

    @method_decorator(require_POST)
    def save_harver_to_ats_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration = self._integration_to_change(request, object_id)
        credential = AtsCredential.objects.filter(integration=integration).first()
        provider = integration.provider_impl
        form = HarverToAtsForm(request.POST, provider=provider, credential=credential)

        def save() -> str:
            expires_on, clear_expiry = form.expiry()
            services.set_ats_credentials(
                integration,
                expires_on=expires_on,
                clear_expiry=clear_expiry,
                **form.credential_values(),
            )
            resumed = credential_rotation.resume_if_credentials_work(integration)
            if resumed is not None:
                return (
                    f"The Harver to ATS credentials were saved and {provider.label} accepts "
                    f"them: {resumed} waiting delivery(ies) are on their way."
                )
            return "The Harver to ATS credentials were saved."

        return self._save_form(request, integration, "harver_to_ats", form, save)

    @method_decorator(GET_AND_POST)
    def rotate_token_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirm, then mint a new "ATS to Harver" token; the old one stops working at once."""
        integration = self._integration_to_change(request, object_id)
        tabs = replace(Tabs.from_request(request), credentials="ats-to-harver")
        active = InboundToken.objects.active().filter(integration=integration).first()
        if request.method == "POST":
            actor = request.user if isinstance(request.user, User) else None
            token = services.rotate_inbound_token(integration, actor=actor)
            token_reveal.stash(integration.pk, token, minted_by=request.user.pk)
            message = "A new ATS to Harver token was minted. Copy it now: it is shown only once."
            if active is not None:
                message += f" The old token (…{active.token_last4}) no longer works."
            return _saved(request, integration, tabs, "credentials", message)
        context = self._page_context(
            request,
            "Rotate the ATS to Harver token?" if active else "Mint an ATS to Harver token?",
            original=integration,
            active_token=active,
            provider=integration.provider_impl,
            confirm_url=f"{_url('rotate', integration)}?{tabs.query()}",
            cancel_url=overview_url(integration, tabs, "credentials"),
        )
        return TemplateResponse(request, f"{TEMPLATE_DIR}/rotate_confirmation.html", context)

    @method_decorator(require_POST)
    def save_assessments_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration = self._integration_to_change(request, object_id)
        form = AssessmentsForm(request.POST, mappings=_mappings(integration))

        def save() -> str:
            with transaction.atomic():
                changed = 0
                for mapping, send, field_id in form.changes():
                    services.map_field(
                        integration,
                        assessment=mapping.assessment,
                        score=_score_key(mapping),
                        ats_field_id=field_id,
                        send_status=send,
                    )
                    changed += 1
            return f"The Assessments tab was saved ({changed} row(s) changed)."

        return self._save_form(request, integration, "assessments", form, save)

    @method_decorator(require_POST)
    def save_stage_mapping_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Add a stage mapping of the Assessments tab, or remove one (`remove` = its id)."""
        integration = self._integration_to_change(request, object_id)
        removed = request.POST.get("remove", "")
        if removed:
            tabs = replace(Tabs.from_request(request), harver_to_ats="assessments")
            mapping_id = parse_id(removed)
            if mapping_id is None:
                raise PermissionDenied
            stages.unmap_stage(integration, mapping_id)
            return _saved(
                request, integration, tabs, "harver-to-ats", "The stage mapping was removed."
            )
        form = admin_stages.StageMappingForm(
            request.POST, integration=integration, options=StageOptions()
        )
        # The job list is the ATS's; any job id it posts is checked by the service, not the form.
        form.fields["job_id"] = django_forms.CharField(max_length=64, required=False)

        def save() -> str:
            job_id = form.cleaned_data["job_id"]
            mapping = stages.map_stage(
                integration,
                assessment=form.cleaned_data["assessment"],
                stage_name=form.cleaned_data["stage_name"],
                job_id=job_id,
                job_name=admin_stages.job_name(integration, job_id),
            )
            return f"The stage mapping {mapping} was saved."

        return self._save_form(request, integration, "stage", form, save)

    @method_decorator(require_POST)
    def refresh_assessments_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration = self._integration_to_change(request, object_id)
        tabs = replace(Tabs.from_request(request), harver_to_ats="assessments")
        added = services.sync_field_mappings(integration)
        return _saved(
            request,
            integration,
            tabs,
            "harver-to-ats",
            f"The account's assessments were listed again ({added} new row(s)).",
        )

    @method_decorator(require_POST)
    def save_reports_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration = self._integration_to_change(request, object_id)
        report_settings = ReportSettings.objects.filter(integration=integration).first()
        form = ReportsForm(request.POST, report_settings=report_settings)

        def save() -> str:
            services.configure_reports(
                integration,
                enabled=form.enabled_types(),
                results_link=ReportType(form.cleaned_data["results_link"]),
                link_lifetime_days=form.cleaned_data["link_lifetime_days"],
                hide_personal_data=form.cleaned_data["hide_personal_data"],
            )
            return "The Reports tab was saved."

        return self._save_form(request, integration, "reports", form, save)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        integration: Integration = self.get_object(request, object_id)
        page = Paginator(history_entries(integration), HISTORY_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = []
        for entry in page.object_list:
            model = entry.content_type.model_class()
            rows.append(
                HistoryRow(
                    entry=entry,
                    what=str(
                        capfirst(model._meta.verbose_name if model else entry.content_type.model)
                    ),
                    detail=entry.object_repr if model in HISTORY_NAMED_MODELS else "",
                    fields=_changed_fields(entry, model, integration.provider_impl),
                )
            )
        context = self._page_context(
            request,
            f"History of the {integration}",
            original=integration,
            page=page,
            rows=rows,
            overview_url=_url("overview", integration),
        )
        return TemplateResponse(request, f"{TEMPLATE_DIR}/history.html", context)
