"""The "Verify credentials" page of an integration: ask the ATS, show each problem, pick an author.

The check itself is the provider's (`Provider.verify_credentials`, the same one enabling runs);
this page shows its last result, runs it again on request, and lets the admin choose the
timeline note author from the ATS's member list it returned. The token is never shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from integrations import services
from integrations.models import AtsCredential, Integration
from integrations.provider_types import CredentialCheck

if TYPE_CHECKING:
    from integrations.admin import IntegrationAdmin

TEMPLATE = "admin/integrations/integration/verify_credentials.html"


class NoteAuthorForm(forms.Form):
    note_author_member_id = forms.ChoiceField(
        label="Timeline note author",
        help_text="The member in whose name Harver posts the result note on the candidate.",
    )

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note_author_member_id"].choices = members  # type: ignore[attr-defined]


def _members(credential: AtsCredential | None) -> list[tuple[str, str]]:
    stored = (credential.verification or {}).get("members") if credential else None
    return [(str(item["id"]), str(item.get("label") or item["id"])) for item in stored or []]


def _url(name: str, integration: Integration) -> str:
    return reverse(f"admin:integrations_integration_{name}", args=[integration.pk])


def verify(model_admin: IntegrationAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    """GET shows the last check; POST asks the ATS again (Harver admins only)."""
    integration: Integration = model_admin.get_object(request, object_id)
    can_change = model_admin.has_change_permission(request, integration)
    check: CredentialCheck | None = None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        check = integration.provider_impl.verify_credentials(integration)
        if check is None:
            messages.info(request, f"{integration.provider_impl.label} cannot be verified.")
    credential = AtsCredential.objects.filter(integration=integration).first()
    members = check.members if check is not None else _members(credential)
    form = NoteAuthorForm(
        members=members,
        initial={"note_author_member_id": credential.note_author_member_id if credential else ""},
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "app_label": model_admin.opts.app_label,
        "title": f"Verify the credentials of the {integration}",
        "original": integration,
        "credential": credential,
        "check": check,
        "last": (credential.verification or {}) if credential else {},
        "members": members,
        "form": form,
        "can_change": can_change,
        "verify_url": _url("verify", integration),
        "note_author_url": _url("note_author", integration),
        "overview_url": _url("overview", integration),
    }
    return TemplateResponse(request, TEMPLATE, context)


def save_note_author(
    model_admin: IntegrationAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    integration: Integration = model_admin.get_object(request, object_id)
    if not model_admin.has_change_permission(request, integration):
        raise PermissionDenied
    credential = AtsCredential.objects.filter(integration=integration).first()
    form = NoteAuthorForm(request.POST, members=_members(credential))
    if form.is_valid():
        services.set_ats_credentials(
            integration, note_author_member_id=form.cleaned_data["note_author_member_id"]
        )
        messages.success(request, "The timeline note author was saved.")
    else:
        messages.error(request, "Choose a member from the list; verify again if it is empty.")
    return HttpResponseRedirect(_url("verify", integration))
