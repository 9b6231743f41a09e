"""A sandbox ATS's calls to the platform, handed to the platform's own request handler.

The request is the one the ATS sends over HTTP (method, path, query, Authorization, JSON body),
run through every middleware and view in this process: no loopback connection that would wait
for a free web worker while this one waits for it. Only this platform (PUBLIC_BASE_URL) is
called, never another host.
"""

from __future__ import annotations

import io
import json
import sys
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpResponse

from sandbox.calls import PlatformAnswer, PlatformRefused


@cache
def _handler() -> WSGIHandler:
    return WSGIHandler()


class InProcessPlatform:
    """`sandbox.calls.Platform` for this platform, called in this process, under the host and
    scheme of the page that makes the call (a host this platform answers)."""

    def __init__(self, host: str, scheme: str) -> None:
        self.host = host
        self.scheme = scheme

    def call(self, method: str, url: str, *, token: str, body: Any = None) -> PlatformAnswer:
        public = urlsplit(str(settings.PUBLIC_BASE_URL))
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (public.scheme, public.netloc):
            raise PlatformRefused(
                f"The sandbox calls only this platform ({settings.PUBLIC_BASE_URL}); "
                f"the base URL {parts.scheme}://{parts.netloc} is another."
            )
        payload = b"" if body is None else json.dumps(body).encode()
        host, _, port = self.host.partition(":")
        environ = {
            "REQUEST_METHOD": method.upper(),
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": host,
            "SERVER_PORT": port or ("443" if self.scheme == "https" else "80"),
            "HTTP_HOST": self.host,
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "HTTP_ACCEPT": "application/json",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(payload)),
            "wsgi.input": io.BytesIO(payload),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": self.scheme,
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        # The handler's own response, not its WSGI call: that would send the request-finished
        # signal, which closes the database connection this outer request is still using.
        response = _handler().get_response(WSGIRequest(environ))
        content = response.content if isinstance(response, HttpResponse) else b""
        try:
            data = json.loads(content) if content else None
        except ValueError:
            data = None
        return PlatformAnswer(response.status_code, data)
