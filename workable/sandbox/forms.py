"""What a recruiter types into the sandbox's Workable; every field checked before it is kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator

SUBDOMAIN = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
    "Lowercase letters, digits and hyphens only, e.g. 'acme'.",
)


class AccountForm(forms.Form):
    subdomain = forms.CharField(max_length=63, validators=[SUBDOMAIN])
    name = forms.CharField(max_length=100)


class JobForm(forms.Form):
    title = forms.CharField(max_length=200)


class CandidateForm(forms.Form):
    name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254)
    job = forms.ChoiceField()

    def __init__(self, *args: Any, jobs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["job"].choices = jobs  # type: ignore[attr-defined]


class ConnectForm(forms.Form):
    base_url = forms.URLField(label="Provider base URL", max_length=500, assume_scheme="https")
    token = forms.CharField(label="Token", max_length=500, widget=forms.PasswordInput)


class SendAssessmentForm(forms.Form):
    test = forms.ChoiceField(label="Assessment")

    def __init__(self, *args: Any, tests: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["test"].choices = tests  # type: ignore[attr-defined]
