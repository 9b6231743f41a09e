"""The stand-in Greenhouse (`greenhouse.sandbox`) served over HTTP on 127.0.0.1 for tests.

pytest-httpserver answers every request through one handler that turns the werkzeug request
into a `SandboxRequest`; the token endpoint is at `/token` and Harvest at `/v3`, on one port.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from greenhouse.sandbox.harvest import Harvest
from sandbox.wire import SandboxRequest


@dataclass
class HarvestServer:
    server: HTTPServer
    harvest: Harvest

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base}/v3"

    @property
    def token_url(self) -> str:
        return f"{self.base}/token"

    def handle(self, request: Request) -> Response:
        answer = self.harvest.handle(
            SandboxRequest.build(
                request.method,
                request.path,
                query_string=request.query_string.decode(),
                headers=dict(request.headers),
                body=request.get_data(),
                origin=self.base,
            )
        )
        if answer.delay:
            time.sleep(answer.delay)
        return Response(answer.content(), status=answer.status, headers=answer.headers)


@contextlib.contextmanager
def harvest_server(**options: Any) -> Iterator[HarvestServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    standin = HarvestServer(server, Harvest(remember_issued_tokens=True, **options))
    for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
        server.expect_request(re.compile(".*"), method=method).respond_with_handler(standin.handle)
    server.start()
    try:
        yield standin
    finally:
        server.clear()
        if server.is_running():
            server.stop()
