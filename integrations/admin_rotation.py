"""The "Replace the credential" page: one form for the new secret, verified, then switched.

The work is `integrations.credential_rotation`; deliveries due meanwhile wait and none fails.
The secret replaced is the provider's expiring one (else its first secret), with its new expiry.
`CredentialRotationMixin` declares the page's URL in the ModelAdmin's `get_urls`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods

from integrations import credential_rotation, services
from integrations.models import Integration
from integrations.provider_types import CredentialField
from integrations.providers import Provider

if TYPE_CHECKING:
    from accounts.admin_scope import AccountScopedAdmin

    _IntegrationAdminBase = AccountScopedAdmin
else:
    _IntegrationAdminBase = object

TEMPLATE = "admin/integrations/integration/replace_credential.html"
GET_AND_POST = require_http_methods(["GET", "POST"])


def replaced_field(provider: Provider) -> CredentialField | None:
    """The secret the form replaces: the expiring one, else the first secret."""
    return provider.expiring_field or next(
        (field for field in provider.credential_fields if field.secret), None
    )


class ReplaceCredentialForm(forms.Form):
    def __init__(self, *args: Any, credential_field: CredentialField, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credential_field = credential_field
        self.fields["secret"] = forms.CharField(
            label=f"New {credential_field.label}",
            max_length=credential_field.max_length,
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
            help_text=credential_field.help_text,
        )
        if credential_field.expiry_label:
            self.fields["expires_on"] = forms.DateField(
                label=capfirst(credential_field.expiry_label),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
                help_text=f"The expiry chosen when the new {credential_field.label} was made.",
            )

    def clean_secret(self) -> str:
        value = self.credential_field.clean(self.cleaned_data["secret"])
        problem = self.credential_field.problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value


class CredentialRotationMixin(_IntegrationAdminBase):
    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/credentials/replace/",
                self.admin_site.admin_view(self.replace_credential_view),
                name="integrations_integration_replace_credential",
            ),
            *super().get_urls(),
        ]

    @method_decorator(GET_AND_POST)
    def replace_credential_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration: Integration = self.get_object(request, object_id)
        if not self.has_change_permission(request, integration):
            raise PermissionDenied
        provider = integration.provider_impl
        credential_field = replaced_field(provider)
        if credential_field is None:
            raise Http404(f"{provider.label} credentials have no secret to replace.")
        form = ReplaceCredentialForm(request.POST or None, credential_field=credential_field)
        overview = reverse("admin:integrations_integration_overview", args=[integration.pk])
        if request.method == "POST" and form.is_valid():
            try:
                outcome = credential_rotation.replace_credentials(
                    integration,
                    expires_on=form.cleaned_data.get("expires_on"),
                    **{credential_field.name: form.cleaned_data["secret"]},
                )
            except services.IntegrationError as error:
                for problem in error.problems:
                    form.add_error("secret", problem)
            else:
                if outcome.switched:
                    messages.success(
                        request,
                        f"{provider.label} accepted the new {credential_field.label}; it is in "
                        f"use now. {outcome.resumed} waiting delivery(ies) are on their way.",
                    )
                    for warning in outcome.warnings:
                        messages.warning(request, warning)
                    return HttpResponseRedirect(overview)
                for problem in outcome.problems:
                    form.add_error("secret", problem)
                form.add_error(None, f"The old {credential_field.label} is still in use.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": f"Replace the {credential_field.label} of the {integration}",
            "original": integration,
            "provider": provider,
            "form": form,
            "overview_url": overview,
        }
        return TemplateResponse(request, TEMPLATE, context)
