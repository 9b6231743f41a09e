"""Harvest v3 as the platform uses it, in memory, behind one `handle(request)`.

The token endpoint checks HTTP Basic client credentials (401) and the grant type (400), records
the acting user (`sub`) and issues short-lived opaque tokens with `expires_at`, each voiding the
client's previous one. The v3 paths serve the records the platform reads and takes the writes
it makes, enforcing what Harvest enforces as far as the platform relies on it: a live Bearer
token (401), the credential's scopes and a Site Admin `sub` (403), `ids=` of at most 50, cursor
paging through `Link: <…>; rel="next"` with `per_page` 1 to 500 and a cursor that travels alone
(422), `X-RateLimit-*` headers and 429 with `Retry-After` per client in fixed windows. Faults are
scripted: answer a status a number of times, or time out once after storing a note.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import itertools
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from greenhouse.unconfirmed import SCOPES

V3 = "/v3/"
GRANT_PATH = "/token"
MAX_IDS = 50
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class HarvestRequest:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # keys lower-case
    body: bytes
    # Scheme and host the client used, e.g. "http://127.0.0.1:5001": the base of `Link` URLs.
    origin: str

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        *,
        query_string: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        origin: str = "http://127.0.0.1",
    ) -> HarvestRequest:
        return cls(
            method=method.upper(),
            path=path,
            query=parse_qs(query_string, keep_blank_values=True),
            headers={key.lower(): value for key, value in (headers or {}).items()},
            body=body,
            origin=origin.rstrip("/"),
        )


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds the server waits before answering: longer than the client waits, a time-out.
    delay: float = 0.0

    def content(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


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
class ApiClient:
    client_id: str
    client_secret: str
    scopes: set[str]


@dataclass
class IssuedToken:
    value: str
    client_id: str
    sub: str
    expires_at: float
    void: bool = False


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    body: Any


@dataclass
class _Window:
    started: float
    count: int = 0


@dataclass
class _Cursor:
    resource: str
    filters: dict[str, list[str]]
    offset: int
    per_page: int


def _error(status: int, message: str, field_name: str = "") -> Answer:
    errors = [{"message": message, "field": field_name}] if field_name else []
    return Answer(status, {"message": message, "errors": errors})


def _iso(moment: float) -> str:
    return (
        datetime.datetime.fromtimestamp(moment, tz=datetime.UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


class Harvest:
    """One Greenhouse organisation: its API clients, users, jobs, candidates and notes."""

    def __init__(
        self,
        *,
        token_lifetime: float = 3600.0,
        rate_limit: int = 50,
        rate_window: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_lifetime = token_lifetime
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.clock = clock
        self.lock = threading.RLock()
        self.clients: dict[str, ApiClient] = {}
        self.tokens: dict[str, IssuedToken] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.jobs: dict[int, dict[str, Any]] = {}
        self.job_interview_stages: dict[int, dict[str, Any]] = {}
        self.candidates: dict[int, dict[str, Any]] = {}
        self.applications: dict[int, dict[str, Any]] = {}
        self.application_stages: dict[int, dict[str, Any]] = {}
        self.custom_fields: dict[int, dict[str, Any]] = {}
        self.custom_field_options: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, dict[str, Any]] = {}
        self.arrivals: list[Arrival] = []
        self.faults: list[Fault] = []
        self.time_out_next_note: float = 0.0
        self._windows: dict[str, _Window] = {}
        self._cursors: dict[str, _Cursor] = {}
        self._ids = itertools.count(1001)

    # --- Setting the organisation up ----------------------------------------------------------

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    def add_client(
        self, client_id: str, client_secret: str, scopes: Iterable[str] = SCOPES
    ) -> ApiClient:
        with self.lock:
            client = ApiClient(client_id, client_secret, set(scopes))
            self.clients[client_id] = client
            return client

    def add_user(
        self,
        name: str = "Harver Integration",
        *,
        site_admin: bool = True,
        deactivated: bool = False,
        email: str = "",
    ) -> dict[str, Any]:
        first, _, last = name.partition(" ")
        user_id = self.next_id()
        user = {
            "id": user_id,
            "name": name,
            "first_name": first,
            "last_name": last,
            "primary_email": email or f"user{user_id}@example.com",
            "site_admin": site_admin,
            "deactivated": deactivated,
        }
        with self.lock:
            self.users[user_id] = user
        return user

    def add_job(
        self, name: str, stages: Iterable[str] = (), *, status: str = "open"
    ) -> dict[str, Any]:
        with self.lock:
            job: dict[str, Any] = {
                "id": self.next_id(),
                "name": name,
                "requisition_id": None,
                "status": status,
            }
            self.jobs[job["id"]] = job
            for order, stage_name in enumerate(stages):
                stage_id = self.next_id()
                self.job_interview_stages[stage_id] = {
                    "id": stage_id,
                    "job_id": job["id"],
                    "name": stage_name,
                    "sort_order": order,
                    "active": True,
                }
            return job

    def stage(self, job_id: int, name: str) -> dict[str, Any]:
        with self.lock:
            for stage in self.job_interview_stages.values():
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
    ) -> dict[str, Any]:
        with self.lock:
            custom_field: dict[str, Any] = {
                "id": self.next_id(),
                "name": name or name_key.replace("_", " ").title(),
                "name_key": name_key,
                "field_type": field_type,
                "value_type": value_type,
                "active": active,
                "private": False,
            }
            self.custom_fields[custom_field["id"]] = custom_field
            for option in options:
                option_id = self.next_id()
                self.custom_field_options[option_id] = {
                    "id": option_id,
                    "custom_field_id": custom_field["id"],
                    "name": option,
                    "active": True,
                }
            return custom_field

    def add_candidate(
        self,
        first_name: str = "Giuseppe",
        last_name: str = "Hurley",
        *,
        emails: Iterable[tuple[str, str]] = (),
        can_email: bool = True,
        private: bool = False,
    ) -> dict[str, Any]:
        with self.lock:
            candidate: dict[str, Any] = {
                "id": self.next_id(),
                "first_name": first_name,
                "last_name": last_name,
                "email_addresses": [{"value": value, "type": kind} for value, kind in emails],
                "phone_numbers": [{"value": "330-281-8004", "type": "home"}],
                "can_email": can_email,
                "private": private,
                "custom_fields": {},
            }
            self.candidates[candidate["id"]] = candidate
            return candidate

    def add_application(
        self, candidate_id: int, job_id: int, stage_name: str, *, prospect: bool = False
    ) -> dict[str, Any]:
        with self.lock:
            application: dict[str, Any] = {
                "id": self.next_id(),
                "candidate_id": candidate_id,
                "job_id": job_id,
                "status": "in_process",
                "prospect": prospect,
                "stage_id": None,
                "stage_name": "",
                "custom_fields": {},
            }
            self.applications[application["id"]] = application
            self.move(application["id"], stage_name)
            return application

    def move(self, application_id: int, stage_name: str) -> dict[str, Any]:
        """The application enters `stage_name` of its job (and leaves the current stage)."""
        with self.lock:
            application = self.applications[application_id]
            stage = self.stage(application["job_id"], stage_name)
            now = _iso(self.clock())
            for row in self.application_stages.values():
                if row["application_id"] == application_id and row["exited_at"] is None:
                    row["exited_at"] = now
            row_id = self.next_id()
            self.application_stages[row_id] = {
                "id": row_id,
                "application_id": application_id,
                "job_interview_stage_id": stage["id"],
                "entered_at": now,
                "exited_at": None,
            }
            application["stage_id"] = row_id
            application["stage_name"] = stage["name"]
            return stage

    def set_status(self, application_id: int, status: str) -> None:
        with self.lock:
            self.applications[application_id]["status"] = status

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
        with self.lock:
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

    # --- What a webhook would carry -----------------------------------------------------------

    def stage_change_payload(self, application_id: int) -> dict[str, Any]:
        """The `candidate_stage_change` body for the application's current stage."""
        with self.lock:
            application = self.applications[application_id]
            candidate = self.candidates[application["candidate_id"]]
            job = self.jobs[application["job_id"]]
            current = self._current_stage_row(application_id)
            stage = self.job_interview_stages[current["job_interview_stage_id"]]
            status = "active" if application["status"] == "in_process" else application["status"]
            return {
                "action": "candidate_stage_change",
                "payload": {
                    "application": {
                        "id": application["id"],
                        "status": status,
                        "prospect": application["prospect"],
                        "applied_at": current["entered_at"],
                        "current_stage": {
                            "id": stage["id"],
                            "name": stage["name"],
                            "interviews": [],
                        },
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

    def _current_stage_row(self, application_id: int) -> dict[str, Any]:
        for row in self.application_stages.values():
            if row["application_id"] == application_id and row["exited_at"] is None:
                return row
        raise KeyError(f"application {application_id} is in no stage")

    # --- Reading what happened ----------------------------------------------------------------

    def requests(
        self, *, method: str | None = None, path: str | None = None, client_id: str | None = None
    ) -> list[Arrival]:
        with self.lock:
            return [
                arrival
                for arrival in self.arrivals
                if (method is None or arrival.method == method)
                and (path is None or re.search(path, arrival.path))
                and (client_id is None or arrival.client_id == client_id)
            ]

    # --- Serving ------------------------------------------------------------------------------

    def handle(self, request: HarvestRequest) -> Answer:
        with self.lock:
            client_id, sub, answer = self._answer(request)
            try:
                body = json.loads(request.body) if request.body else None
            except ValueError:
                body = request.body.decode(errors="replace")
            if request.path == GRANT_PATH:
                body = None  # the form carries the grant only; credentials are in the header
            self.arrivals.append(
                Arrival(
                    self.clock(),
                    request.method,
                    request.path,
                    request.query,
                    client_id,
                    sub,
                    body,
                    answer.status,
                )
            )
            answer.headers.setdefault("Content-Type", "application/json")
            return answer

    def _answer(self, request: HarvestRequest) -> tuple[str, str, Answer]:
        if request.path == GRANT_PATH:
            client_id, answer = self._token(request)
            return client_id, "", answer
        if not request.path.startswith(V3):
            return "", "", _error(404, f"No such path: {request.path}.")
        token = self._bearer(request)
        if token is None:
            return "", "", _error(401, "Access token missing, expired or invalid.")
        window_headers, limited = self._rate(token.client_id)
        if limited is not None:
            limited.headers.update(window_headers)
            return token.client_id, token.sub, limited
        fault = self._fault(request)
        answer = fault or self._route(request, token)
        answer.headers.update(window_headers)
        return token.client_id, token.sub, answer

    def _fault(self, request: HarvestRequest) -> Answer | None:
        for fault in self.faults:
            if fault.times > 0 and fault.path.search(request.path):
                if fault.method and fault.method != request.method:
                    continue
                fault.times -= 1
                return Answer(fault.status, fault.body, dict(fault.headers))
        return None

    # --- The token endpoint -------------------------------------------------------------------

    def _token(self, request: HarvestRequest) -> tuple[str, Answer]:
        if request.method != "POST":
            return "", Answer(405, {"error": "method_not_allowed"})
        client = self._basic_client(request.headers.get("authorization", ""))
        if client is None:
            return "", Answer(401, {"error": "invalid_client"})
        form = parse_qs(request.body.decode(errors="replace"), keep_blank_values=True)
        if form.get("grant_type") != ["client_credentials"]:
            return client.client_id, Answer(400, {"error": "unsupported_grant_type"})
        sub = (form.get("sub") or [""])[0]
        for issued in self.tokens.values():
            if issued.client_id == client.client_id:
                issued.void = True
        expires_at = self.clock() + self.token_lifetime
        value = f"ghtok_{secrets.token_urlsafe(24)}"
        self.tokens[value] = IssuedToken(value, client.client_id, sub, expires_at)
        return client.client_id, Answer(
            200, {"access_token": value, "token_type": "Bearer", "expires_at": _iso(expires_at)}
        )

    def _basic_client(self, authorization: str) -> ApiClient | None:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, _, client_secret = decoded.partition(":")
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.client_secret, client_secret):
            return None
        return client

    def _bearer(self, request: HarvestRequest) -> IssuedToken | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = self.tokens.get(value.strip())
        if token is None or token.void or token.expires_at <= self.clock():
            return None
        return token

    def expire_tokens(self) -> None:
        """Every issued token stops working now (as when they all reach their expiry)."""
        with self.lock:
            for token in self.tokens.values():
                token.expires_at = min(token.expires_at, self.clock())

    # --- The rate limit -----------------------------------------------------------------------

    def _rate(self, client_id: str) -> tuple[dict[str, str], Answer | None]:
        now = self.clock()
        window = self._windows.get(client_id)
        if window is None or now >= window.started + self.rate_window:
            started = math.floor(now / self.rate_window) * self.rate_window
            window = self._windows[client_id] = _Window(started)
        reset = window.started + self.rate_window
        window.count += 1
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit - window.count)),
            "X-RateLimit-Reset": str(math.ceil(reset)),
        }
        if window.count > self.rate_limit:
            wait = max(1, math.ceil(reset - now))
            answer = _error(429, "Too many requests.")
            answer.headers["Retry-After"] = str(wait)
            return headers, answer
        return headers, None

    # --- The v3 paths -------------------------------------------------------------------------

    def _route(self, request: HarvestRequest, token: IssuedToken) -> Answer:
        parts = request.path[len(V3) :].strip("/").split("/")
        resource = parts[0]
        method = request.method
        if method == "GET" and len(parts) == 1 and resource in _LISTS:
            return self._guarded(token, f"harvest:{resource}:list", lambda: self._list(request))
        if method == "PATCH" and len(parts) == 2 and resource in ("candidates", "applications"):
            return self._guarded(
                token,
                f"harvest:{resource}:update",
                lambda: self._patch(resource, parts[1], request.body),
            )
        if method == "POST" and parts == ["notes"]:
            return self._guarded(
                token, "harvest:notes:create", lambda: self._create_note(request.body)
            )
        return _error(404, f"No such endpoint: {method} {request.path}.")

    def _guarded(self, token: IssuedToken, scope: str, serve: Callable[[], Answer]) -> Answer:
        client = self.clients.get(token.client_id)
        if client is None or scope not in client.scopes:
            return _error(403, f"The credential lacks the scope {scope}.")
        user = self.users.get(int(token.sub)) if token.sub.isdigit() else None
        if user is None or not user["site_admin"] or user["deactivated"]:
            return _error(403, "The acting user must be an active Site Admin.")
        return serve()

    def _list(self, request: HarvestRequest) -> Answer:
        resource = request.path[len(V3) :].strip("/")
        query = {key: values for key, values in request.query.items()}
        if "cursor" in query:
            if len(query) != 1:
                return _error(422, "A cursor must be the only parameter.", "cursor")
            cursor = self._cursors.get(query["cursor"][0])
            if cursor is None or cursor.resource != resource:
                return _error(422, "The cursor is not valid.", "cursor")
        else:
            per_page_text = (query.pop("per_page", None) or [str(DEFAULT_PER_PAGE)])[0]
            if not per_page_text.isdigit() or not 1 <= int(per_page_text) <= MAX_PER_PAGE:
                return _error(422, f"per_page must be 1 to {MAX_PER_PAGE}.", "per_page")
            cursor = _Cursor(resource, query, 0, int(per_page_text))
        records, problem = self._filtered(resource, cursor.filters)
        if problem:
            return problem
        page = records[cursor.offset : cursor.offset + cursor.per_page]
        headers = {}
        if cursor.offset + cursor.per_page < len(records):
            name = secrets.token_urlsafe(12)
            self._cursors[name] = _Cursor(
                resource, cursor.filters, cursor.offset + cursor.per_page, cursor.per_page
            )
            link = f"{request.origin}{V3}{resource}?{urlencode({'cursor': name})}"
            headers["Link"] = f'<{link}>; rel="next"'
        return Answer(200, [self._shown(resource, record) for record in page], headers)

    def _shown(self, resource: str, record: dict[str, Any]) -> dict[str, Any]:
        shown: dict[str, Any] = json.loads(json.dumps(record))
        if resource == "notes":
            shown["visibility"] = _VISIBILITY_SHOWN[shown["visibility"]]
        return shown

    def _filtered(
        self, resource: str, filters: Mapping[str, list[str]]
    ) -> tuple[list[dict[str, Any]], Answer | None]:
        table: dict[int, dict[str, Any]] = getattr(self, resource)
        records = [table[key] for key in sorted(table)]
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

    def _patch(self, resource: str, record_id: str, raw: bytes) -> Answer:
        table: dict[int, dict[str, Any]] = getattr(self, resource)
        record = table.get(int(record_id)) if record_id.isdigit() else None
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
            for f in self.custom_fields.values()
            if f["field_type"] == level and f["active"]
        }
        values = {}
        for item in items:
            key = item.get("name_key") if isinstance(item, dict) else None
            custom_field = fields.get(key) if isinstance(key, str) else None
            if custom_field is None:
                return _error(422, f"No {level} custom field {key!r}.", "name_key")
            problem = self._value_problem(custom_field, item.get("value"))
            if problem:
                return _error(422, problem, str(key))
            values[key] = item.get("value")
        record["custom_fields"].update(values)
        return Answer(200, json.loads(json.dumps(record)))

    def _value_problem(self, custom_field: dict[str, Any], value: Any) -> str:
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
                for option in self.custom_field_options.values()
                if option["custom_field_id"] == custom_field["id"]
            }
            if value not in options:
                return f"{key} takes the id of one of its options."
        return ""

    def _create_note(self, raw: bytes) -> Answer:
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(400, "The body is not JSON.")
        if not isinstance(body, dict):
            return _error(422, "The body must be an object.")
        candidate_id = body.get("candidate_id")
        if candidate_id not in self.candidates:
            return _error(422, "candidate_id names no candidate.", "candidate_id")
        application_id = body.get("application_id")
        if application_id is not None and application_id not in self.applications:
            return _error(422, "application_id names no application.", "application_id")
        if body.get("user_id") not in self.users:
            return _error(422, "user_id names no user.", "user_id")
        if body.get("visibility") not in _VISIBILITY_SHOWN:
            return _error(422, "visibility must be public, private or admin_only.", "visibility")
        text = body.get("body")
        if not isinstance(text, str) or not text.strip():
            return _error(422, "body is required.", "body")
        note: dict[str, Any] = {
            "id": self.next_id(),
            "candidate_id": candidate_id,
            "application_id": application_id,
            "user_id": body["user_id"],
            "body": text,
            "visibility": body["visibility"],
            "note_type": body.get("note_type", "NOTE"),
            "created_at": _iso(self.clock()),
        }
        self.notes[note["id"]] = note
        answer = Answer(201, self._shown("notes", note))
        if self.time_out_next_note:
            answer.delay, self.time_out_next_note = self.time_out_next_note, 0.0
        return answer


# Notes are created with one word and read back with another.
_VISIBILITY_SHOWN = {
    "public": "publicly_visible",
    "private": "privately_visible",
    "admin_only": "admin_only_visible",
}
_LISTS = frozenset(
    {
        "users",
        "jobs",
        "job_interview_stages",
        "candidates",
        "applications",
        "application_stages",
        "custom_fields",
        "custom_field_options",
        "notes",
    }
)
