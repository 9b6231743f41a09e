"""What a recruiter types into any sandbox ATS; every field checked before it is kept."""

from __future__ import annotations

from typing import Any

from django import forms


class JobForm(forms.Form):
    title = forms.CharField(max_length=200)


class CandidateForm(forms.Form):
    name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254)
    job = forms.ChoiceField()

    def __init__(self, *args: Any, jobs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["job"].choices = jobs  # type: ignore[attr-defined]


class PickForm(forms.Form):
    """One choice among what the ATS lists at that moment (an assessment, a stage)."""

    choice = forms.ChoiceField()

    def __init__(
        self, *args: Any, label: str, choices: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choice"].label = label
        self.fields["choice"].choices = choices  # type: ignore[attr-defined]
