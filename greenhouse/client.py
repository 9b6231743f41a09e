"""The one place that talks to Greenhouse: the token endpoint and the Harvest v3 calls.

What every provider's client does (one session, time-outs, no redirects, typed errors, the
address check, redaction) is `integrations.http.ProviderClient`; this states Greenhouse's calls,
its token exchange and its rate limit. The Client ID and Secret travel only as HTTP Basic to the
token endpoint, with the Site Admin user as `sub`; every Harvest call sends the short-lived
access token, kept for every process in `integrations.access_tokens` (renewed 60 s before it
expires, and once after a 401). Every request, the token request included, first takes a slot
from the limit per Client ID, whose size is learnt from `X-RateLimit-Limit`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.utils import timezone

from greenhouse import unconfirmed
from greenhouse.pagination import OffHostLink, next_page_url
from greenhouse.ratelimit import LearntRateLimiter
from integrations.access_tokens import AccessToken, AccessTokenAuthorization, AccessTokenCache
from integrations.egress import Resolver
from integrations.http import Budget, ProviderClient, json_body
from integrations.transport import Exchange, PermanentError

PAGE_SIZE = 500
MAX_PAGES = 50
TOKEN_CACHE = AccessTokenCache("greenhouse", renew_before=60.0)


SANDBOX_PATH = "greenhouse"


def sandbox_root() -> str:
    """The sandbox's stand-in Greenhouse, as the platform reaches it (token endpoint and v3)."""
    return f"{str(settings.SANDBOX_BASE_URL).rstrip('/')}/{SANDBOX_PATH}"


def api_base_url(*, sandbox: bool = False) -> str:
    """Harvest v3; for a sandbox integration, always the sandbox's."""
    if sandbox:
        return f"{sandbox_root()}/v3"
    return str(settings.GREENHOUSE_API_BASE_URL).rstrip("/")


def token_url(*, sandbox: bool = False) -> str:
    """The token endpoint; for a sandbox integration, always the sandbox's."""
    if sandbox:
        return f"{sandbox_root()}/token"
    return str(settings.GREENHOUSE_TOKEN_URL)


def url_problems(*, sandbox: bool = False) -> list[str]:
    """Why the Greenhouse URLs may not be used, in plain words ([] when they may). The
    sandbox's are this platform's own, which may be http on a loopback address."""
    problems = []
    insecure_allowed = sandbox or settings.GREENHOUSE_API_ALLOW_INSECURE
    for name, url in (
        (
            "SANDBOX_BASE_URL" if sandbox else "GREENHOUSE_API_BASE_URL",
            api_base_url(sandbox=sandbox),
        ),
        ("SANDBOX_BASE_URL" if sandbox else "GREENHOUSE_TOKEN_URL", token_url(sandbox=sandbox)),
    ):
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            problems.append(f"{name} ({url}) is not an absolute URL.")
        elif parts.scheme != "https" and not insecure_allowed:
            problems.append(
                f"{name} ({url}) is not https; only a sandbox may use http "
                "(GREENHOUSE_API_ALLOW_INSECURE)."
            )
    return problems


def token_key(client_id: str, user_id: str, *, sandbox: bool = False) -> str:
    """One access token per Client ID and acting user, apart for the sandbox: a token the
    sandbox issued is never sent to Greenhouse, nor one of Greenhouse's to the sandbox."""
    return f"{'sandbox' if sandbox else 'greenhouse'}\0{client_id}\0{user_id}"


