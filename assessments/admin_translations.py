"""What candidates read of a questionnaire in each shipped language, edited beside the text.

A competency's name and a statement are written in English (the platform's source language);
each other language in settings.LANGUAGES gets a column next to them in the assessment's
admin, stored in the row's `translations`. A blank column means candidates reading that
language see the English.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.db import models

SOURCE_LANGUAGE = "en"

if TYPE_CHECKING:
    ModelFormBase = forms.ModelForm[Any]
else:
    ModelFormBase = forms.ModelForm


def other_languages() -> list[tuple[str, str]]:
    return [(code, name) for code, name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


def field_name(language: str) -> str:
    return f"translation_{language}"


def translation_field_names() -> tuple[str, ...]:
    return tuple(field_name(code) for code, _ in other_languages())


class TranslationsForm(ModelFormBase):
    """A model form whose `translation_<language>` fields read and write `translations`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = getattr(self.instance, "translations", None) or {}
        for code, _ in other_languages():
            self.initial.setdefault(field_name(code), stored.get(code, ""))

    def save(self, commit: bool = True) -> Any:
        self.instance.translations = {
            code: text
            for code, _ in other_languages()
            if (text := str(self.cleaned_data.get(field_name(code)) or "").strip())
        }
        return super().save(commit)


def translations_form(model: type[models.Model], source: str, label: str) -> type[ModelFormBase]:
    """A `TranslationsForm` for `model`, with one column per other language for `source`."""
    source_field = model._meta.get_field(source)
    max_length = source_field.max_length if isinstance(source_field, models.Field) else None
    columns: dict[str, Any] = {
        field_name(code): forms.CharField(
            label=f"{label} ({name})", required=False, max_length=max_length
        )
        for code, name in other_languages()
    }
    meta = type("Meta", (), {"model": model, "exclude": ["translations"]})
    return type(f"{model.__name__}TranslationsForm", (TranslationsForm,), {**columns, "Meta": meta})
