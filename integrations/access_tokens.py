"""Short-lived access tokens traded for stored credentials (OAuth client credentials), shared.

Some partners take a client id and secret only at a token endpoint and want a short-lived access
token on every API call. `AccessTokenCache` keeps one token per credential for every process:
the first caller mints it (the provider's `mint` function asks the token endpoint), the others
read it. A token is renewed `renew_before` seconds before it expires (half its life if it is
shorter), by one caller at a time per credential: a lock, and a second look once it is held, so
that callers arriving together cause one mint. After a 401, `invalidate(key, token)` drops that
token (only if it is still the cached one: another process may have renewed it already), and the
next `get` mints a fresh one.

With REDIS_URL the tokens and the locks live in Redis (shared across machines); the embedded
default keeps them in files under VAR_DIR behind `flock`, shared by the processes of one machine.
A cached token is encrypted with FIELD_ENCRYPTION_KEYS, and it is stored under a hash of the key,
never the key.

`AccessTokenAuthorization` plugs the cache into `integrations.http.ProviderClient`: the client
sends `Authorization: Bearer <access token>`, and on a 401 it invalidates that token and retries
once with a freshly minted one.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import logging
import math
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import redis
from django.conf import settings

from harver_integration.crypto import SecretDecryptionError, decrypt, encrypt
from integrations.transport import PermanentError, TransientError

logger = logging.getLogger(__name__)

# How long a caller waits for another one's mint before giving up (transiently).
LOCK_WAIT_SECONDS = 30.0
# A crashed minter's lock is released after this long (longer than any token request).
LOCK_EXPIRY_SECONDS = 60.0


@dataclass(frozen=True)
class AccessToken:
    """A token and the moment (epoch seconds) the partner said it expires."""

    value: str
    expires_at: float

    @classmethod
    def from_answer(cls, data: Any, *, now: float | None = None) -> AccessToken:
        """A token endpoint's JSON answer: `access_token` with `expires_in` (seconds) or
        `expires_at` (RFC 3339 or epoch seconds). A malformed answer is a permanent error."""
        now = time.time() if now is None else now
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise PermanentError("The token endpoint answered without an access_token.")
        expires_at = _expiry(data.get("expires_in"), data.get("expires_at"), now)
        if expires_at is None:
            raise PermanentError("The token endpoint answered without a usable expiry.")
        return cls(value=data["access_token"], expires_at=expires_at)


def _expiry(expires_in: Any, expires_at: Any, now: float) -> float | None:
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        return now + float(expires_in) if math.isfinite(expires_in) else None
    if isinstance(expires_in, str) and expires_in.isascii() and expires_in.isdigit():
        return now + float(expires_in)
    if isinstance(expires_at, int | float) and not isinstance(expires_at, bool):
        return float(expires_at) if math.isfinite(expires_at) else None
    if isinstance(expires_at, str):
        try:
            moment = datetime.datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.timestamp()
    return None


@dataclass(frozen=True)
class CachedToken:
    value: str
    expires_at: float
    renew_at: float

    def fresh(self, now: float) -> bool:
        return now < self.renew_at


class TokenStore(Protocol):
    def read(self, name: str) -> str | None:
        """The stored text for `name`, or None."""

    def write(self, name: str, text: str, ttl: float) -> None:
        """Store `text` for `name`, forgotten after `ttl` seconds."""

    def delete(self, name: str) -> None: ...

    def lock(self, name: str) -> contextlib.AbstractContextManager[None]:
        """Held by one caller at a time across processes; raises TimeoutError when it waits
        longer than LOCK_WAIT_SECONDS."""


class RedisTokenStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def read(self, name: str) -> str | None:
        raw = self.client.get(name)
        return raw.decode() if isinstance(raw, bytes) else raw

    def write(self, name: str, text: str, ttl: float) -> None:
        self.client.set(name, text, px=max(1, int(ttl * 1000)))

    def delete(self, name: str) -> None:
        self.client.delete(name)

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        lock = self.client.lock(
            f"{name}:lock", timeout=LOCK_EXPIRY_SECONDS, blocking_timeout=LOCK_WAIT_SECONDS
        )
        if not lock.acquire():
            raise TimeoutError(f"the lock was held for more than {LOCK_WAIT_SECONDS:g} s")
        try:
            yield
        finally:
            with contextlib.suppress(redis.exceptions.LockError):
                lock.release()


class FileTokenStore:
    """One JSON file per name, replaced atomically; the lock is `flock` on a file beside it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def read(self, name: str) -> str | None:
        try:
            record = json.loads((self.directory / f"{name}.json").read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or float(record.get("until", 0)) <= time.time():
            return None
        text = record.get("text")
        return text if isinstance(text, str) else None

    def write(self, name: str, text: str, ttl: float) -> None:
        record = json.dumps({"text": text, "until": time.time() + ttl})
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "w") as file:
                file.write(record)
            os.replace(temporary, self.directory / f"{name}.json")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def delete(self, name: str) -> None:
        (self.directory / f"{name}.json").unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        with (self.directory / f"{name}.lock").open("a") as handle:
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"the lock was held for more than {LOCK_WAIT_SECONDS:g} s"
                        ) from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


