"""A stand-in Workable for the delivery benchmarks, in its own process on 127.0.0.1.

Usage: `python -m bench.delivery.standin --port P [--limit 10 --window 10] [--fail-500 0.1]
[--fail-429 0.05]`

Its own process so that its CPU is not taken from, nor its GIL shared with, whatever it measures
(the plain loop in the benchmark process, or the Celery workers). It answers the results callback
(`PUT /cb/...`) and the SPI v3 calls a completed result causes (find the candidate, post the
timeline note), optionally enforces Workable's limit per token (429 with Retry-After past
`limit` requests in any `window` seconds), optionally fails at random, and logs every request:
`GET /__bench/arrivals` returns them, `POST /__bench/reset` forgets them.

It is served by one gunicorn process with a pool of threads (`gthread`), which keeps connections
alive as Workable does: werkzeug's development server closed every connection after one answer
and started a thread per connection, so each request cost a new TCP connection and the stand-in
about twice the CPU, taken from the two cores the benchmarks measure. One process, so that its
arrivals and limits are one record.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from werkzeug import Request, Response


class StandIn:
    def __init__(self, limit: int, window: float, fail_500: float, fail_429: float) -> None:
        self.limit = limit
        self.window = window
        self.fail_500 = fail_500
        self.fail_429 = fail_429
        self.lock = threading.Lock()
        self.arrivals: list[dict[str, Any]] = []
        self.recent: dict[str, deque[float]] = defaultdict(deque)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.answer(request)(environ, start_response)

    def answer(self, request: Request) -> Response:
        if request.path.startswith("/__bench/"):
            return self.control(request)
        now = time.time()
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        status, retry_after = self.verdict(token, now)
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = None
        with self.lock:
            self.arrivals.append(
                {
                    "at": now,
                    "method": request.method,
                    "path": request.path,
                    "token": token,
                    "status": status,
                    # What a results callback reported (pending, completed, ...).
                    "reported": body.get("status") if isinstance(body, dict) else None,
                }
            )
        if status == 429:
            return reply({"error": "Too many requests"}, 429, {"Retry-After": retry_after})
        if status == 500:
            return reply({"error": "Internal error"}, 500)
        if request.method == "GET" and request.path.endswith("/candidates"):
            email, shortcode = request.args.get("email", ""), request.args.get("shortcode", "")
            hit = {"id": f"cand-{email}", "email": email, "job": {"shortcode": shortcode}}
            return reply({"candidates": [hit]})
        if request.path.endswith("/comments"):
            return reply({"id": "comment-1"}, 201)
        return reply({})

    def verdict(self, token: str, now: float) -> tuple[int, str]:
        """The status this request gets and a Retry-After: a 429 past the limit, then chance."""
        if self.limit:
            with self.lock:
                recent = self.recent[token]
                while recent and recent[0] <= now - self.window:
                    recent.popleft()
                if len(recent) >= self.limit:
                    return 429, str(max(1, round(recent[0] + self.window - now + 0.5)))
                recent.append(now)
        draw = random.random()  # noqa: S311 (fault injection, not security)
        if draw < self.fail_500:
            return 500, ""
        if draw < self.fail_500 + self.fail_429:
            return 429, "1"
        return 200, ""

    def control(self, request: Request) -> Response:
        if request.path == "/__bench/arrivals":
            with self.lock:
                return reply(list(self.arrivals))
        if request.path == "/__bench/reset" and request.method == "POST":
            with self.lock:
                self.arrivals.clear()
                self.recent.clear()
            return reply({})
        return reply({"error": "unknown"}, 404)


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


class Server(BaseApplication):
    """gunicorn serving a stand-in (a WSGI application): one process, a pool of threads,
    keep-alive connections."""

    def __init__(self, app: Callable[..., Any], port: int) -> None:
        self.app = app
        self.port = port
        super().__init__()

    def load_config(self) -> None:
        settings = {
            "bind": f"127.0.0.1:{self.port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": 16,
            "keepalive": 5,
            "graceful_timeout": 1,
            "loglevel": "warning",
            # Nothing manages it at run time; the control socket's path is shared per user.
            "control_socket_disable": True,
        }
        for name, value in settings.items():
            self.cfg.set(name, value)

    def load(self) -> Callable[..., Any]:
        return self.app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--limit", type=int, default=0, help="requests per window and token")
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--fail-500", type=float, default=0.0)
    parser.add_argument("--fail-429", type=float, default=0.0)
    arguments = parser.parse_args()
    app = StandIn(arguments.limit, arguments.window, arguments.fail_500, arguments.fail_429)
    Server(app, arguments.port).run()


if __name__ == "__main__":
    main()
