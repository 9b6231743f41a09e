"""Workable as the platform calls it, behind one `handle(request)`, over a `Store`.

Each account (a Workable subdomain) has its jobs, candidates, members and custom attributes, and
accepts one SPI token (kept as its SHA-256). The SPI v3 paths answer what the platform reads and
take the writes it makes, as Workable does: a Bearer token (401), `limit` of 1 to 100 with
`paging.next` as an absolute URL, `{"error": …}` bodies, 404 for an unknown candidate or custom
attribute key, and `X-Rate-Limit-*` headers with 429 and `Retry-After` over the limit (10 per
10 s per token). The results callbacks (`PUT <callback_url>`) take the statuses Workable knows
and refuse others (422). Every write lands on the candidate's timeline.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import math
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sandbox.store import State, Store
from sandbox.wire import Answer, SandboxRequest

MAX_LIMIT = 100
RATE_LIMIT = 10
RATE_WINDOW_SECONDS = 10.0
CALLBACK_STATUSES = ("pending", "completed", "expired", "rejected")
GRADES = ("failed", "passed", "excelled")
# What a generated token may be granted; the platform asks for all four.
SCOPES = ("r_jobs", "r_candidates", "w_candidates", "r_requisitions")
# The scope each listing needs; every write needs w_candidates.
LISTING_SCOPES = {"jobs": "r_jobs", "candidates": "r_candidates", "requisitions": "r_requisitions"}


class Refused(Exception):
    """An answer other than success, raised from deep inside a handler."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.answer = Answer(status, {"error": message})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now_iso(moment: float) -> str:
    return datetime.datetime.fromtimestamp(moment, tz=datetime.UTC).isoformat(timespec="seconds")


