"""A sandbox ATS's calls to the platform, handed to the platform's own request handler.

The request is the one the ATS sends over HTTP (method, path, query, its headers and body bytes
as given), run through every middleware and view in this process: no loopback connection that
would wait for a free web worker while this one waits for it. Only this platform
(PUBLIC_BASE_URL) is called, never another host.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpResponse

from sandbox.calls import PlatformAnswer, PlatformRefused, read_answer


@cache
def _handler() -> WSGIHandler:
    return WSGIHandler()


class InProcessPlatform:
    """`sandbox.calls.Platform` for this platform, called in this process, under the host and
    scheme of the page that makes the call (a host this platform answers)."""

    def __init__(self, host: str, scheme: str) -> None:
        self.host = host
        self.scheme = scheme

    def send(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes
    ) -> PlatformAnswer:
        public = urlsplit(str(settings.PUBLIC_BASE_URL))
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (public.scheme, public.netloc):
            raise PlatformRefused(
                f"The sandbox calls only this platform ({settings.PUBLIC_BASE_URL}); "
                f"the base URL {parts.scheme}://{parts.netloc} is another."
            )
        host, _, port = self.host.partition(":")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method.upper(),
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": host,
            "SERVER_PORT": port or ("443" if self.scheme == "https" else "80"),
            "HTTP_HOST": self.host,
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": self.scheme,
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
        # The handler's own response, not its WSGI call: that would send the request-finished
        # signal, which closes the database connection this outer request is still using.
        response = _handler().get_response(WSGIRequest(environ))
        content = response.content if isinstance(response, HttpResponse) else b""
        return read_answer(response.status_code, content)
