"""Suite-wide fixtures and the rules CI relies on: only loopback traffic, no silent skips."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from integrations import providers, registry
from tests import factories
from tests.processes import rabbitmq_available
from tests.stage_provider import KEY as STAGE_PROVIDER_KEY
from tests.stage_provider import StageInvitingProvider

REQUIRE_ALL_ENV = "HARVER_REQUIRE_ALL_TESTS"
# Any token that reaches a log, a task's arguments, a delivery row or an admin page fails the test.
pytest_plugins = ["tests.secret_watch"]


def _redis_reachable() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def _rabbitmq_reachable() -> bool:
    from kombu import Connection

    url = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
    try:
        with Connection(url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception:
        return False
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests whose service is absent; CI sets HARVER_REQUIRE_ALL_TESTS and fails them."""
    database_url = os.environ.get("DATABASE_URL", "")
    reasons = {
        "postgres": None
        if database_url.startswith(("postgres://", "postgresql://"))
        else "needs DATABASE_URL pointing at PostgreSQL",
        "redis": None if _redis_reachable() else "needs a reachable Redis at REDIS_URL",
        "rabbitmq": None
        if rabbitmq_available() and _rabbitmq_reachable()
        else "needs Debian rabbitmq-server (tests start private nodes) and the machine's node "
        "at RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672//)",
        "pgbouncer": None
        if shutil.which("pgbouncer") or os.path.exists("/usr/sbin/pgbouncer")
        else "needs Debian pgbouncer (tests start a private one)",
        "browser": None
        if shutil.which("chromium") or os.path.exists("/usr/bin/chromium")
        else "needs Debian chromium at /usr/bin/chromium",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get(REQUIRE_ALL_ENV) != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        if reporter:
            reporter.write_line(
                f"{REQUIRE_ALL_ENV}=1: {len(skipped)} test(s) skipped; every database, broker "
                "and browser test must run here.",
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Throttle and rate-limit counters must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any outbound connection that is not to this machine."""
    real_connect = socket.socket.connect

    def guarded_connect(sock: socket.socket, address: object) -> object:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            host = str(address[0])
            if host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("127."):
                raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")
        return real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def account(db: None) -> factories.Account:
    return factories.AccountFactory.create()


@pytest.fixture
def assessments(account: factories.Account) -> list[factories.Assessment]:
    return [
        factories.AssessmentFactory.create(
            account=account, competencies=["Conscientiousness", "Agreeableness"]
        ),
        factories.AssessmentFactory.create(account=account, competencies=["Numerical reasoning"]),
    ]


@pytest.fixture
def integration(
    account: factories.Account, assessments: list[factories.Assessment]
) -> factories.Integration:
    return factories.ready_integration(account)


@pytest.fixture
def is_postgres(db: None) -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def public_base_url() -> str:
    return str(settings.PUBLIC_BASE_URL)


@pytest.fixture
def stage_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[StageInvitingProvider]:
    """A registered provider that invites by stage; each test scripts its event handling."""
    monkeypatch.setitem(
        registry.PROVIDERS,
        STAGE_PROVIDER_KEY,
        registry.ProviderEntry(
            "Stage ATS", "tests.stage_provider.StageInvitingProvider", app="tests"
        ),
    )
    provider = providers.get_provider(STAGE_PROVIDER_KEY)
    assert isinstance(provider, StageInvitingProvider)
    yield provider
    provider.handle = None
    provider.listing_fails = False