def _json(request: SandboxRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        raise Refused(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise Refused(400, "The body must be a JSON object.")
    return data


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


class WorkableSandbox:
    """Every sandbox Workable account, in one store; `root` is where the platform reaches it."""

    def __init__(self, store: Store, *, root: str, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.root = root.rstrip("/")
        self.clock = clock

    # --- Setting accounts up --------------------------------------------------------------------

    def create_account(
        self,
        subdomain: str,
        name: str,
        *,
        api_token: str,
        scopes: tuple[str, ...] = SCOPES,
    ) -> None:
        """A new account (or the existing one with a new SPI token and its scopes), with one
        member and the custom attributes a Harver score can be written to."""
        with self.store.change() as state:
            accounts = state.setdefault("accounts", {})
            account = accounts.setdefault(
                subdomain,
                {
                    "subdomain": subdomain,
                    "name": name,
                    "platform": {"base_url": "", "token": ""},
                    "members": [
                        {
                            "id": "m-recruiter",
                            "name": "Riley Recruiter",
                            "email": "riley@example.com",
                        }
                    ],
                    "custom_attributes": [
                        {
                            "id": "harver_score",
                            "key": "harver_score",
                            "label": "Harver score",
                            "type": "free_text",
                        },
                        {
                            "id": "harver_fit",
                            "key": "harver_fit",
                            "label": "Harver fit",
                            "type": "free_text",
                        },
                    ],
                    "jobs": {},
                    "candidates": {},
                    "requests": {},
                    "sequence": 0,
                },
            )
            account["api_token_sha256"] = token_hash(api_token)
            account["api_token_scopes"] = list(scopes)

    def connect_platform(self, subdomain: str, *, base_url: str, token: str) -> None:
        """What a recruiter pastes into Workable's Harver settings: base URL and token (as the
        caller wants it kept)."""
        with self.store.change() as state:
            account = self._account(state, subdomain)
            account["platform"] = {"base_url": base_url.rstrip("/"), "token": token}

    def add_job(self, subdomain: str, title: str) -> str:
        with self.store.change() as state:
            account = self._account(state, subdomain)
            shortcode = f"J{self._next(account):04d}"
            account["jobs"][shortcode] = {
                "id": shortcode.lower(),
                "shortcode": shortcode,
                "title": title,
                "state": "published",
            }
            return shortcode

    def add_candidate(self, subdomain: str, *, shortcode: str, name: str, email: str) -> str:
        with self.store.change() as state:
            account = self._account(state, subdomain)
            if shortcode not in account["jobs"]:
                raise Refused(404, f"No job {shortcode}.")
            candidate_id = f"c{self._next(account):04d}"
            account["candidates"][candidate_id] = {
                "id": candidate_id,
                "name": name,
                "email": email,
                "job_shortcode": shortcode,
                "custom_attributes": {},
                "timeline": [{"at": now_iso(self.clock()), "kind": "applied", "title": "Applied"}],
            }
            return candidate_id

    def record(self, subdomain: str, candidate_id: str, entry: dict[str, Any]) -> None:
        """Add `entry` (kind, title and what it shows) to a candidate's timeline."""
        with self.store.change() as state:
            candidate = self._candidate(self._account(state, subdomain), candidate_id)
            candidate["timeline"].append({"at": now_iso(self.clock()), **entry})

    def add_request(self, subdomain: str, request_id: str, request: dict[str, Any]) -> None:
        """An assessment requested from the platform, answered at `<root>/<sub>/callbacks/<id>`."""
        with self.store.change() as state:
            self._account(state, subdomain)["requests"][request_id] = request

    def callback_url(self, subdomain: str, request_id: str) -> str:
        return f"{self.root}/{subdomain}/callbacks/{request_id}"

    # --- Reading --------------------------------------------------------------------------------

    def accounts(self) -> list[dict[str, Any]]:
        return list(self.store.read().get("accounts", {}).values())

    def account(self, subdomain: str) -> dict[str, Any]:
        return self._account(self.store.read(), subdomain)

    def candidate(self, subdomain: str, candidate_id: str) -> dict[str, Any]:
        return self._candidate(self.account(subdomain), candidate_id)

    @staticmethod
    def _account(state: State, subdomain: str) -> dict[str, Any]:
        account = state.get("accounts", {}).get(subdomain)
        if not isinstance(account, dict):
            raise Refused(404, "Not found")
        return account

    @staticmethod
    def _candidate(account: dict[str, Any], candidate_id: str) -> dict[str, Any]:
        candidate = account["candidates"].get(candidate_id)
        if not isinstance(candidate, dict):
            raise Refused(404, "Not found")
        return candidate

    @staticmethod
    def _next(account: dict[str, Any]) -> int:
        account["sequence"] = int(account.get("sequence", 0)) + 1
        return int(account["sequence"])

    # --- The API --------------------------------------------------------------------------------

    def handle(self, request: SandboxRequest) -> Answer:
        parts = [part for part in request.path.split("/") if part]
        try:
            if len(parts) == 3 and parts[1] == "callbacks":
                return self._callback(request, parts[0], parts[2])
            if len(parts) >= 4 and parts[1:3] == ["spi", "v3"]:
                return self._spi(request, parts[0], parts[3:])
            raise Refused(404, "Not found")
        except Refused as refused:
            return refused.answer

    def _authorized(self, state: State, request: SandboxRequest, subdomain: str) -> dict[str, Any]:
        account = self._account(state, subdomain)
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        expected = str(account.get("api_token_sha256") or "")
        if not token or not expected or not hmac.compare_digest(token_hash(token), expected):
            raise Refused(401, "Not authorized")
        return account

    def _spi(self, request: SandboxRequest, subdomain: str, rest: list[str]) -> Answer:
        with self.store.change() as state:
            account = self._authorized(state, request, subdomain)
            limits = self._rate(state, account)
            if limits["X-Rate-Limit-Remaining"] == "-1":
                limits["X-Rate-Limit-Remaining"] = "0"
                reset = float(limits["X-Rate-Limit-Reset"])
                limits["Retry-After"] = str(max(1, math.ceil(reset - self.clock())))
                return Answer(429, {"error": "Rate limit exceeded"}, limits)
            answer = self._route(state, account, request, rest)
        answer.headers.update(limits)
        return answer

    def _rate(self, state: State, account: dict[str, Any]) -> dict[str, str]:
        """One fixed window per token; `Remaining` of -1 marks a request over the limit."""
        windows = state.setdefault("rate_windows", {})
        now = self.clock()
        key = str(account["api_token_sha256"])
        started, count = windows.get(key) or (now, 0)
        if now - started >= RATE_WINDOW_SECONDS:
            started, count = now, 0
        count += 1
        windows[key] = [started, count]
        return {
            "X-Rate-Limit-Limit": str(RATE_LIMIT),
            "X-Rate-Limit-Remaining": str(max(-1, RATE_LIMIT - count)),
            "X-Rate-Limit-Reset": str(math.ceil(started + RATE_WINDOW_SECONDS)),
        }

    def _route(
        self, state: State, account: dict[str, Any], request: SandboxRequest, rest: list[str]
    ) -> Answer:
        method = request.method
        needed = LISTING_SCOPES.get(rest[0], "") if method == "GET" else "w_candidates"
        if needed and needed not in account.get("api_token_scopes", SCOPES):
            raise Refused(403, f"The token lacks the {needed} scope.")
        if len(rest) == 1 and method == "GET":
            listing = self._listings(account).get(rest[0])
            if listing is None:
                raise Refused(404, "Not found")
            return self._page(account, request, rest[0], listing(request))
        if len(rest) == 3 and rest[0] == "jobs" and rest[2] == "candidates" and method == "POST":
            return self._create_candidate(account, rest[1], _json(request))
        if len(rest) == 2 and rest[0] == "candidates" and method == "GET":
            return Answer(200, {"candidate": self._shown(account, rest[1])})
        if len(rest) == 3 and rest[0] == "candidates":
            candidate = self._candidate(account, rest[1])
            if rest[2] == "comments" and method == "POST":
                return self._comment(account, candidate, _json(request))
            if rest[2] == "comments" and method == "GET":
                comments = [
                    {"body": entry.get("text", ""), "member": entry.get("title", "")}
                    for entry in candidate["timeline"]
                    if entry.get("kind") == "comment"
                ]
                return Answer(200, {"comments": comments})
            if rest[2] == "update_custom_attribute_value" and method == "PATCH":
                return self._custom_attribute(account, candidate, _json(request))
            if rest[2] == "disqualify" and method == "POST":
                return self._disqualify(account, candidate, _json(request))
        if len(rest) in (1, 3):
            raise Refused(405, "Method not allowed")
        raise Refused(404, "Not found")

    def _listings(
        self, account: dict[str, Any]
    ) -> dict[str, Callable[[SandboxRequest], list[dict[str, Any]]]]:
        return {
            "jobs": lambda request: list(account["jobs"].values()),
            "candidates": lambda request: self._search(account, request),
            "requisitions": lambda request: [],
            "members": lambda request: list(account["members"]),
            "custom_attributes": lambda request: list(account["custom_attributes"]),
        }

    def _search(self, account: dict[str, Any], request: SandboxRequest) -> list[dict[str, Any]]:
        email = request.arg("email").strip().casefold()
        shortcode = request.arg("shortcode").strip()
        found = []
        for candidate in account["candidates"].values():
            if email and candidate["email"].casefold() != email:
                continue
            if shortcode and candidate["job_shortcode"] != shortcode:
                continue
            job = account["jobs"].get(candidate["job_shortcode"], {})
            found.append(
                {
                    "id": candidate["id"],
                    "name": candidate["name"],
                    "email": candidate["email"],
                    "job": {"shortcode": candidate["job_shortcode"], "title": job.get("title", "")},
                    "stage": "Applied",
                }
            )
        return found

    def _page(
        self,
        account: dict[str, Any],
        request: SandboxRequest,
        resource: str,
        items: list[dict[str, Any]],
    ) -> Answer:
        raw_limit = request.arg("limit") or "50"
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise Refused(422, f"limit must be a number from 1 to {MAX_LIMIT}.")
        limit = int(raw_limit)
        since_id = request.arg("since_id")
        ids = [str(item.get("id")) for item in items]
        start = ids.index(since_id) + 1 if since_id in ids else 0
        page = items[start : start + limit]
        body: dict[str, Any] = {resource: page}
        if start + limit < len(items):
            query = {key: values[0] for key, values in request.query.items() if values}
            query.update({"limit": str(limit), "since_id": str(page[-1].get("id"))})
            base = f"{self.root}/{account['subdomain']}/spi/v3/{resource}"
            body["paging"] = {"next": f"{base}?{urlencode(query)}"}
        return Answer(200, body)

    def _create_candidate(
        self, account: dict[str, Any], shortcode: str, data: dict[str, Any]
    ) -> Answer:
        if shortcode not in account["jobs"]:
            raise Refused(404, "Job not found")
        candidate = data.get("candidate")
        name = candidate.get("name") if isinstance(candidate, dict) else None
        email = candidate.get("email") if isinstance(candidate, dict) else None
        if not isinstance(name, str) or not name.strip() or not isinstance(email, str):
            raise Refused(422, "candidate.name and candidate.email are required.")
        candidate_id = f"c{self._next(account):04d}"
        account["candidates"][candidate_id] = {
            "id": candidate_id,
            "name": name,
            "email": email,
            "job_shortcode": shortcode,
            "custom_attributes": {},
            "timeline": [{"at": now_iso(self.clock()), "kind": "applied", "title": "Sourced"}],
        }
        return Answer(201, {"status": "created", "candidate": self._shown(account, candidate_id)})

    def _shown(self, account: dict[str, Any], candidate_id: str) -> dict[str, Any]:
        candidate = self._candidate(account, candidate_id)
        return {
            "id": candidate["id"],
            "name": candidate["name"],
            "email": candidate["email"],
            "job": {"shortcode": candidate["job_shortcode"]},
            "disqualified": bool(candidate.get("disqualified")),
            "custom_attributes": dict(candidate["custom_attributes"]),
        }

    def _disqualify(
        self, account: dict[str, Any], candidate: dict[str, Any], data: dict[str, Any]
    ) -> Answer:
        members = {member["id"] for member in account["members"]}
        if str(data.get("member_id") or "") not in members:
            raise Refused(422, "member_id is not a member of this account.")
        candidate["disqualified"] = True
        candidate["timeline"].append(
            {
                "at": now_iso(self.clock()),
                "kind": "disqualified",
                "title": "Disqualified",
                "text": str(data.get("disqualification_reason") or ""),
            }
        )
        return Answer(200, {})

    def _comment(
        self, account: dict[str, Any], candidate: dict[str, Any], data: dict[str, Any]
    ) -> Answer:
        members = {member["id"]: member for member in account["members"]}
        member = members.get(str(data.get("member_id") or ""))
        if member is None:
            raise Refused(422, "member_id is not a member of this account.")
        comment = data.get("comment")
        body = comment.get("body") if isinstance(comment, dict) else None
        if not isinstance(body, str) or not body.strip():
            raise Refused(422, "comment.body is required.")
        policy = comment.get("policy") if isinstance(comment, dict) else None
        comment_id = f"n{self._next(account):04d}"
        candidate["timeline"].append(
            {
                "at": now_iso(self.clock()),
                "kind": "comment",
                "title": f"Note by {member['name']}",
                "text": body,
                "policy": [str(role) for role in policy] if isinstance(policy, list) else [],
            }
        )
        return Answer(201, {"id": comment_id})

    def _custom_attribute(
        self, account: dict[str, Any], candidate: dict[str, Any], data: dict[str, Any]
    ) -> Answer:
        attributes = {item["key"]: item for item in account["custom_attributes"]}
        attribute = attributes.get(str(data.get("custom_attribute_key") or ""))
        if attribute is None:
            raise Refused(404, "Custom attribute not found")
        value = data.get("value")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise Refused(422, "value must be text or a number.")
        candidate["custom_attributes"][attribute["key"]] = str(value)
        candidate["timeline"].append(
            {
                "at": now_iso(self.clock()),
                "kind": "field",
                "title": f"{attribute['label']} set",
                "text": str(value),
            }
        )
        return Answer(200, {"custom_attribute_key": attribute["key"], "value": str(value)})

    # --- The results callback -------------------------------------------------------------------

    def _callback(self, request: SandboxRequest, subdomain: str, request_id: str) -> Answer:
        if request.method != "PUT":
            raise Refused(405, "Method not allowed")
        with self.store.change() as state:
            account = self._authorized(state, request, subdomain)
            assessment_request = account["requests"].get(request_id)
            if not isinstance(assessment_request, dict):
                raise Refused(404, "Not found")
            data = _json(request)
            entry = self._status_entry(data)
            candidate = self._candidate(account, assessment_request["candidate_id"])
            assessment_request["status"] = data["status"]
            candidate["timeline"].append(
                {"at": now_iso(self.clock()), "test": assessment_request.get("test_name"), **entry}
            )
        return Answer(200, {})

    @staticmethod
    def _status_entry(data: dict[str, Any]) -> dict[str, Any]:
        status = data.get("status")
        if status not in CALLBACK_STATUSES:
            raise Refused(422, f"status must be one of {', '.join(CALLBACK_STATUSES)}.")
        entry: dict[str, Any] = {"kind": "status", "title": f"Assessment {status}"}
        if status != "completed":
            return entry
        results_url = data.get("results_url")
        assessment = data.get("assessment")
        if not isinstance(results_url, str) or not results_url:
            raise Refused(422, "results_url is required when the status is completed.")
        if not isinstance(assessment, dict):
            raise Refused(422, "assessment is required when the status is completed.")
        if not isinstance(assessment.get("score"), str):
            raise Refused(422, "assessment.score must be a string.")
        if assessment.get("grade") not in GRADES:
            raise Refused(422, f"assessment.grade must be one of {', '.join(GRADES)}.")
        attachments = data.get("attachments")
        entry.update(
            results_url=results_url,
            score=assessment["score"],
            grade=assessment["grade"],
            summary=str(assessment.get("summary") or ""),
            details={str(key): value for key, value in _mapping(assessment.get("details")).items()},
            duration=str(assessment.get("duration") or ""),
            attachments=[
                {"description": str(item.get("description", "")), "url": str(item.get("url", ""))}
                for item in (attachments if isinstance(attachments, list) else [])
                if isinstance(item, dict)
            ],
        )
        return entry
