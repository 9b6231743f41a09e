"""What a recruiter types into the sandbox's Workable alone (`sandbox.forms` has what every
sandbox ATS asks); every field checked before it is kept."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

SUBDOMAIN = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
    "Lowercase letters, digits and hyphens only, e.g. 'acme'.",
)


class AccountForm(forms.Form):
    subdomain = forms.CharField(max_length=63, validators=[SUBDOMAIN])
    name = forms.CharField(max_length=100)


class ConnectForm(forms.Form):
    base_url = forms.URLField(label="Provider base URL", max_length=500, assume_scheme="https")
    token = forms.CharField(label="Token", max_length=500, widget=forms.PasswordInput)
