"""What a recruiter types into the sandbox's Greenhouse alone (`sandbox.forms` has what every
sandbox ATS asks); every field checked before it is kept."""

from __future__ import annotations

from django import forms


class CredentialForm(forms.Form):
    label = forms.CharField(label="Credential name", max_length=100)


class WebHookForm(forms.Form):
    name = forms.CharField(max_length=100)
    endpoint_url = forms.URLField(label="Endpoint URL", max_length=500, assume_scheme="https")
    secret_key = forms.CharField(label="Secret key", max_length=500, widget=forms.PasswordInput)
