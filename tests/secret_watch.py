"""The whole suite watches for leaked secrets (checklist S5): any test that lets a token reach a
log record, a task's arguments, a delivery row or an admin page fails at its teardown.

Secrets are learned as the suite makes them: every "Harver to ATS" secret stored on a credential
and every token we mint ("ATS to Harver", engine keys). Log records are read at DEBUG from the
root logger; task arguments as tasks are published or run eagerly; delivery, attempt and
integration rows after each database test; admin pages as the test client receives them. A
minted token is shown once on purpose (the reveal page), so pages are searched for Workable
tokens only.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from celery.signals import before_task_publish, task_prerun
from django.test.client import Client

from harver_integration.tokens import TokenFormat
from integrations.models import AtsCredential

MIN_SECRET_LENGTH = 12


class SecretWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.outbound: set[str] = set()
        self.inbound: set[str] = set()
        self.leaks: list[str] = []

    def secrets(self, *, pages: bool = False) -> set[str]:
        return set(self.outbound) if pages else self.outbound | self.inbound

    def search(self, place: str, text: str, *, pages: bool = False) -> None:
        for secret in self.secrets(pages=pages):
            if secret in text:
                self.leaks.append(f"a token ending in …{secret[-4:]} appeared in {place}")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:
            text = str(record.msg)
        self.search(f"a log record of {record.name}", text)


WATCH = SecretWatch()


def pytest_configure(config: pytest.Config) -> None:
    set_secret = AtsCredential.set_secret

    def learning_set_secret(self: AtsCredential, name: str, value: str, **kwargs: Any) -> None:
        if len(value) >= MIN_SECRET_LENGTH:
            WATCH.outbound.add(value)
        set_secret(self, name, value, **kwargs)

    AtsCredential.set_secret = learning_set_secret  # type: ignore[method-assign]

    mint = TokenFormat.mint

    def learning_mint(self: TokenFormat) -> str:
        token = mint(self)
        WATCH.inbound.add(token)
        return token

    TokenFormat.mint = learning_mint  # type: ignore[method-assign]

    request = Client.request

    def watched_request(self: Client, **kwargs: Any) -> Any:
        response = request(self, **kwargs)
        path = str(kwargs.get("PATH_INFO", ""))
        content_type = response.get("Content-Type", "")
        if path.startswith("/admin/") and content_type.startswith("text/html"):
            page = response.content.decode(errors="replace")
            WATCH.search(f"the admin page {path}", page, pages=True)
        return response

    Client.request = watched_request  # type: ignore[method-assign]


def _watch_logs() -> None:
    """Django's logging configuration replaces the root handlers, so attach after it ran."""
    root = logging.getLogger()
    if WATCH not in root.handlers:
        root.addHandler(WATCH)
    root.setLevel(logging.DEBUG)


@before_task_publish.connect
def _published(body: Any = None, headers: Any = None, **kwargs: Any) -> None:
    WATCH.search("a published task message", repr(body) + repr(headers))


@task_prerun.connect
def _started(args: Any = None, kwargs: Any = None, **extra: Any) -> None:
    WATCH.search("a task's arguments", repr(args) + repr(kwargs))


def _search_rows() -> None:
    from integrations.models import Delivery, DeliveryAttempt, Integration

    rows = [
        *Delivery.objects.values_list("payload", "url", "last_error"),
        *DeliveryAttempt.objects.values_list("request", "response_excerpt", "error"),
        *Integration.objects.values_list("last_error"),
    ]
    WATCH.search("a delivery, attempt or integration row", repr(rows))


def _uses_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    wanted = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}
    return bool(names & wanted or item.get_closest_marker("django_db"))


def _report(phase: str) -> None:
    leaks, WATCH.leaks = list(dict.fromkeys(WATCH.leaks)), []
    if leaks:
        raise AssertionError(f"secret leaked during {phase}: " + "; ".join(leaks))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    _watch_logs()
    WATCH.leaks.clear()
    result = yield
    _report("setup")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    if _uses_database(item):
        # Still inside the test's transaction; a test that broke it has nothing more to show.
        with contextlib.suppress(Exception):
            _search_rows()
    _report("the test")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    result = yield
    _report("teardown")
    return result
