"""The "Verify credentials" page of an integration: ask the ATS, show each problem, pick a member.

The check itself is the provider's (`Provider.verify_credentials`, the same one enabling runs);
this page shows its last result, runs it again on request, and, for a provider that declares a
`member_field` (e.g. who authors timeline notes), lets the admin choose it from the member list
the check returned. Secrets are never shown, only their hints. `CredentialVerificationMixin`
declares both pages' URLs in the ModelAdmin's `get_urls`.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods, require_POST

from harver_integration import history
from integrations import services
from integrations.models import AtsCredential, Integration, UnreadableSecretError
from integrations.provider_types import CredentialCheck, CredentialField

if TYPE_CHECKING:
    from accounts.admin_scope import AccountScopedAdmin

    # An account-scoped ModelAdmin of integrations (its `get_object` answers 404 outside the
    # user's accounts).
    _IntegrationAdminBase = AccountScopedAdmin
else:
    _IntegrationAdminBase = object

TEMPLATE = "admin/integrations/integration/verify_credentials.html"
GET_AND_POST = require_http_methods(["GET", "POST"])


class MemberForm(forms.Form):
    """The provider's member field, chosen from the members the last verification listed."""

    def __init__(
        self,
        *args: Any,
        member_field: CredentialField,
        members: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields[member_field.name] = forms.ChoiceField(
            label=capfirst(member_field.label), choices=members, help_text=member_field.help_text
        )
        self.member_field = member_field

    def member(self) -> forms.BoundField:
        return self[self.member_field.name]


def _members(credential: AtsCredential | None) -> list[tuple[str, str]]:
    stored = (credential.verification or {}).get("members") if credential else None
    return [(str(item["id"]), str(item.get("label") or item["id"])) for item in stored or []]


def _checked_at(last: dict[str, Any]) -> datetime.datetime | None:
    """When the last check ran, as stored with its result; None when it cannot be read."""
    try:
        return datetime.datetime.fromisoformat(str(last["checked_at"]))
    except (KeyError, ValueError):
        return None


def _url(name: str, integration: Integration) -> str:
    return reverse(f"admin:integrations_integration_{name}", args=[integration.pk])


def _secret_hints(credential: AtsCredential | None, integration: Integration) -> list[str]:
    """What the page says of each stored secret: its hint, or that no key can read it."""
    if credential is None:
        return []
    unreadable = {field.name: field for field in credential.unreadable_fields()}
    lines = []
    for field in integration.provider_impl.credential_fields:
        hint = credential.hint(field.name) if field.secret else None
        if field.name in unreadable:
            lines.append(str(UnreadableSecretError(field)))
        elif hint is not None:
            ending = f" ends in …{hint.last4}" if hint.last4 else " is set"
            lines.append(f"The stored {field.label}{ending}.")
    return lines


class CredentialVerificationMixin(_IntegrationAdminBase):
    """The "Verify credentials" page and its member choice, as views of the ModelAdmin."""

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/credentials/verify/",
                self.admin_site.admin_view(self.verify_view),
                name="integrations_integration_verify",
            ),
            path(
                "<path:object_id>/credentials/note-author/",
                self.admin_site.admin_view(self.save_note_author_view),
                name="integrations_integration_note_author",
            ),
            *super().get_urls(),
        ]

    @method_decorator(GET_AND_POST)
    def verify_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET shows the last check; POST asks the ATS again (Harver admins only)."""
        integration: Integration = self.get_object(request, object_id)
        provider = integration.provider_impl
        can_change = self.has_change_permission(request, integration)
        check: CredentialCheck | None = None
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            check = provider.verify_credentials(integration)
            if check is None:
                messages.info(request, f"{provider.label} cannot be verified.")
            else:
                history.record(integration, {"verified": ("", "passed" if check.ok else "failed")})
        credential = AtsCredential.objects.filter(integration=integration).first()
        last = (credential.verification or {}) if credential else {}
        members = check.members if check is not None else _members(credential)
        form = None
        if provider.member_field:
            member_field = provider.credential_field(provider.member_field)
            current = credential.value(member_field.name) if credential else ""
            form = MemberForm(
                member_field=member_field, members=members, initial={member_field.name: current}
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": f"Verify the credentials of the {integration}",
            "original": integration,
            "provider": provider,
            "secret_hints": _secret_hints(credential, integration),
            "check": check,
            "last": last,
            "last_checked_at": _checked_at(last),
            "members": members,
            "form": form,
            "can_change": can_change,
            "verify_url": _url("verify", integration),
            "note_author_url": _url("note_author", integration),
            "overview_url": _url("overview", integration),
        }
        return TemplateResponse(request, TEMPLATE, context)

    @method_decorator(require_POST)
    def save_note_author_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Store the member chosen on the Verify page in the provider's member field."""
        integration: Integration = self.get_object(request, object_id)
        if not self.has_change_permission(request, integration):
            raise PermissionDenied
        provider = integration.provider_impl
        if not provider.member_field:
            raise Http404(f"{provider.label} integrations have no member to choose.")
        member_field = provider.credential_field(provider.member_field)
        credential = AtsCredential.objects.filter(integration=integration).first()
        form = MemberForm(request.POST, member_field=member_field, members=_members(credential))
        if form.is_valid():
            services.set_ats_credentials(
                integration, **{member_field.name: form.cleaned_data[member_field.name]}
            )
            messages.success(request, f"The {member_field.label} was saved.")
        else:
            messages.error(request, "Choose a member from the list; verify again if it is empty.")
        return HttpResponseRedirect(_url("verify", integration))
