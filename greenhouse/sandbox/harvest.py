"""Harvest v3 as the platform uses it, behind one `handle(request)`, over a `sandbox.store` Store.

The token endpoint checks HTTP Basic client credentials (401) and the grant type (400), records
the acting user (`sub`) and issues short-lived opaque tokens with `expires_at`, each voiding the
client's previous one. The v3 paths serve the records the platform reads and takes the writes
it makes, enforcing what Harvest enforces as far as the platform relies on it: a live Bearer
token (401), the credential's scopes and a Site Admin `sub` (403), `ids=` of at most 50, cursor
paging through `Link: <…>; rel="next"` with `per_page` 1 to 500 and a cursor that travels alone
(422), `X-RateLimit-*` headers and 429 with `Retry-After` per client in fixed windows. Every
write (a note, a custom field value) and every stage move lands on the candidate's timeline.

The organisation (its records, API clients, issued tokens, rate windows, cursors, web hooks and
timelines) is the store's: in memory for a test, a JSON file for the platform's sandbox. Client
secrets and access tokens are kept as their SHA-256 only. What a test scripts and inspects (the
faults to answer, a note to time out, the log of requests, the tokens issued when asked to
remember them) lives in this process alone.
"""

from __future__ import annotations

import base64
import binascii
import collections
import datetime
import hashlib
import hmac
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from greenhouse.unconfirmed import SCOPES
from sandbox.store import MemoryStore, State, Store
from sandbox.wire import Answer, SandboxRequest

V3 = "/v3/"
GRANT_PATH = "/token"
MAX_IDS = 50
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 500
FIRST_ID = 1001
CURSORS_KEPT = 200  # the newest cursors; an older one is answered as not valid
ARRIVALS_KEPT = 10_000
DEFAULT_NAME = "Sandbox organisation"
TABLES = (
    "users",
    "jobs",
    "job_interview_stages",
    "candidates",
    "applications",
    "application_stages",
    "custom_fields",
    "custom_field_options",
    "notes",
)
Record = dict[str, Any]


@dataclass(frozen=True)
class Arrival:
    at: float
    method: str
    path: str
    query: Mapping[str, list[str]]
    client_id: str
    sub: str
    body: Any
    status: int


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    body: Any


def _error(status: int, message: str, field_name: str = "") -> Answer:
    errors = [{"message": message, "field": field_name}] if field_name else []
    return Answer(status, {"message": message, "errors": errors})


