"""A stand-in ATS's API served by a Django view: the request in, the stand-in's answer out."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sandbox.wire import Answer, SandboxRequest


def serve(
    request: HttpRequest, path: str, handle: Callable[[SandboxRequest], Answer]
) -> HttpResponse:
    """`handle` answers the request as it arrived (method, `path` below the stand-in's root,
    query, headers, body, and the scheme and host the caller used)."""
    answer = handle(
        SandboxRequest.build(
            request.method or "GET",
            path,
            query_string=request.META.get("QUERY_STRING", ""),
            headers=dict(request.headers.items()),
            body=request.body,
            origin=f"{request.scheme}://{request.get_host()}",
        )
    )
    response = HttpResponse(answer.content(), status=answer.status, content_type="application/json")
    for name, value in answer.headers.items():
        response[name] = value
    return response
