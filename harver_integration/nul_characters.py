"""Refuse a NUL character in a request's path or query string before any view reads it.

PostgreSQL can neither store nor compare a string holding NUL, so a filter, search or lookup
given one raises instead of finding nothing; no caller sends one on purpose. Form and JSON bodies
are refused by their own validation (the forms' NUL validator, the API's JSON parser).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

NUL = "\x00"


def holds_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    return any(
        NUL in name or any(NUL in value for value in values) for name, values in request.GET.lists()
    )


class RefuseNulCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if holds_nul(request):
            # Answered by the 400 handler: JSON under /api/, the 400 page elsewhere.
            raise BadRequest("The request's path or query string holds a NUL character.")
        return self.get_response(request)
