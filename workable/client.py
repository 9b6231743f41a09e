"""The one place that talks to Workable: SPI v3 calls and the results callback (contract §3, §4).

One `requests` session per client, a (connect, read) time-out on every call, no redirects
followed, our User-Agent, and typed errors from `integrations.transport` that decide retries:
time-outs, connection errors, 5xx and 429 are transient, other answers outside 2xx permanent,
401/403 flagged as rejected credentials. Every request first takes a slot from a `Budget`, the
shared per-token rate limit. The token travels only in the Authorization header, to the
configured Workable base URL or to a `callback_url` that passed the allow-list a moment before;
it is redacted from every excerpt and message this module produces.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import os
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from integrations.transport import (
    DeliveryTimeout,
    Exchange,
    PermanentError,
    TransientError,
    redact,
)
from workable.callbacks import callback_url_problem

logger = logging.getLogger(__name__)

USER_AGENT = "HarverIntegrations/1.0 (+https://www.harver.com)"
EXCERPT_CHARACTERS = 500
PAGE_SIZE = 100
MAX_PAGES = 50


class Budget(Protocol):
    """The per-token rate limit as the client sees it (see `workable.ratelimit`)."""

    def take(self) -> None:
        """Return when a request may go now; raise `Postponed` when it must wait."""

    def block(self, seconds: float) -> None:
        """Workable answered 429: no request with this token for `seconds`."""


class RateLimitedByWorkable(TransientError):
    """Workable answered 429; `retry_after` is when it said to come back, in seconds."""


def api_base_url(subdomain: str) -> str:
    return str(settings.WORKABLE_API_BASE_URL).format(subdomain=subdomain).rstrip("/")


# Longest wait a Retry-After or X-Rate-Limit-Reset header can impose on a token: one day.
MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60.0


def loggable_url(url: str) -> str:
    """The URL without its query (emails) or fragment, for logs and attempt records."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def retry_after_seconds(headers: requests.structures.CaseInsensitiveDict[str]) -> float | None:
    """Retry-After (seconds or an HTTP date), else X-Rate-Limit-Reset (epoch seconds).

    Capped at MAX_RETRY_AFTER_SECONDS: an absurd value must not push a delivery past any date
    we can store (or past the retry schedule's own horizon).
    """
    seconds = _retry_after_header(headers)
    return None if seconds is None else min(seconds, MAX_RETRY_AFTER_SECONDS)


def _retry_after_header(headers: requests.structures.CaseInsensitiveDict[str]) -> float | None:
    value = headers.get("Retry-After", "").strip()
    if value:
        if value.replace(".", "", 1).isdigit():
            return float(value)
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=datetime.UTC)
            return max(0.0, moment.timestamp() - time.time())
    reset = headers.get("X-Rate-Limit-Reset", "").strip()
    if reset.replace(".", "", 1).isdigit():
        return max(0.0, float(reset) - time.time())
    return None