def _iso(moment: float) -> str:
    return (
        datetime.datetime.fromtimestamp(moment, tz=datetime.UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _copy(record: Record) -> Record:
    copied: Record = json.loads(json.dumps(record))
    return copied


def _table(state: State, name: str) -> dict[str, Record]:
    table: dict[str, Record] = state.setdefault(name, {})
    return table


def _next_id(state: State) -> int:
    state["sequence"] = int(state.get("sequence", FIRST_ID - 1)) + 1
    return int(state["sequence"])


class Harvest:
    """One Greenhouse organisation: its API clients, users, jobs, candidates and notes."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        token_lifetime: float = 3600.0,
        rate_limit: int = 50,
        rate_window: float = 30.0,
        clock: Callable[[], float] = time.time,
        remember_issued_tokens: bool = False,
    ) -> None:
        self.store: Store = MemoryStore() if store is None else store
        self.token_lifetime = token_lifetime
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.clock = clock
        self.arrivals: collections.deque[Arrival] = collections.deque(maxlen=ARRIVALS_KEPT)
        self.faults: list[Fault] = []
        self.time_out_next_note: float = 0.0
        # The access tokens issued as they were sent, for a test that looks for them in logs.
        self.issued_tokens: list[str] | None = [] if remember_issued_tokens else None
        self._instruments = threading.Lock()

    # --- Reading the organisation ---------------------------------------------------------------

    def records(self, table: str) -> dict[int, Record]:
        """A copy of one table (`TABLES`), by id."""
        return {int(key): value for key, value in _table(self.store.read(), table).items()}

    @property
    def users(self) -> dict[int, Record]:
        return self.records("users")

    @property
    def jobs(self) -> dict[int, Record]:
        return self.records("jobs")

    @property
    def job_interview_stages(self) -> dict[int, Record]:
        return self.records("job_interview_stages")

    @property
    def candidates(self) -> dict[int, Record]:
        return self.records("candidates")

    @property
    def applications(self) -> dict[int, Record]:
        return self.records("applications")

    @property
    def custom_fields(self) -> dict[int, Record]:
        return self.records("custom_fields")

    @property
    def custom_field_options(self) -> dict[int, Record]:
        return self.records("custom_field_options")

    @property
    def notes(self) -> dict[int, Record]:
        return self.records("notes")

    def token(self, value: str) -> Record | None:
        """The live token issued as `value` (its client_id, sub, expires_at), or None."""
        found = _table(self.store.read(), "tokens").get(_sha256(value))
        return dict(found) if found else None

    def clients(self) -> list[Record]:
        """The API credentials (client id, label, scopes; never the secret)."""
        return [
            {key: value for key, value in client.items() if key != "secret_sha256"}
            for client in _table(self.store.read(), "clients").values()
        ]

    def timeline(self, candidate_id: int) -> list[Record]:
        """What happened to the candidate, oldest first: stage moves, web hooks, notes, fields."""
        timelines: dict[str, list[Record]] = self.store.read().get("timelines", {})
        return list(timelines.get(str(candidate_id), []))

    def web_hooks(self) -> list[Record]:
        return list(_table(self.store.read(), "web_hooks").values())

    def name(self) -> str:
        return str(self.store.read().get("name") or DEFAULT_NAME)

    # --- Setting the organisation up ------------------------------------------------------------

    def rename(self, name: str) -> None:
        with self.store.change() as state:
            state["name"] = name

    def add_client(
        self,
        client_id: str,
        client_secret: str,
        scopes: Iterable[str] = SCOPES,
        *,
        label: str = "",
    ) -> Record:
        """A Harvest v3 API credential; another with the same Client ID replaces it."""
        client = {
            "client_id": client_id,
            "label": label or client_id,
            "scopes": sorted(set(scopes)),
            "secret_sha256": _sha256(client_secret),
        }
        with self.store.change() as state:
            _table(state, "clients")[client_id] = client
        return {key: value for key, value in client.items() if key != "secret_sha256"}

    def add_user(
        self,
        name: str = "Harver Integration",
        *,
        site_admin: bool = True,
        deactivated: bool = False,
        email: str = "",
    ) -> Record:
        first, _, last = name.partition(" ")
        with self.store.change() as state:
            user_id = _next_id(state)
            user = {
                "id": user_id,
                "name": name,
                "first_name": first,
                "last_name": last,
                "primary_email": email or f"user{user_id}@example.com",
                "site_admin": site_admin,
                "deactivated": deactivated,
            }
            _table(state, "users")[str(user_id)] = user
            return _copy(user)

    def add_job(self, name: str, stages: Iterable[str] = (), *, status: str = "open") -> Record:
        with self.store.change() as state:
            job: Record = {
                "id": _next_id(state),
                "name": name,
                "requisition_id": None,
                "status": status,
            }
            _table(state, "jobs")[str(job["id"])] = job
            for order, stage_name in enumerate(stages):
                stage_id = _next_id(state)
                _table(state, "job_interview_stages")[str(stage_id)] = {
                    "id": stage_id,
                    "job_id": job["id"],
                    "name": stage_name,
                    "sort_order": order,
                    "active": True,
                }
            return _copy(job)

    def stage(self, job_id: int, name: str) -> Record:
        return self._stage(self.store.read(), job_id, name)

    def job_stages(self, job_id: int) -> list[Record]:
        """The job's stages in their order."""
        stages = _table(self.store.read(), "job_interview_stages").values()
        return sorted(
            (stage for stage in stages if stage["job_id"] == job_id),
            key=lambda stage: int(stage["sort_order"]),
        )

    @staticmethod
    def _stage(state: State, job_id: int, name: str) -> Record:
        for stage in _table(state, "job_interview_stages").values():
            if stage["job_id"] == job_id and stage["name"] == name:
                return stage
        raise KeyError(f"job {job_id} has no stage {name!r}")

    def add_custom_field(
        self,
        name_key: str,
        *,
        field_type: str = "candidate",
        value_type: str = "number",
        options: Iterable[str] = (),
        active: bool = True,
        name: str = "",
    ) -> Record:
        with self.store.change() as state:
            custom_field: Record = {
                "id": _next_id(state),
                "name": name or name_key.replace("_", " ").title(),
                "name_key": name_key,
                "field_type": field_type,
                "value_type": value_type,
                "active": active,
                "private": False,
            }
            _table(state, "custom_fields")[str(custom_field["id"])] = custom_field
            for option in options:
                option_id = _next_id(state)
                _table(state, "custom_field_options")[str(option_id)] = {
                    "id": option_id,
                    "custom_field_id": custom_field["id"],
                    "name": option,
                    "active": True,
                }
            return _copy(custom_field)

    def add_candidate(
        self,
        first_name: str = "Giuseppe",
        last_name: str = "Hurley",
        *,
        emails: Iterable[tuple[str, str]] = (),
        can_email: bool = True,
        private: bool = False,
    ) -> Record:
        with self.store.change() as state:
            candidate: Record = {
                "id": _next_id(state),
                "first_name": first_name,
                "last_name": last_name,
                "email_addresses": [{"value": value, "type": kind} for value, kind in emails],
                "phone_numbers": [{"value": "330-281-8004", "type": "home"}],
                "can_email": can_email,
                "private": private,
                "custom_fields": {},
            }
            _table(state, "candidates")[str(candidate["id"])] = candidate
            return _copy(candidate)

    def add_application(
        self, candidate_id: int, job_id: int, stage_name: str, *, prospect: bool = False
    ) -> Record:
        with self.store.change() as state:
            application: Record = {
                "id": _next_id(state),
                "candidate_id": candidate_id,
                "job_id": job_id,
                "status": "in_process",
                "prospect": prospect,
                "stage_id": None,
                "stage_name": "",
                "custom_fields": {},
            }
            _table(state, "applications")[str(application["id"])] = application
            self._move(state, application["id"], stage_name)
            return _copy(application)

    def move(self, application_id: int, stage_name: str) -> Record:
        """The application enters `stage_name` of its job (and leaves the current stage)."""
        with self.store.change() as state:
            return _copy(self._move(state, application_id, stage_name))

    def _move(self, state: State, application_id: int, stage_name: str) -> Record:
        application = _table(state, "applications")[str(application_id)]
        stage = self._stage(state, application["job_id"], stage_name)
        now = _iso(self.clock())
        rows = _table(state, "application_stages")
        for row in rows.values():
            if row["application_id"] == application_id and row["exited_at"] is None:
                row["exited_at"] = now
        row_id = _next_id(state)
        rows[str(row_id)] = {
            "id": row_id,
            "application_id": application_id,
            "job_interview_stage_id": stage["id"],
            "entered_at": now,
            "exited_at": None,
        }
        application["stage_id"] = row_id
        application["stage_name"] = stage["name"]
        self._record(
            state,
            application["candidate_id"],
            {"kind": "stage", "title": f"Moved to {stage['name']}"},
            application_id=application_id,
        )
        return stage

    def update(self, table: str, record_id: int, **changes: Any) -> Record:
        """Change fields of one record of `table` (`TABLES`), as an admin would in Greenhouse."""
        with self.store.change() as state:
            record = _table(state, table)[str(record_id)]
            record.update(changes)
            return _copy(record)

    def add_web_hook(self, name: str, endpoint_url: str, *, secret_key: str, event: str) -> Record:
        """A web hook of the organisation; `secret_key` as the caller wants it kept."""
        with self.store.change() as state:
            web_hook = {
                "id": _next_id(state),
                "name": name,
                "endpoint_url": endpoint_url,
                "secret_key": secret_key,
                "event": event,
            }
            _table(state, "web_hooks")[str(web_hook["id"])] = web_hook
            return dict(web_hook)

    def remove_web_hooks(self, name: str) -> None:
        """Remove every web hook called `name` (a renewed set-up replaces its own)."""
        with self.store.change() as state:
            web_hooks = _table(state, "web_hooks")
            for key in [key for key, item in web_hooks.items() if item["name"] == name]:
                del web_hooks[key]

    def record(
        self, candidate_id: int, entry: Record, *, application_id: int | None = None
    ) -> None:
        """Add `entry` (kind, title and what it shows) to the candidate's timeline."""
        with self.store.change() as state:
            self._record(state, candidate_id, entry, application_id=application_id)

    def _record(
        self, state: State, candidate_id: int, entry: Record, *, application_id: int | None
    ) -> None:
        timelines: dict[str, list[Record]] = state.setdefault("timelines", {})
        timelines.setdefault(str(candidate_id), []).append(
            {"at": _iso(self.clock()), "application_id": application_id, **entry}
        )

    def fail(
        self,
        path: str,
        status: int,
        *,
        method: str = "",
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """The next `times` requests whose path matches `path` (a regex) answer `status`."""
        with self._instruments:
            self.faults.append(
                Fault(
                    method.upper(),
                    re.compile(path),
                    status,
                    times,
                    dict(headers or {}),
                    body if body is not None else {"message": f"Scripted HTTP {status}."},
                )
            )

    def expire_tokens(self) -> None:
        """Every issued token stops working now (as when they all reach their expiry)."""
        with self.store.change() as state:
            for token in _table(state, "tokens").values():
                token["expires_at"] = min(float(token["expires_at"]), self.clock())

    # --- What a webhook would carry -------------------------------------------------------------

    def stage_change_payload(self, application_id: int) -> Record:
        """The `candidate_stage_change` body for the application's current stage."""
        state = self.store.read()
        application = _table(state, "applications")[str(application_id)]
        candidate = _table(state, "candidates")[str(application["candidate_id"])]
        job = _table(state, "jobs")[str(application["job_id"])]
        current = _table(state, "application_stages")[str(application["stage_id"])]
        stage = _table(state, "job_interview_stages")[str(current["job_interview_stage_id"])]
        status = "active" if application["status"] == "in_process" else application["status"]
        return {
            "action": "candidate_stage_change",
            "payload": {
                "application": {
                    "id": application["id"],
                    "status": status,
                    "prospect": application["prospect"],
                    "applied_at": current["entered_at"],
                    "current_stage": {"id": stage["id"], "name": stage["name"], "interviews": []},
                    "candidate": {
                        "id": candidate["id"],
                        "first_name": candidate["first_name"],
                        "last_name": candidate["last_name"],
                        "can_email": candidate["can_email"],
                        "is_private": candidate["private"],
                        "email_addresses": list(candidate["email_addresses"]),
                        "phone_numbers": list(candidate["phone_numbers"]),
                        "tags": [],
                    },
                    "jobs": [
                        {
                            "id": job["id"],
                            "name": job["name"],
                            "requisition_id": job["requisition_id"],
                            "custom_fields": {},
                        }
                    ],
                }
            },
        }

    # --- Reading what happened ------------------------------------------------------------------

    def requests(
        self, *, method: str | None = None, path: str | None = None, client_id: str | None = None
    ) -> list[Arrival]:
        with self._instruments:
            return [
                arrival
                for arrival in self.arrivals
                if (method is None or arrival.method == method)
                and (path is None or re.search(path, arrival.path))
                and (client_id is None or arrival.client_id == client_id)
            ]

    # --- Serving --------------------------------------------------------------------------------

    def handle(self, request: SandboxRequest) -> Answer:
        with self.store.change() as state:
            client_id, sub, answer = self._answer(state, request)
        try:
            body = json.loads(request.body) if request.body else None
        except ValueError:
            body = request.body.decode(errors="replace")
        if request.path == GRANT_PATH:
            body = None  # the form carries the grant only; credentials are in the header
        arrival = Arrival(
            self.clock(),
            request.method,
            request.path,
            request.query,
            client_id,
            sub,
            body,
            answer.status,
        )
        with self._instruments:
            self.arrivals.append(arrival)
        answer.headers.setdefault("Content-Type", "application/json")
        return answer

    def _answer(self, state: State, request: SandboxRequest) -> tuple[str, str, Answer]:
        if request.path == GRANT_PATH:
            client_id, answer = self._token(state, request)
            return client_id, "", answer
        if not request.path.startswith(V3):
            return "", "", _error(404, f"No such path: {request.path}.")
        token = self._bearer(state, request)
        if token is None:
            return "", "", _error(401, "Access token missing, expired or invalid.")
        client_id, sub = str(token["client_id"]), str(token["sub"])
        window_headers, limited = self._rate(state, client_id)
        if limited is not None:
            limited.headers.update(window_headers)
            return client_id, sub, limited
        fault = self._fault(request)
        answer = fault or self._route(state, request, client_id, sub)
        answer.headers.update(window_headers)
        return client_id, sub, answer

    def _fault(self, request: SandboxRequest) -> Answer | None:
        with self._instruments:
            for fault in self.faults:
                if fault.times > 0 and fault.path.search(request.path):
                    if fault.method and fault.method != request.method:
                        continue
                    fault.times -= 1
                    return Answer(fault.status, fault.body, dict(fault.headers))
        return None

    # --- The token endpoint ---------------------------------------------------------------------

    def _token(self, state: State, request: SandboxRequest) -> tuple[str, Answer]:
        if request.method != "POST":
            return "", Answer(405, {"error": "method_not_allowed"})
        client_id = self._basic_client(state, request.headers.get("authorization", ""))
        if client_id is None:
            return "", Answer(401, {"error": "invalid_client"})
        form = parse_qs(request.body.decode(errors="replace"), keep_blank_values=True)
        if form.get("grant_type") != ["client_credentials"]:
            return client_id, Answer(400, {"error": "unsupported_grant_type"})
        sub = (form.get("sub") or [""])[0]
        tokens = _table(state, "tokens")
        # A new token voids the client's previous one: it is forgotten, so it is answered 401.
        for key in [key for key, issued in tokens.items() if issued["client_id"] == client_id]:
            del tokens[key]
        expires_at = self.clock() + self.token_lifetime
        value = f"ghtok_{secrets.token_urlsafe(24)}"
        tokens[_sha256(value)] = {"client_id": client_id, "sub": sub, "expires_at": expires_at}
        with self._instruments:
            if self.issued_tokens is not None:
                self.issued_tokens.append(value)
        return client_id, Answer(
            200, {"access_token": value, "token_type": "Bearer", "expires_at": _iso(expires_at)}
        )

    @staticmethod
    def _basic_client(state: State, authorization: str) -> str | None:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, _, client_secret = decoded.partition(":")
        client = _table(state, "clients").get(client_id)
        if client is None or not hmac.compare_digest(
            str(client["secret_sha256"]), _sha256(client_secret)
        ):
            return None
        return client_id

    def _bearer(self, state: State, request: SandboxRequest) -> Record | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = _table(state, "tokens").get(_sha256(value.strip()))
        if token is None or float(token["expires_at"]) <= self.clock():
            return None
        return token

    # --- The rate limit -------------------------------------------------------------------------

    def _rate(self, state: State, client_id: str) -> tuple[dict[str, str], Answer | None]:
        now = self.clock()
        windows: dict[str, list[float]] = state.setdefault("windows", {})
        started, count = windows.get(client_id) or (0.0, 0)
        if now >= started + self.rate_window:
            started, count = math.floor(now / self.rate_window) * self.rate_window, 0
        count += 1
        windows[client_id] = [started, count]
        reset = started + self.rate_window
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit - int(count))),
            "X-RateLimit-Reset": str(math.ceil(reset)),
        }
        if count > self.rate_limit:
            answer = _error(429, "Too many requests.")
            answer.headers["Retry-After"] = str(max(1, math.ceil(reset - now)))
            return headers, answer
        return headers, None

    # --- The v3 paths ---------------------------------------------------------------------------

    def _route(self, state: State, request: SandboxRequest, client_id: str, sub: str) -> Answer:
        parts = request.path[len(V3) :].strip("/").split("/")
        resource = parts[0]
        method = request.method

        def guarded(scope: str, serve: Callable[[], Answer]) -> Answer:
            client = _table(state, "clients").get(client_id)
            if client is None or scope not in client["scopes"]:
                return _error(403, f"The credential lacks the scope {scope}.")
            user = _table(state, "users").get(sub) if sub.isdigit() else None
            if user is None or not user["site_admin"] or user["deactivated"]:
                return _error(403, "The acting user must be an active Site Admin.")
            return serve()

        if method == "GET" and len(parts) == 1 and resource in TABLES:
            return guarded(f"harvest:{resource}:list", lambda: self._list(state, request))
        if method == "PATCH" and len(parts) == 2 and resource in ("candidates", "applications"):
            return guarded(
                f"harvest:{resource}:update",
                lambda: self._patch(state, resource, parts[1], request.body),
            )
        if method == "POST" and parts == ["notes"]:
            return guarded("harvest:notes:create", lambda: self._create_note(state, request.body))
        return _error(404, f"No such endpoint: {method} {request.path}.")

    def _list(self, state: State, request: SandboxRequest) -> Answer:
        resource = request.path[len(V3) :].strip("/")
        query = {key: values for key, values in request.query.items()}
        cursors: dict[str, Record] = state.setdefault("cursors", {})
        if "cursor" in query:
            if len(query) != 1:
                return _error(422, "A cursor must be the only parameter.", "cursor")
            cursor = cursors.get(query["cursor"][0])
            if cursor is None or cursor["resource"] != resource:
                return _error(422, "The cursor is not valid.", "cursor")
        else:
            per_page_text = (query.pop("per_page", None) or [str(DEFAULT_PER_PAGE)])[0]
            if not per_page_text.isdigit() or not 1 <= int(per_page_text) <= MAX_PER_PAGE:
                return _error(422, f"per_page must be 1 to {MAX_PER_PAGE}.", "per_page")
            cursor = {
                "resource": resource,
                "filters": query,
                "offset": 0,
                "per_page": int(per_page_text),
            }
        records, problem = self._filtered(state, resource, cursor["filters"])
        if problem:
            return problem
        offset, per_page = int(cursor["offset"]), int(cursor["per_page"])
        page = records[offset : offset + per_page]
        headers = {}
        if offset + per_page < len(records):
            name = secrets.token_urlsafe(12)
            cursors[name] = {**cursor, "offset": offset + per_page}
            for stale in list(cursors)[:-CURSORS_KEPT]:
                del cursors[stale]
            link = f"{request.origin}{V3}{resource}?{urlencode({'cursor': name})}"
            headers["Link"] = f'<{link}>; rel="next"'
        return Answer(200, [self._shown(resource, record) for record in page], headers)

    @staticmethod
    def _shown(resource: str, record: Record) -> Record:
        shown = _copy(record)
        if resource == "notes":
            shown["visibility"] = _VISIBILITY_SHOWN[shown["visibility"]]
        return shown

    @staticmethod
    def _filtered(
        state: State, resource: str, filters: Mapping[str, list[str]]
    ) -> tuple[list[Record], Answer | None]:
        table = _table(state, resource)
        records = [table[key] for key in sorted(table, key=int)]
        id_filters = {
            "ids": "id",
            "job_ids": "job_id",
            "candidate_ids": "candidate_id",
            "application_ids": "application_id",
            "custom_field_ids": "custom_field_id",
            "user_ids": "user_id",
        }
        for name, values in filters.items():
            value = values[0] if values else ""
            if name in id_filters:
                wanted = [item for item in value.split(",") if item.strip()]
                if not all(item.strip().isdigit() for item in wanted):
                    return [], _error(422, f"{name} must be comma-separated ids.", name)
                if len(wanted) > MAX_IDS:
                    return [], _error(422, f"{name} takes at most {MAX_IDS} ids.", name)
                numbers = {int(item) for item in wanted}
                records = [r for r in records if r.get(id_filters[name]) in numbers]
            elif name == "status" and resource == "jobs":
                records = [r for r in records if r["status"] == value]
            elif name == "status" and resource == "applications":
                wanted_status = "in_process" if value == "active" else value
                records = [r for r in records if r["status"] == wanted_status]
            elif name == "active":
                wanted_active = value.lower() == "true"
                records = [r for r in records if r.get("active") == wanted_active]
            elif name == "field_type":
                records = [r for r in records if r.get("field_type") == value]
            elif name == "current" and resource == "application_stages":
                if value.lower() == "true":
                    records = [r for r in records if r["exited_at"] is None]
            else:
                return [], _error(422, f"Unknown parameter {name}.", name)
        return records, None

    def _patch(self, state: State, resource: str, record_id: str, raw: bytes) -> Answer:
        record = _table(state, resource).get(record_id) if record_id.isdigit() else None
        if record is None:
            return _error(404, f"No {resource[:-1]} {record_id}.")
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(400, "The body is not JSON.")
        items = body.get("custom_fields") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            return _error(422, "custom_fields must be a non-empty list.", "custom_fields")
        level = resource[:-1]
        fields = {
            f["name_key"]: f
            for f in _table(state, "custom_fields").values()
            if f["field_type"] == level and f["active"]
        }
        values = {}
        for item in items:
            key = item.get("name_key") if isinstance(item, dict) else None
            custom_field = fields.get(key) if isinstance(key, str) else None
            if custom_field is None:
                return _error(422, f"No {level} custom field {key!r}.", "name_key")
            problem = self._value_problem(state, custom_field, item.get("value"))
            if problem:
                return _error(422, problem, str(key))
            values[key] = item.get("value")
        record["custom_fields"].update(values)
        candidate_id = record["id"] if level == "candidate" else record["candidate_id"]
        for key, value in values.items():
            self._record(
                state,
                candidate_id,
                {
                    "kind": "field",
                    "title": f"{fields[key]['name']} set",
                    "text": self._value_shown(state, value),
                },
                application_id=None if level == "candidate" else record["id"],
            )
        return Answer(200, _copy(record))

    @staticmethod
    def _value_shown(state: State, value: Any) -> str:
        option = (
            _table(state, "custom_field_options").get(str(value))
            if isinstance(value, int)
            else None
        )
        return str(option["name"]) if option else str(value)

    @staticmethod
    def _value_problem(state: State, custom_field: Record, value: Any) -> str:
        kind = custom_field["value_type"]
        key = custom_field["name_key"]
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return f"{key} takes a number."
        if kind in ("short_text", "long_text", "url") and not isinstance(value, str):
            return f"{key} takes text."
        if kind == "short_text" and len(value) >= 255:
            return f"{key} takes fewer than 255 characters."
        if kind == "url" and not re.match(r"https?://[^/\s]+", value):
            return f"{key} takes an absolute URL."
        if kind == "single_select":
            options = {
                option["id"]
                for option in _table(state, "custom_field_options").values()
                if option["custom_field_id"] == custom_field["id"]
            }
            if value not in options:
                return f"{key} takes the id of one of its options."
        return ""

    def _create_note(self, state: State, raw: bytes) -> Answer:
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(400, "The body is not JSON.")
        if not isinstance(body, dict):
            return _error(422, "The body must be an object.")
        candidate_id = body.get("candidate_id")
        if not _is_id(candidate_id) or str(candidate_id) not in _table(state, "candidates"):
            return _error(422, "candidate_id names no candidate.", "candidate_id")
        application_id = body.get("application_id")
        if application_id is not None and (
            not _is_id(application_id) or str(application_id) not in _table(state, "applications")
        ):
            return _error(422, "application_id names no application.", "application_id")
        user = _table(state, "users").get(str(body.get("user_id")))
        if not _is_id(body.get("user_id")) or user is None:
            return _error(422, "user_id names no user.", "user_id")
        if body.get("visibility") not in _VISIBILITY_SHOWN:
            return _error(422, "visibility must be public, private or admin_only.", "visibility")
        text = body.get("body")
        if not isinstance(text, str) or not text.strip():
            return _error(422, "body is required.", "body")
        note: Record = {
            "id": _next_id(state),
            "candidate_id": candidate_id,
            "application_id": application_id,
            "user_id": body["user_id"],
            "body": text,
            "visibility": body["visibility"],
            "note_type": body.get("note_type", "NOTE"),
            "created_at": _iso(self.clock()),
        }
        _table(state, "notes")[str(note["id"])] = note
        self._record(
            state,
            int(body["candidate_id"]),
            {"kind": "note", "title": f"Note by {user['name']}", "text": text},
            application_id=application_id,
        )
        answer = Answer(201, self._shown("notes", note))
        with self._instruments:
            if self.time_out_next_note:
                answer.delay, self.time_out_next_note = self.time_out_next_note, 0.0
        return answer


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Notes are created with one word and read back with another.
_VISIBILITY_SHOWN = {
    "public": "publicly_visible",
    "private": "privately_visible",
    "admin_only": "admin_only_visible",
}
