"""A stand-in Greenhouse for bench/tenants: the sandbox's Harvest emulator in its own process.

Usage: `python -m bench.tenants.harvest --port P [--limit 50 --window 30]`

The token endpoint and the Harvest v3 paths are `greenhouse.sandbox.harvest.Harvest`'s own,
answered as the sandbox answers them: each Client ID's fixed windows of `limit` requests per
`window` seconds, 429 with `Retry-After` past them. Only its store differs: `InPlaceStore`
changes the organisation in place under one lock, because the sandbox's `MemoryStore` copies the
whole organisation on every request, which with thousands of applications would make the stand-in
the bottleneck of what it measures. Served as the stand-in Workable is (one gunicorn process with
threads and keep-alive), so that the arrivals and windows are one record.

Control paths: `POST /__bench/organisation` adds an acting Site Admin, one job, the status field,
API clients and applications and returns their ids; `GET /__bench/arrivals` returns every request
since the last `POST /__bench/reset`, which also starts every client's window afresh.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import json
import threading
from collections.abc import Iterator
from typing import Any

from werkzeug import Request, Response

from bench.delivery.standin import Server, reply
from greenhouse.sandbox.harvest import Harvest
from sandbox.store import State
from sandbox.wire import SandboxRequest

JOB_STAGE = "Harver Assessment"
STATUS_FIELD = "harver_status"


class InPlaceStore:
    """The organisation in this process's memory, changed in place under one lock.

    A change that raises keeps what it changed so far, unlike `MemoryStore`; the emulator only
    raises on a programming error, which fails the benchmark anyway.
    """

    def __init__(self) -> None:
        self._state: State = {}
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def change(self) -> Iterator[State]:
        with self._lock:
            yield self._state

    def read(self) -> State:
        with self._lock:
            return copy.deepcopy(self._state)


class HarvestStandIn:
    """The WSGI application: Harvest's answers, and the benchmark's control paths."""

    def __init__(self, limit: int, window: float) -> None:
        self.store = InPlaceStore()
        self.harvest = Harvest(self.store, rate_limit=limit, rate_window=window)
        # Every arrival of the run, not the emulator's last few thousand.
        self.harvest.arrivals = collections.deque()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path.startswith("/__bench/"):
            return self.control(request)(environ, start_response)
        answer = self.harvest.handle(
            SandboxRequest.build(
                request.method,
                request.path,
                query_string=request.query_string.decode(),
                headers=dict(request.headers),
                body=request.get_data(),
                origin=request.host_url.rstrip("/"),
            )
        )
        response = Response(answer.content(), status=answer.status, headers=answer.headers)
        return response(environ, start_response)

    def control(self, request: Request) -> Response:
        if request.path == "/__bench/arrivals":
            return reply([shown(arrival) for arrival in self.harvest.requests()])
        if request.path == "/__bench/reset" and request.method == "POST":
            self.harvest.arrivals = collections.deque()
            with self.store.change() as state:
                state.pop("windows", None)
            return reply({})
        if request.path == "/__bench/organisation" and request.method == "POST":
            return reply(self.organise(json.loads(request.get_data())))
        return reply({"error": "unknown"}, 404)

    def organise(self, wanted: dict[str, Any]) -> dict[str, Any]:
        """Clients (`[client_id, secret]` pairs) and `applications` new applications, on one job
        and under one acting Site Admin; returns the user's id and `[candidate, application]`."""
        if not self.harvest.users:
            self.harvest.add_user()
            self.harvest.add_custom_field(
                STATUS_FIELD, field_type="application", value_type="short_text"
            )
            self.harvest.add_job("Store Associate", [JOB_STAGE])
        user_id = min(self.harvest.users)
        job_id = min(self.harvest.jobs)
        for client_id, secret in wanted.get("clients", []):
            self.harvest.add_client(client_id, secret)
        applications = []
        for number in range(int(wanted.get("applications", 0))):
            candidate = self.harvest.add_candidate(
                emails=[(f"gh-{number}@example.com", "personal")]
            )
            application = self.harvest.add_application(candidate["id"], job_id, JOB_STAGE)
            applications.append([candidate["id"], application["id"]])
        return {"user_id": user_id, "job_id": job_id, "applications": applications}


def shown(arrival: Any) -> dict[str, Any]:
    """An arrival as bench/tenants reads it: `token` is the Client ID, `candidate` a note's."""
    body = arrival.body if isinstance(arrival.body, dict) else {}
    return {
        "at": arrival.at,
        "method": arrival.method,
        "path": arrival.path,
        "token": arrival.client_id,
        "status": arrival.status,
        "candidate": body.get("candidate_id"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--limit", type=int, default=50, help="requests per window and client")
    parser.add_argument("--window", type=float, default=30.0)
    arguments = parser.parse_args()
    Server(HarvestStandIn(arguments.limit, arguments.window), arguments.port).run()


if __name__ == "__main__":
    main()
