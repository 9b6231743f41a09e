"""The one place that talks to Workable: SPI v3 calls and the results callback (contract §3, §4).

What every provider's client does (one session, time-outs, no redirects, typed errors, the
address check, redaction) is `integrations.http.ProviderClient`; this states Workable's calls,
its base URL for the integration's subdomain, its error body (`{"error": …}`), its rate-limit
reset header (`X-Rate-Limit-Reset`) and its settings. The token travels only in the
Authorization header, to the configured base URL or to a `callback_url` that passed the
allow-list a moment before. Every request first takes a slot from the per-token rate limit
(`rate_limiter`, 10 requests per 10 s by default, contract §5).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from integrations.egress import Resolver
from integrations.http import BearerToken, Budget, ProviderClient, json_body, loggable_url
from integrations.ratelimit import Rate, RateLimiter, get_rate_limiter
from integrations.transport import Exchange, PermanentError
from workable.callbacks import callback_url_problem, sandbox_api_base_url

PAGE_SIZE = 100
MAX_PAGES = 50
RATE_KEY_PREFIX = "workable:rate"


def api_base_url(subdomain: str, *, sandbox: bool = False) -> str:
    """Workable's SPI v3 for `subdomain`; for a sandbox integration, always the sandbox's."""
    template = sandbox_api_base_url() if sandbox else str(settings.WORKABLE_API_BASE_URL)
    return template.format(subdomain=subdomain).rstrip("/")


def rate_limiter() -> RateLimiter:
    """Workable's limit per account token, with our margin for the requests' travel time."""
    rate = Rate(
        limit=settings.WORKABLE_RATE_LIMIT_REQUESTS,
        window=settings.WORKABLE_RATE_LIMIT_WINDOW_SECONDS
        + settings.WORKABLE_RATE_LIMIT_MARGIN_SECONDS,
    )
    return get_rate_limiter(RATE_KEY_PREFIX, rate)


class WorkableClient(ProviderClient):
    """Workable's API for one integration's subdomain and "Harver to ATS" token."""

    label = "Workable"
    reset_header = "X-Rate-Limit-Reset"

    def __init__(
        self,
        *,
        subdomain: str,
        token: str,
        budget: Budget,
        sandbox: bool = False,
        resolver: Resolver | None = None,
    ) -> None:
        """`sandbox`: the integration is connected to the sandbox, so every call goes there
        (the SPI base URL and the callbacks alike) and may reach a loopback address."""
        self.sandbox = sandbox
        super().__init__(
            base_url=api_base_url(subdomain, sandbox=sandbox),
            budget=budget,
            authorization=BearerToken(token),
            timeout=(settings.WORKABLE_CONNECT_TIMEOUT, settings.WORKABLE_READ_TIMEOUT),
            allow_loopback=sandbox or settings.WORKABLE_CALLBACK_ALLOW_INSECURE,
            resolver=resolver,
        )

    def describe_error(self, response: requests.Response) -> str:
        data = json_body(response)
        message = data.get("error") if isinstance(data, dict) else None
        return str(message) if message else ""

    # --- The calls ------------------------------------------------------------------------------

    # Results callback: https://workable.readme.io/page/assessment-providers
    def put_assessment_result(self, callback_url: str, body: dict[str, Any]) -> Exchange:
        problem = callback_url_problem(callback_url, sandbox=self.sandbox)
        if problem is not None:
            raise PermanentError(
                f"Not sent: {problem}", Exchange(request=f"PUT {loggable_url(callback_url)}")
            )
        return self._request("PUT", callback_url, json=body).exchange

    # https://workable.readme.io/reference/jobs
    def list_jobs(self, *, limit: int = 1) -> list[dict[str, Any]]:
        return self._list("/jobs", "jobs", {"limit": limit})

    # https://workable.readme.io/reference/job-candidates-index
    def list_candidates(self, *, limit: int = 1) -> list[dict[str, Any]]:
        return self._list("/candidates", "candidates", {"limit": limit})

    # https://workable.readme.io/reference/job-candidates-index (filtered by email and job)
    def find_candidates(self, *, email: str, shortcode: str) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"email": email}
        if shortcode:
            params["shortcode"] = shortcode
        return self._list("/candidates", "candidates", params)

    # https://workable.readme.io/reference/requisitions
    def list_requisitions(self, *, limit: int = 1) -> list[dict[str, Any]]:
        return self._list("/requisitions", "requisitions", {"limit": limit})

    # https://workable.readme.io/reference/members
    def list_members(self) -> list[dict[str, Any]]:
        return list(self._pages("/members", "members", {"limit": PAGE_SIZE}))

    # https://workable.readme.io/reference/custom_attributes
    def list_custom_attributes(self) -> list[dict[str, Any]]:
        return list(self._pages("/custom_attributes", "custom_attributes", {"limit": PAGE_SIZE}))

    # https://workable.readme.io/reference/comment-on-candidate
    def create_comment(
        self, candidate_id: str, *, member_id: str, body: str, policy: list[str]
    ) -> Exchange:
        url = f"{self.base_url}/candidates/{quote(candidate_id, safe='')}/comments"
        payload = {"member_id": member_id, "comment": {"body": body, "policy": policy}}
        return self._request("POST", url, json=payload).exchange

    # https://workable.readme.io/reference/candidatesidupdate_custom_attribute_value
    def update_custom_attribute_value(self, candidate_id: str, *, key: str, value: str) -> Exchange:
        url = (
            f"{self.base_url}/candidates/{quote(candidate_id, safe='')}"
            "/update_custom_attribute_value"
        )
        payload = {"custom_attribute_key": key, "value": value}
        return self._request("PATCH", url, json=payload).exchange

    # --- The go-live check's test candidate -------------------------------------------------

    # https://workable.readme.io/reference/job-candidates-create
    def create_candidate(self, shortcode: str, *, name: str, email: str) -> tuple[str, Exchange]:
        url = f"{self.base_url}/jobs/{quote(shortcode, safe='')}/candidates"
        body = {"sourced": True, "candidate": {"name": name, "email": email}}
        answer = self._request("POST", url, json=body)
        data = answer.data if isinstance(answer.data, dict) else {}
        candidate = data.get("candidate")
        found = str(candidate.get("id") or "") if isinstance(candidate, dict) else ""
        return found, answer.exchange

    # https://workable.readme.io/reference/job-candidates-show
    def candidate(self, candidate_id: str) -> tuple[dict[str, Any], Exchange]:
        url = f"{self.base_url}/candidates/{quote(candidate_id, safe='')}"
        answer = self._request("GET", url)
        data = answer.data if isinstance(answer.data, dict) else {}
        found = data.get("candidate")
        return (found if isinstance(found, dict) else {}), answer.exchange

    # https://workable.readme.io/reference/job-candidates-comments
    def candidate_comments(self, candidate_id: str) -> list[dict[str, Any]]:
        return self._list(f"/candidates/{quote(candidate_id, safe='')}/comments", "comments", {})

    # https://workable.readme.io/reference/job-candidates-disqualify
    def disqualify(self, candidate_id: str, *, member_id: str, reason: str) -> Exchange:
        url = f"{self.base_url}/candidates/{quote(candidate_id, safe='')}/disqualify"
        body = {"member_id": member_id, "disqualification_reason": reason}
        return self._request("POST", url, json=body).exchange

    # --- Listings -------------------------------------------------------------------------------

    def _list(self, path: str, key: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return _items(self._request("GET", f"{self.base_url}{path}", params=params).data, key)

    def _pages(self, path: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a listing, following `paging.next` only within our base URL."""
        url: str | None = f"{self.base_url}{path}"
        query: dict[str, Any] | None = params
        for _ in range(MAX_PAGES):
            if url is None:
                return
            data = self._request("GET", url, params=query).data
            yield from _items(data, key)
            paging = data.get("paging") if isinstance(data, dict) else None
            next_url = paging.get("next") if isinstance(paging, dict) else None
            if not next_url:
                return
            url, query = self._next_page(str(next_url), key), None


def _items(data: Any, key: str) -> list[dict[str, Any]]:
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict)]