@cache
def _store(redis_url: str, var_dir: str) -> TokenStore:
    if redis_url:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2)
        return RedisTokenStore(client)
    return FileTokenStore(Path(var_dir) / "access_tokens")


def default_store() -> TokenStore:
    """Redis at REDIS_URL, else files under VAR_DIR (one store, one Redis pool per process)."""
    return _store(settings.REDIS_URL, str(settings.VAR_DIR))


class AccessTokenCache:
    """One access token per key (a credential), shared by every process; see the module doc.

    `prefix` keeps one provider's keys apart from another's; `renew_before` is how many seconds
    before its expiry a token is renewed.
    """

    def __init__(
        self, prefix: str, *, renew_before: float = 60.0, store: TokenStore | None = None
    ) -> None:
        self.prefix = prefix
        self.renew_before = renew_before
        self._store = store

    @property
    def store(self) -> TokenStore:
        return self._store or default_store()

    def _name(self, key: str) -> str:
        digest = hashlib.sha256(f"{self.prefix}\0{key}".encode()).hexdigest()[:40]
        return f"{self.prefix}:token:{digest}"

    def _cached(self, name: str) -> CachedToken | None:
        text = self.store.read(name)
        if text is None:
            return None
        try:
            record = json.loads(decrypt(text))
            return CachedToken(
                value=str(record["value"]),
                expires_at=float(record["expires_at"]),
                renew_at=float(record["renew_at"]),
            )
        except (SecretDecryptionError, ValueError, KeyError, TypeError):
            return None  # written with a retired key, or not ours: mint anew

    def get(self, key: str, mint: Callable[[], AccessToken]) -> CachedToken:
        """A fresh token for `key`, minted with `mint` only when no process has one."""
        name = self._name(key)
        try:
            token = self._cached(name)
            if token is not None and token.fresh(time.time()):
                return token
            with self.store.lock(name):
                token = self._cached(name)
                if token is not None and token.fresh(time.time()):
                    return token
                return self._mint(name, mint)
        except TimeoutError:
            raise TransientError(
                "Another process is still renewing the access token; try again shortly."
            ) from None
        except (redis.RedisError, OSError) as error:
            raise _unavailable(error) from None

    def _mint(self, name: str, mint: Callable[[], AccessToken]) -> CachedToken:
        minted = mint()
        now = time.time()
        life = max(0.0, minted.expires_at - now)
        token = CachedToken(
            value=minted.value,
            expires_at=minted.expires_at,
            renew_at=now + life - min(self.renew_before, life / 2),
        )
        if life > 0:
            record = {
                "value": token.value,
                "expires_at": token.expires_at,
                "renew_at": token.renew_at,
            }
            self.store.write(name, encrypt(json.dumps(record)), ttl=life)
        logger.info("Minted an access token for %s, valid for %d s", self.prefix, life)
        return token

    def invalidate(self, key: str, token: str | None = None) -> None:
        """Forget `key`'s token (the partner refused it), unless another one replaced it."""
        name = self._name(key)
        try:
            with self.store.lock(name):
                cached = self._cached(name)
                if cached is not None and (token is None or cached.value == token):
                    self.store.delete(name)
        except (redis.RedisError, OSError) as error:
            raise _unavailable(error) from None


def _unavailable(error: Exception) -> TransientError:
    return TransientError(
        f"The access token store is unavailable ({type(error).__name__}); try again shortly."
    )


class AccessTokenAuthorization:
    """`Authorization: Bearer <access token>` from an `AccessTokenCache`, for a ProviderClient.

    The token is kept in the client until it is due for renewal; a 401 invalidates it, and the
    client retries once with a fresh one. `secrets` are the credential's own (e.g. the client
    secret), redacted with every access token this client used.
    """

    def __init__(
        self,
        cache: AccessTokenCache,
        key: str,
        mint: Callable[[], AccessToken],
        *,
        secrets: Iterable[str] = (),
    ) -> None:
        self.cache = cache
        self.key = key
        self.mint = mint
        self._secrets = [secret for secret in secrets if secret]
        self._token: CachedToken | None = None
        self._used: list[str] = []

    def header(self) -> str:
        if self._token is None or not self._token.fresh(time.time()):
            self._token = self.cache.get(self.key, self.mint)
            if self._token.value not in self._used:
                self._used.append(self._token.value)
        return f"Bearer {self._token.value}"

    def rejected(self, header: str) -> bool:
        self.cache.invalidate(self.key, header.removeprefix("Bearer "))
        self._token = None
        return True

    def secrets(self) -> list[str]:
        return [*self._secrets, *self._used]