class WorkableClient:
    """Workable's API for one integration's subdomain and "Harver to ATS" token."""

    def __init__(self, *, subdomain: str, token: str, budget: Budget) -> None:
        self.base_url = api_base_url(subdomain)
        self._token = token
        self._budget = budget
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # The environment (proxies, CA bundle) is read once per process, not on every request.
        self._session.trust_env = False
        self._session.proxies.update(_environment().proxies)
        self._session.verify = _environment().verify
        self._timeout = (settings.WORKABLE_CONNECT_TIMEOUT, settings.WORKABLE_READ_TIMEOUT)

    def __enter__(self) -> WorkableClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._session.close()

    # --- The calls ------------------------------------------------------------------------------

    # Results callback: https://workable.readme.io/page/assessment-providers
    def put_assessment_result(self, callback_url: str, body: dict[str, Any]) -> Exchange:
        problem = callback_url_problem(callback_url)
        if problem is not None:
            raise PermanentError(
                f"Not sent: {problem}", Exchange(request=f"PUT {loggable_url(callback_url)}")
            )
        return self._request("PUT", callback_url, json=body)[1]

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
        return self._request("POST", url, json=payload)[1]

    # https://workable.readme.io/reference/candidatesidupdate_custom_attribute_value
    def update_custom_attribute_value(self, candidate_id: str, *, key: str, value: str) -> Exchange:
        url = (
            f"{self.base_url}/candidates/{quote(candidate_id, safe='')}"
            "/update_custom_attribute_value"
        )
        payload = {"custom_attribute_key": key, "value": value}
        return self._request("PATCH", url, json=payload)[1]

    # --- Plumbing -------------------------------------------------------------------------------

    def _list(self, path: str, key: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        data, _ = self._request("GET", f"{self.base_url}{path}", params=params)
        return _items(data, key)

    def _pages(self, path: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a listing, following `paging.next` only within our base URL."""
        url: str | None = f"{self.base_url}{path}"
        query: dict[str, Any] | None = params
        for _ in range(MAX_PAGES):
            if url is None:
                return
            data, _ = self._request("GET", url, params=query)
            yield from _items(data, key)
            paging = data.get("paging") if isinstance(data, dict) else None
            next_url = paging.get("next") if isinstance(paging, dict) else None
            if not next_url:
                return
            if not str(next_url).startswith(f"{self.base_url}/"):
                raise PermanentError(
                    f"Workable's next page of {key} is not under {self.base_url}; "
                    "it was not followed."
                )
            url, query = str(next_url), None

    def _request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
    ) -> tuple[Any, Exchange]:
        described = f"{method} {loggable_url(url)}"
        self._budget.take()
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.ConnectTimeout as error:
            raise TransientError(
                f"Could not connect to Workable in time ({type(error).__name__}).",
                Exchange(request=described),
            ) from None
        except requests.Timeout:
            raise DeliveryTimeout(
                f"Workable did not answer within {self._timeout[1]:g} s.",
                Exchange(request=described),
            ) from None
        except requests.RequestException as error:
            raise TransientError(
                f"Could not reach Workable ({type(error).__name__}).", Exchange(request=described)
            ) from None
        elapsed_ms = int((time.monotonic() - started) * 1000)
        status = response.status_code
        exchange = Exchange(
            request=described,
            http_status=status,
            response_excerpt=self._redact(response.text[:EXCERPT_CHARACTERS]),
        )
        logger.debug("Workable %s answered %s in %d ms", described, status, elapsed_ms)
        if 200 <= status < 300:
            return _json(response), exchange
        reason = self._reason(response)
        if status == 429:
            retry_after = retry_after_seconds(response.headers)
            if retry_after is not None:
                self._budget.block(retry_after)
            raise RateLimitedByWorkable(
                f"Workable's rate limit was reached (HTTP 429){reason}.",
                exchange,
                retry_after=retry_after,
            )
        if status >= 500:
            raise TransientError(f"Workable had a server error (HTTP {status}){reason}.", exchange)
        if 300 <= status < 400:
            raise PermanentError(
                f"Workable answered with a redirect (HTTP {status}); redirects are not followed.",
                exchange,
            )
        if status in (401, 403):
            raise PermanentError(
                f"Workable rejected the credentials (HTTP {status}){reason}.",
                exchange,
                credentials_rejected=True,
            )
        raise PermanentError(f"Workable refused the request (HTTP {status}){reason}.", exchange)

    def _reason(self, response: requests.Response) -> str:
        data = _json(response)
        message = data.get("error") if isinstance(data, dict) else None
        if not message:
            return ""
        return f": {self._redact(str(message))[:200]}"

    def _redact(self, text: str) -> str:
        return redact(text, [self._token])


@dataclass(frozen=True)
class _Environment:
    proxies: dict[str, str]
    verify: str | bool


@cache
def _environment() -> _Environment:
    """HTTP(S)_PROXY and REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, as `requests` would read them.

    NO_PROXY is not consulted: every address we call is Workable's.
    """
    proxies = {
        scheme: url
        for scheme, url in urllib.request.getproxies().items()
        if scheme in ("http", "https", "all")
    }
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return _Environment(proxies=proxies, verify=bundle or True)


def _json(response: requests.Response) -> Any:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {}


def _items(data: Any, key: str) -> list[dict[str, Any]]:
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict)]