class GreenhouseClient(ProviderClient):
    """Harvest v3 for one integration's Client ID, Client Secret and acting Site Admin user."""

    label = "Greenhouse"
    reset_header = "X-RateLimit-Reset"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        user_id: str,
        budget: Budget,
        limiter: LearntRateLimiter | None = None,
        resolver: Resolver | None = None,
        sandbox: bool = False,
    ) -> None:
        """`sandbox`: the integration is connected to the sandbox, so every call (the token
        request included) goes there, whatever GREENHOUSE_API_BASE_URL says."""
        problems = url_problems(sandbox=sandbox)
        if problems:
            raise PermanentError(" ".join(problems))
        self.client_id = client_id
        self.user_id = user_id
        self.sandbox = sandbox
        self._client_secret = client_secret
        self._limiter = limiter
        super().__init__(
            base_url=api_base_url(sandbox=sandbox),
            budget=budget,
            authorization=AccessTokenAuthorization(
                TOKEN_CACHE,
                token_key(client_id, user_id, sandbox=sandbox),
                self._mint,
                secrets=[client_secret],
            ),
            timeout=(settings.GREENHOUSE_CONNECT_TIMEOUT, settings.GREENHOUSE_READ_TIMEOUT),
            allow_loopback=sandbox or settings.GREENHOUSE_API_ALLOW_INSECURE,
            secrets=[client_secret, _basic(client_id, client_secret)],
            resolver=resolver,
        )

    def describe_error(self, response: requests.Response) -> str:
        return unconfirmed.error_message(json_body(response))

    def observe(self, response: requests.Response) -> None:
        if self._limiter is not None:
            self._limiter.learn(response.headers.get("X-RateLimit-Limit"))

    # --- The token ------------------------------------------------------------------------------

    def _mint(self) -> AccessToken:
        """Trade the client credentials for an access token acting as the Site Admin user."""
        answer = self._request(
            "POST",
            token_url(sandbox=self.sandbox),
            data={"grant_type": "client_credentials", "sub": self.user_id},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            auth=(self.client_id, self._client_secret),
            authorize=False,
        )
        data = answer.data
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise PermanentError(
                "Greenhouse's token endpoint answered without an access_token.", answer.exchange
            )
        expires_at = unconfirmed.token_expiry(data, timezone.now())
        return AccessToken(value=data["access_token"], expires_at=expires_at.timestamp())

    # --- Reads ----------------------------------------------------------------------------------

    def users(self, user_ids: Sequence[str]) -> list[dict[str, Any]]:
        return self._list("/users", {"ids": ",".join(user_ids)})

    def site_admins(self) -> list[dict[str, Any]]:
        """The active Site Admin users, who may be the acting user."""
        return [
            user
            for user in self._pages("/users", {"per_page": PAGE_SIZE})
            if user.get("site_admin") is True and user.get("deactivated") is not True
        ]

    def open_jobs(self, *, limit: int = PAGE_SIZE) -> list[dict[str, Any]]:
        if limit < PAGE_SIZE:
            return self._list("/jobs", {"status": "open", "per_page": limit})
        return list(self._pages("/jobs", {"status": "open", "per_page": PAGE_SIZE}))

    def job_stages(
        self, *, job_id: str | None = None, limit: int = PAGE_SIZE
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"job_ids": job_id} if job_id else {"active": "true"}
        if limit < PAGE_SIZE:
            return self._list("/job_interview_stages", {**params, "per_page": limit})
        return list(self._pages("/job_interview_stages", {**params, "per_page": PAGE_SIZE}))

    def custom_fields(self, level: str) -> list[dict[str, Any]]:
        params = {"field_type": level, "active": "true", "per_page": PAGE_SIZE}
        return list(self._pages("/custom_fields", params))

    def custom_field_options(self, custom_field_id: str) -> list[dict[str, Any]]:
        params = {"custom_field_ids": custom_field_id, "per_page": PAGE_SIZE}
        return list(self._pages("/custom_field_options", params))

    def application(self, application_id: str) -> dict[str, Any] | None:
        found = self._list("/applications", {"ids": application_id})
        return found[0] if found else None

    def current_stage(self, application_id: str) -> dict[str, Any] | None:
        """The application's current stage row (`job_interview_stage_id`), or None."""
        rows = self._list(
            "/application_stages", {"application_ids": application_id, "current": "true"}
        )
        current = [row for row in rows if row.get("exited_at") is None]
        return current[0] if current else None

    def notes_by(self, *, candidate_id: str, user_id: str) -> list[dict[str, Any]]:
        params = {"candidate_ids": candidate_id, "user_ids": user_id, "per_page": PAGE_SIZE}
        return list(self._pages("/notes", params))

    # --- Writes ---------------------------------------------------------------------------------

    def set_custom_fields(
        self, level: str, record_id: str, values: Sequence[tuple[str, Any]]
    ) -> Exchange:
        """Set custom fields of one candidate or application (`level`), by `name_key`."""
        url = f"{self.base_url}/{level}s/{quote(record_id, safe='')}"
        return self._request("PATCH", url, json=unconfirmed.custom_fields_body(values)).exchange

    def create_note(self, body: Mapping[str, Any]) -> tuple[str, Exchange]:
        """Post an activity-feed note; its id (or "" when the answer does not say) and exchange."""
        answer = self._request("POST", f"{self.base_url}/notes", json=dict(body))
        note_id = answer.data.get("id") if isinstance(answer.data, dict) else None
        return ("" if note_id is None else str(note_id)), answer.exchange

    # --- Listings -------------------------------------------------------------------------------

    def _list(self, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        return _records(self._request("GET", f"{self.base_url}{path}", params=params).data)

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every record of a listing: filters on the first request, then `Link` next as given."""
        url: str | None = f"{self.base_url}{path}"
        query: Mapping[str, Any] | None = params
        for _ in range(MAX_PAGES):
            if url is None:
                return
            answer = self._request("GET", url, params=query)
            yield from _records(answer.data)
            try:
                url = next_page_url(answer.headers.get("Link"), self.base_url)
            except OffHostLink as error:
                raise PermanentError(str(error), answer.exchange) from None
            query = None
        raise PermanentError(f"Greenhouse's listing {path} has more than {MAX_PAGES} pages.")


def _basic(client_id: str, client_secret: str) -> str:
    """The Basic credentials as they travel, so that they are redacted too."""
    return base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


def _records(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        return []
    return [item for item in data if isinstance(item, dict)]
