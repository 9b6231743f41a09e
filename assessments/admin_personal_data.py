"""Admin for candidates' personal data: the receipts of every erasure, export and retention run,
the page where support exports or erases one candidate's data by account and email, and the same
two as bulk actions on the candidates' invitations (`PersonalDataActions`).

Exporting is open to the staff members of the account (they see the candidates' reports
already); erasing is for Harver Admins, after a confirmation that says how much will go.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.admin_scope import AccountScopedAdmin, is_harver_admin, visible_accounts
from accounts.models import Account
from assessments.models import CandidateAssessment, PersonalDataRecord
from assessments.personal_data import rights
from harver_integration.admin_helpers import ReadOnlyAdminMixin

if TYPE_CHECKING:
    ModelAdminBase = admin.ModelAdmin[Any]
else:
    ModelAdminBase = object

EXPORT, ERASE, CONFIRM_ERASE = "export", "erase", "confirm-erase"


class CandidateDataForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.none(), empty_label=None)
    email = forms.EmailField(label="Candidate email", max_length=254)

    def __init__(self, *args: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        account_field = self.fields["account"]
        if isinstance(account_field, forms.ModelChoiceField):
            account_field.queryset = accounts


def actor_of(user: AbstractBaseUser | AnonymousUser) -> str:
    return str(getattr(user, "email", "") or user.get_username())


def json_download(data: Any, account_name: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    name = f"candidate-data-{slugify(account_name)}-{timezone.now():%Y%m%d-%H%M%S}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


class PersonalDataActions(ModelAdminBase):
    """Bulk actions on candidate assessments: export or erase the data of their candidates (each
    candidate found by the selected rows' account and email, so all their rows go together)."""

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return is_harver_admin(request.user)

    @admin.action(description="Export the selected candidates' data (JSON)")
    def export_candidates(
        self, request: HttpRequest, queryset: QuerySet[CandidateAssessment]
    ) -> HttpResponse:
        actor = actor_of(request.user)
        exports = [
            rights.export_candidate(account, email, actor=actor)
            for account, email in rights.candidates_among(queryset)
        ]
        names = sorted({export["account"]["name"] for export in exports})
        return json_download({"candidates": exports}, "-".join(names) or "none")

    @admin.action(description="Erase the selected candidates' personal data", permissions=["erase"])
    def erase_candidates(
        self, request: HttpRequest, queryset: QuerySet[CandidateAssessment]
    ) -> HttpResponse | None:
        candidates = rights.candidates_among(queryset)
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/assessments/candidateassessment/erase.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "title": "Erase the candidates' personal data",
                    "candidates": len(candidates),
                    "rows": queryset.count(),
                    "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                    "select_across": request.POST.get("select_across", "0"),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        actor = actor_of(request.user)
        receipts = [
            rights.erase_candidate(account, email, actor=actor) for account, email in candidates
        ]
        self.message_user(
            request,
            f"Erased the personal data of {len(receipts)} candidate(s): receipts "
            + ", ".join(str(receipt.record.pk) for receipt in receipts)
            + ".",
            messages.SUCCESS,
        )
        return None


@admin.register(PersonalDataRecord)
class PersonalDataRecordAdmin(ReadOnlyAdminMixin, AccountScopedAdmin):
    list_display = ("performed_at", "action", "account", "actor", "candidate_count")
    list_filter = ("action", ("account", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("account",)
    date_hierarchy = "performed_at"
    fields = ("account", "action", "actor", "performed_at", "candidate_assessment_ids", "counts")
    readonly_fields = fields
    change_list_template = "admin/assessments/personaldatarecord/change_list.html"

    @admin.display(description="candidate assessments")
    def candidate_count(self, record: PersonalDataRecord) -> int:
        return len(record.candidate_assessment_ids)

    def get_urls(self) -> list[URLPattern]:
        request_page = path(
            "candidate/",
            self.admin_site.admin_view(self.candidate_data_view),
            name="assessments_personaldatarecord_candidate",
        )
        return [request_page, *super().get_urls()]

    def candidate_data_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return self.admin_site.login(request)
        form = CandidateDataForm(
            request.POST if request.method == "POST" else None,
            accounts=visible_accounts(request),
        )
        action = request.POST.get("action", "")
        context: dict[str, Any] = {}
        status = 200
        if form.is_valid():
            account, email = form.cleaned_data["account"], form.cleaned_data["email"]
            try:
                if action == EXPORT:
                    return self._export(request, account, email)
                if action in (ERASE, CONFIRM_ERASE) and not is_harver_admin(request.user):
                    form.add_error(None, "Only a Harver Admin may erase a candidate's data.")
                    status = 403
                elif action == ERASE:
                    context["to_erase"] = rights.candidate_assessments_of(account, email).count()
                    if not context["to_erase"]:
                        raise rights.NoPersonalData(account, email)
                elif action == CONFIRM_ERASE:
                    receipt = rights.erase_candidate(account, email, actor=actor_of(request.user))
                    self.message_user(
                        request,
                        f"Erased the personal data of {email} in {account}.",
                        messages.SUCCESS,
                    )
                    context["receipt"] = receipt
            except rights.NoPersonalData as error:
                form.add_error("email", str(error))
                status = 404
        elif request.method == "POST":
            status = 422
        return TemplateResponse(
            request,
            "admin/assessments/personaldatarecord/candidate.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Export or erase a candidate's data",
                "form": form,
                "may_erase": is_harver_admin(request.user),
                "records_url": reverse("admin:assessments_personaldatarecord_changelist"),
                **context,
            },
            status=status,
        )

    def _export(self, request: HttpRequest, account: Account, email: str) -> HttpResponse:
        data = rights.export_candidate(account, email, actor=actor_of(request.user))
        return json_download(data, account.name)
