"""The base of every provider's HTTP client, and the budgets its requests take from the limiter.

`ProviderClient` keeps one `requests` session (a client lives for one batch of deliveries or one
check), sends every request with (connect, read) time-outs, without following redirects, with our
User-Agent, through the address-checked transport (`integrations.egress`), after taking a slot
from its `Budget`; and it turns every answer into the typed outcomes of `integrations.transport`:

- 2xx: the answer (its JSON body, headers and links);
- 429: `RateLimited`, transient, with `retry_after` from Retry-After or the provider's reset
  header (capped at a day); the budget is blocked for that long, for every process;
- 5xx, time-outs (`DeliveryTimeout` when the answer is late), connection errors: transient;
- 401 and 403: permanent with `credentials_rejected`; a 401 first lets the authorization renew a
  short-lived access token, and the request is sent once more;
- 3xx (never followed), other 4xx, an address refused before connecting: permanent.

A provider's subclass states its calls, its `label` (named in every message), base URL,
time-outs, sandbox setting, error body (`describe_error`) and reset header, and may look at
every answer (`observe`, e.g. to learn the size of its rate limit). Every secret the
client holds (a token, a client secret, each access token it used) is redacted from the excerpts
and messages it produces.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import os
import re
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, partial
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self
from urllib.parse import urlsplit

import redis
import requests
from django.utils import timezone

from integrations.egress import (
    AddressRefused,
    CheckedAddressAdapter,
    HostUnresolved,
    Resolver,
    system_resolver,
)
from integrations.ratelimit import RateLimiter, spare_ids
from integrations.transport import (
    DeliveryTimeout,
    Exchange,
    PermanentError,
    Postponed,
    TransientError,
    redact,
)

logger = logging.getLogger(__name__)

USER_AGENT = "HarverIntegrations/1.0 (+https://www.harver.com)"
EXCERPT_CHARACTERS = 500
REASON_CHARACTERS = 200
# Longest wait a Retry-After or reset header can impose on a credential: one day, so an absurd
# value cannot push a delivery past any date we can store (or past the retry schedule).
MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60.0
LIMITER_DOWN_RETRY = datetime.timedelta(seconds=1)


# --- Budgets: the shared rate limit as a client sees it --------------------------------------


class Budget(Protocol):
    """The per-credential rate limit as the client sees it (see `integrations.ratelimit`)."""

    def take(self) -> Callable[[], None] | None:
        """Return when a request may go now; raise `Postponed` or a transient error if not.

        What it returns, if anything, is called once the request has its answer or failed.
        """

    def block(self, seconds: float) -> None:
        """The partner answered 429: no request with this credential for `seconds`."""

    def close(self) -> None:
        """The client is done: give back whatever it holds and did not use."""


# Most slots a budget takes in one limiter call (one for the request, the rest spares).
MOST_SLOTS_A_CALL = 8


class RateBudget:
    """The deliveries' way through the shared rate limit.

    Every request takes a slot. One at most `max_wait` seconds away is taken and waited for in
    place (cheaper than a trip through the queue); a later one is not taken, and the delivery is
    postponed to `max_wait` before it: whoever sends then takes a fresh slot, so a task that runs
    late wastes no slot and the credential's window is used to the full, and a task on time finds
    its slot within the in-place wait. So the trip of a postponed task to a pool process (its
    countdown, a busy pool, the claim), up to `max_wait`, does not make the credential's next
    window late. Sending exactly on the slot is safe because each slot moves to its request's
    answer (`RateLimiter.answered`): the slot `limit` later is a full window after the partner
    counted it, however late that request left.

    A process that wakes more than `late_after` seconds after its slot (stalled by a busy
    machine) no longer sends on it: sent late, it could land in the same partner window as the
    slots after it. It takes a fresh slot instead; the missed one stays unused.

    An answer that came at most `counted_within` seconds after its slot leaves the slot where it
    is (no second limiter call): the partner counted the request by then, and the limiter's
    margin already covers that much travel, so moving it would change nothing the partner sees.
    It is given no more than the margin; the slot's time is taken at its earliest (the limiter
    was asked before its clock chose the slot), so the answer's lateness is never understated.

    With `late_after`, a slot due now comes with spares free at the same moment
    (`RateLimiter.reserve_with_spares`): 1 slot, then 2, 4, up to MOST_SLOTS_A_CALL a call
    while the spares are used up, so requests sent back to back cost a fraction of a call each.
    A spare is sent on only while it is at most `late_after` old, the rule of a slot waited for
    in place; stale spares, those held at a 429 and those left at `close` are given back
    (`release`), as if never taken. Spares are only ever more slots in the log than requests
    sent, never fewer.
    """

    def __init__(
        self,
        key: str,
        limiter: RateLimiter,
        *,
        max_wait: float,
        late_after: float | None = None,
        counted_within: float = 0.0,
    ) -> None:
        self.key = key
        self.limiter = limiter
        self.max_wait = max_wait
        self.late_after = late_after
        self.counted_within = counted_within
        self._spares: list[str] = []  # spare slots not sent on yet, in order
        self._spares_at = 0.0  # their moment, at its earliest (this process's monotonic clock)
        self._asking = 1  # slots the next call asks for

    def take(self) -> Callable[[], None]:
        spare = self._fresh_spare()
        if spare is not None:
            return partial(self._answered, spare, self._spares_at)
        while True:
            asked = time.monotonic()
            now = timezone.now()
            slot_id = uuid.uuid4().hex
            wanted = self._asking - 1 if self.late_after is not None else 0
            try:
                delay, spares = self.limiter.reserve_with_spares(
                    self.key, self.max_wait, slot_id, wanted
                )
            except (redis.RedisError, OSError) as error:
                logger.warning("Rate limiter unavailable (%s); postponed", type(error).__name__)
                raise Postponed(now + LIMITER_DOWN_RETRY) from None
            if delay > self.max_wait:
                raise Postponed(now + datetime.timedelta(seconds=delay - self.max_wait))
            self._spares, self._spares_at = spare_ids(slot_id, spares), asked
            self._asking = min(self._asking * 2, MOST_SLOTS_A_CALL) if spares == wanted else 1
            if delay > 0:
                time.sleep(delay)
            late = time.monotonic() - asked - delay
            if self.late_after is None or late <= self.late_after:
                return partial(self._answered, slot_id, asked + delay)
            logger.info("Woke %.2f s after the rate limit slot; taking a fresh one", late)
            self._give_back_spares()

    def _fresh_spare(self) -> str | None:
        """The next spare slot, if it is still fresh enough to send on; stale ones go back."""
        if not self._spares:
            return None
        if self.late_after is not None and time.monotonic() - self._spares_at <= self.late_after:
            return self._spares.pop(0)
        self._give_back_spares()
        self._asking = 1  # sending slower than the spares keep: ask for fewer
        return None

    def _give_back_spares(self) -> None:
        spares, self._spares = self._spares, []
        if not spares:
            return
        try:
            self.limiter.release(self.key, spares)
        except (redis.RedisError, OSError) as error:
            logger.warning("Rate limiter unavailable (%s); spares kept", type(error).__name__)

    def block(self, seconds: float) -> None:
        self._give_back_spares()  # they are due now, and the partner said not now
        self._asking = 1
        try:
            self.limiter.block(self.key, seconds)
        except (redis.RedisError, OSError) as error:
            logger.warning("Rate limiter unavailable (%s); 429 not shared", type(error).__name__)

    def close(self) -> None:
        self._give_back_spares()

    def _answered(self, slot_id: str, earliest_slot: float) -> None:
        if time.monotonic() - earliest_slot > self.counted_within:
            _answered(self.limiter, self.key, slot_id)


def _answered(limiter: RateLimiter, key: str, slot_id: str) -> None:
    """Move a sent request's slot to its answer; with the limiter down the slot stays where it
    was (the margin covers the request's travel, as it did before slots moved)."""
    try:
        limiter.answered(key, slot_id)
    except (redis.RedisError, OSError) as error:
        logger.warning("Rate limiter unavailable (%s); slot not moved", type(error).__name__)


class WaitingBudget:
    """The rate limit for an interactive check: wait briefly for slots rather than fail.

    It waits at most `max_wait` seconds in all; beyond that, or with the limiter down, the check
    fails with a transient error that says so.
    """

    def __init__(self, key: str, limiter: RateLimiter, max_wait: float = 10.0) -> None:
        self.key = key
        self.limiter = limiter
        self.remaining = max_wait

    def take(self) -> Callable[[], None]:
        slot_id = uuid.uuid4().hex
        try:
            delay = self.limiter.reserve(self.key, slot_id=slot_id)
        except (redis.RedisError, OSError) as error:
            raise TransientError(
                f"The rate limiter is unavailable ({type(error).__name__}); try again shortly."
            ) from None
        if delay > self.remaining:
            raise TransientError(
                f"The credential's request limit is in use by deliveries; try again in "
                f"{delay:.0f} s."
            )
        self.remaining -= delay
        time.sleep(delay)
        return partial(_answered, self.limiter, self.key, slot_id)

    def block(self, seconds: float) -> None:
        self.limiter.block(self.key, seconds)

    def close(self) -> None:
        """Nothing is held between requests."""


# --- Authorization ---------------------------------------------------------------------------


class Authorization(Protocol):
    """What goes in the Authorization header of the provider's API calls."""

    def header(self) -> str:
        """The header's value for the next request."""

    def rejected(self, header: str) -> bool:
        """The partner answered 401 to `header`: True when a fresh one is worth one retry."""

    def secrets(self) -> list[str]:
        """Every secret this authorization holds or has used, to redact."""


class BearerToken:
    """A static token sent as `Bearer`; a 401 is final."""

    def __init__(self, token: str) -> None:
        self.token = token

    def header(self) -> str:
        return f"Bearer {self.token}"

    def rejected(self, header: str) -> bool:
        return False

    def secrets(self) -> list[str]:
        return [self.token]


# --- Answers and headers ---------------------------------------------------------------------


class RateLimited(TransientError):
    """The partner answered 429; `retry_after` is when it said to come back, in seconds."""


@dataclass(frozen=True)
class Answer:
    """A 2xx answer: its JSON body (`{}` when empty or not JSON), headers and `Link`s."""

    data: Any
    exchange: Exchange
    headers: Mapping[str, str] = field(default_factory=dict)
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def loggable_url(url: str) -> str:
    """The URL without its query (emails) or fragment, for logs and attempt records."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


# ASCII digits only: "²".isdigit() is true and float("²") raises.
DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?")
# A reset value at least this large is a moment (epoch seconds); a smaller one, seconds to wait.
EPOCH_THRESHOLD = 1_000_000_000


def _decimal(value: str) -> float | None:
    return float(value) if DECIMAL.fullmatch(value) else None


def _http_date(value: str) -> float | None:
    try:
        moment = email.utils.parsedate_to_datetime(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def retry_after_seconds(
    headers: Mapping[str, str], reset_header: str = "X-RateLimit-Reset"
) -> float | None:
    """Retry-After (seconds or an HTTP date), else the reset header (a moment in epoch seconds,
    or seconds to wait when smaller than EPOCH_THRESHOLD); None when neither says anything.

    Never raises, whatever the values; never negative, never above MAX_RETRY_AFTER_SECONDS.
    """
    seconds: float | None = None
    value = str(headers.get("Retry-After") or "").strip()
    if value:
        seconds = _decimal(value)
        if seconds is None:
            seconds = _http_date(value)
    if seconds is None:
        reset = _decimal(str(headers.get(reset_header) or "").strip())
        if reset is not None:
            seconds = reset - time.time() if reset >= EPOCH_THRESHOLD else reset
    if seconds is None:
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


# --- The client ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Environment:
    proxies: dict[str, str]
    verify: str | bool


@cache
def _environment() -> _Environment:
    """HTTP(S)_PROXY and REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, as `requests` would read them, once
    per process (reading them on every request cost ~9 % of a delivery). NO_PROXY is not read."""
    proxies = {
        scheme: url
        for scheme, url in urllib.request.getproxies().items()
        if scheme in ("http", "https", "all")
    }
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return _Environment(proxies=proxies, verify=bundle or True)


def json_body(response: requests.Response) -> Any:
    """The answer's JSON, or `{}` when it is empty or not JSON."""
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {}


class ProviderClient:
    """One provider's API for one credential, over one session (see the module docstring)."""

    label: ClassVar[str] = "The partner"
    reset_header: ClassVar[str] = "X-RateLimit-Reset"

    def __init__(
        self,
        *,
        base_url: str,
        budget: Budget,
        authorization: Authorization,
        timeout: tuple[float, float],
        allow_loopback: bool,
        secrets: Iterable[str] = (),
        resolver: Resolver | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._budget = budget
        self._authorization = authorization
        self._timeout = timeout
        self._secrets = [secret for secret in secrets if secret]
        environment = _environment()
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self._session.trust_env = False
        self._session.proxies.update(environment.proxies)
        self._session.verify = environment.verify
        adapter = CheckedAddressAdapter(
            allow_loopback=allow_loopback, resolver=resolver or system_resolver
        )
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._budget.close()
        self._session.close()

    # --- What a provider may override ------------------------------------------------------------

    def observe(self, response: requests.Response) -> None:
        """Every answer the partner sent, before it is read (e.g. to learn a rate-limit header);
        the base client looks at nothing."""

    def describe_error(self, response: requests.Response) -> str:
        """The partner's own words for a refused request, from its error body ("" if none)."""
        data = json_body(response)
        if isinstance(data, dict):
            for key in ("message", "error"):
                if isinstance(data.get(key), str):
                    return str(data[key])
        return ""

    # --- For the provider's calls ----------------------------------------------------------------

    def redact(self, text: str) -> str:
        """`text` without any secret this client holds or has used."""
        return redact(text, [*self._authorization.secrets(), *self._secrets])

    def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        authorize: bool = True,
    ) -> Answer:
        """Send one request (two when a 401 renews the access token); the answer or an error.

        `authorize=False` leaves the Authorization header to the caller: its `headers`, or HTTP
        Basic `auth` (a token request with the client id and secret).
        """
        described = f"{method} {loggable_url(url)}"
        renewed = False
        while True:
            sent = self._authorization.header() if authorize else None
            request_headers = dict(headers or {})
            if sent is not None:
                request_headers["Authorization"] = sent
            response = self._send(
                method,
                url,
                described,
                params=params,
                json=json,
                data=data,
                headers=request_headers,
                auth=auth,
            )
            if (
                response.status_code == 401
                and sent is not None
                and not renewed
                and self._authorization.rejected(sent)
            ):
                renewed = True
                continue
            return self._answer(response, described)

    def _next_page(self, next_url: str, what: str) -> str:
        """`next_url` when it is under the base URL: a partner's paging never sends us elsewhere."""
        if next_url.startswith((f"{self.base_url}/", f"{self.base_url}?")):
            return next_url
        raise PermanentError(
            f"{self.label}'s next page of {what} is not under {self.base_url}; it was not followed."
        )

    # --- Plumbing --------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        described: str,
        **arguments: Any,
    ) -> requests.Response:
        label = self.label
        answered = self._budget.take()
        started = time.monotonic()
        try:
            response = self._session.request(
                method, url, timeout=self._timeout, allow_redirects=False, **arguments
            )
        except AddressRefused as error:
            raise PermanentError(f"Not sent: {error}", Exchange(request=described)) from None
        except HostUnresolved as error:
            raise TransientError(
                f"Could not reach {label}: {error}", Exchange(request=described)
            ) from None
        except requests.ConnectTimeout as error:
            raise TransientError(
                f"Could not connect to {label} in time ({type(error).__name__}).",
                Exchange(request=described),
            ) from None
        except requests.Timeout:
            raise DeliveryTimeout(
                f"{label} did not answer within {self._timeout[1]:g} s.",
                Exchange(request=described),
            ) from None
        except requests.RequestException as error:
            raise TransientError(
                f"Could not reach {label} ({type(error).__name__}).", Exchange(request=described)
            ) from None
        finally:
            if answered is not None:
                answered()  # the partner has counted it by now, if it ever will
        logger.debug(
            "%s %s answered %s in %d ms",
            label,
            described,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        self.observe(response)
        return response

    def _excerpt(self, response: requests.Response) -> str:
        # Redacted a little past its end, so that no secret is cut in half there and half shown.
        secrets = [*self._authorization.secrets(), *self._secrets]
        longest = max(map(len, secrets), default=0)
        return redact(response.text[: EXCERPT_CHARACTERS + longest], secrets)[:EXCERPT_CHARACTERS]

    def _answer(self, response: requests.Response, described: str) -> Answer:
        label = self.label
        status = response.status_code
        exchange = Exchange(
            request=described, http_status=status, response_excerpt=self._excerpt(response)
        )
        if 200 <= status < 300:
            return Answer(json_body(response), exchange, response.headers, response.links)
        reason = self._reason(response)
        if status == 429:
            retry_after = retry_after_seconds(response.headers, self.reset_header)
            if retry_after is not None:
                self._budget.block(retry_after)
            raise RateLimited(
                f"{label}'s rate limit was reached (HTTP 429){reason}.",
                exchange,
                retry_after=retry_after,
            )
        if status >= 500:
            raise TransientError(f"{label} had a server error (HTTP {status}){reason}.", exchange)
        if 300 <= status < 400:
            raise PermanentError(
                f"{label} answered with a redirect (HTTP {status}); redirects are not followed.",
                exchange,
            )
        if status in (401, 403):
            raise PermanentError(
                f"{label} rejected the credentials (HTTP {status}){reason}.",
                exchange,
                credentials_rejected=True,
            )
        raise PermanentError(f"{label} refused the request (HTTP {status}){reason}.", exchange)

    def _reason(self, response: requests.Response) -> str:
        message = self.describe_error(response)
        if not message:
            return ""
        return f": {self.redact(message)[:REASON_CHARACTERS]}"
