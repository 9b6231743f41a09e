"""Which language a candidate reads: the one chosen for the assessment, or their browser's
preferred one when the assessment lets the browser choose and we ship it.

Emails have no browser to ask, so they are always in the assessment's language. A language an
assessment names that is not (or no longer) shipped falls back to the platform's default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from assessments.models import Assessment, CandidateLink

FOUND_LINK = "_candidate_link"


def shipped() -> list[str]:
    return [code for code, _ in settings.LANGUAGES]


def default() -> str:
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


def of_assessment(assessment: Assessment) -> str:
    return assessment.language if assessment.language in shipped() else default()


def for_request(request: HttpRequest, assessment: Assessment | None) -> str:
    """The assessment's language, or the browser's when allowed; the browser's without one (a
    link that opens nothing)."""
    if assessment is not None and not assessment.language_from_browser:
        return of_assessment(assessment)
    browser = translation.get_language_from_request(request)
    if browser in shipped():
        return browser
    return of_assessment(assessment) if assessment is not None else default()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    with translation.override(language):
        yield


def candidate_page(
    find: Callable[[str], CandidateLink | None],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A candidate page's view runs in the candidate's language; the link its token is (looked
    up once, by `find`) waits on the request for the view (`found_link`)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def in_language(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> Any:
            link = find(token)
            setattr(request, FOUND_LINK, link)
            assessment = link.candidate_assessment.assessment if link else None
            language = for_request(request, assessment)
            with speaking(language):
                response = view(request, token, *args, **kwargs)
            response.headers["Content-Language"] = language
            patch_vary_headers(response, ["Accept-Language"])
            return response

        return in_language

    return decorate


def found_link(request: HttpRequest) -> CandidateLink | None:
    """The link `candidate_page` found for this request's token."""
    value = getattr(request, FOUND_LINK, None)
    return value if isinstance(value, CandidateLink) else None
