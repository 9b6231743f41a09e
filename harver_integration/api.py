"""What every API we serve shares: one JSON error shape, body limits, JSON 404/500 pages.

Errors are always `{"status": <code>, "message": "<plain words>"}`, plus `"errors": {field:
[messages]}` for field errors (contract §2). Validation errors are 422, not DRF's 400: 400 means
the body is not JSON at all.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from harver_integration.json_bodies import MAX_NESTING, unacceptable_json

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

MESSAGES = {
    exceptions.ParseError: "The request body is not valid JSON.",
    exceptions.NotAuthenticated: "Send the integration's token as 'Authorization: Bearer <token>'.",
    exceptions.AuthenticationFailed: "The token is not valid for any integration.",
    exceptions.UnsupportedMediaType: "Send a JSON body with 'Content-Type: application/json'.",
}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def body_limit() -> int:
    """The largest body an API reads: API_MAX_BODY_BYTES, or Django's own limit when lower
    (Django refuses to read a larger body at all)."""
    limit: int = settings.API_MAX_BODY_BYTES
    django_limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit if django_limit is None else min(limit, django_limit)


def too_large() -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than {body_limit()} bytes.")


def error_body(
    status_code: int, message: str, errors: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status_code, "message": message}
    if errors:
        body["errors"] = dict(errors)
    return body


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"candidate.email": ["…"]}."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = (prefix.rstrip(".") or "body") if key == "non_field_errors" else f"{prefix}{key}"
            flat.update(_flatten(value, f"{name}."))
        return flat
    name = prefix.rstrip(".") or "body"
    if isinstance(detail, list):
        if detail and all(not isinstance(item, (list, Mapping)) for item in detail):
            return {name: [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flatten(item, f"{name}.{index}."))
        return flat
    return {name: [str(detail)]}


def exception_handler(error: Exception, context: dict[str, Any]) -> Response:
    if isinstance(error, Http404):
        error = exceptions.NotFound()
    if isinstance(error, RequestDataTooBig):
        # Raised by Django when DRF reads a body above DATA_UPLOAD_MAX_MEMORY_SIZE.
        error = too_large()
    if isinstance(error, exceptions.ValidationError):
        errors = _flatten(error.detail)
        fields = ", ".join(errors)
        return Response(
            error_body(422, f"The request has errors in: {fields}.", errors),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    response = drf_exception_handler(error, context)
    if response is None or not isinstance(error, exceptions.APIException):
        logger.error(
            "Unhandled error in %s", context.get("view").__class__.__name__, exc_info=error
        )
        return Response(
            error_body(500, "Something went wrong on our side; it has been logged."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    message = MESSAGES.get(type(error)) or _message_of(error)
    response.data = error_body(response.status_code, message)
    return response


def _message_of(error: exceptions.APIException) -> str:
    detail = error.detail
    if isinstance(detail, list):
        return " ".join(str(item) for item in detail)
    if isinstance(detail, Mapping):
        return " ".join(str(item) for item in detail.values())
    return str(detail)


class UnacceptableBody(exceptions.ParseError):
    """JSON that parses but that we cannot process or store; answered 400 with the reason."""


class LimitedJSONParser(JSONParser):
    """JSONParser that refuses bodies over API_MAX_BODY_BYTES before and while reading them, and
    bodies that would break what reads or stores them (deep nesting, NUL, lone surrogates)."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = body_limit()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise too_large()
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise too_large()
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise UnacceptableBody(
                f"The request body is nested more than {MAX_NESTING} levels deep."
            ) from None
        problem = unacceptable_json(data)
        if problem:
            raise UnacceptableBody(problem)
        return data


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(404, f"There is nothing at {request.path}."), status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            error_body(500, "Something went wrong on our side; it has been logged."), status=500
        )
    return render(request, "500.html", status=500)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 handler; a body above DATA_UPLOAD_MAX_MEMORY_SIZE, read outside DRF (a form,
    the CSRF check), reaches it too and is answered 413."""
    if isinstance(exception, RequestDataTooBig):
        if _wants_json(request):
            return JsonResponse(error_body(413, str(too_large().detail)), status=413)
        return render(request, "413.html", status=413)
    if _wants_json(request):
        return JsonResponse(error_body(400, "The request could not be understood."), status=400)
    return render(request, "400.html", status=400)
