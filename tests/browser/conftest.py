"""What every browser test shares: Debian Chromium driven by Playwright, screenshots, clean rows.

Chromium is the Debian package at /usr/bin/chromium; Playwright never downloads a browser here.
Every page of every browser test is watched for Content-Security-Policy violations: the policy
must never block one of the platform's own scripts or styles, so any violation fails the test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connections
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
# Reports each violation to the console, where the watch below collects it with Chromium's own
# "Refused to …" messages. Playwright's init scripts are not subject to the page's policy.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


def watch_csp_violations(context: BrowserContext, violations: list[str]) -> None:
    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if text.startswith("CSP violation:") or "Refused to" in text:
            violations.append(text)

    context.add_init_script(REPORT_CSP_VIOLATIONS)
    context.on("console", on_console)


@pytest.fixture(autouse=True)
def _migrated_rows(transactional_db: None) -> None:
    """Content types, permissions and the Harver Admin group, whatever test flushed them.

    Transactional tests flush the database after themselves without re-running post_migrate;
    recreating those rows first makes every browser test independent of the order they run in.
    """
    emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """A temporary folder; UPDATE_SCREENSHOTS=1 writes the committed docs/screenshots instead."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        folder = Path(settings.BASE_DIR) / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path


@pytest.fixture
def csp_violations() -> list[str]:
    """What the browser refused under the Content-Security-Policy during the test."""
    return []


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch, csp_violations: list[str]) -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    violations = csp_violations
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context = chromium.new_context

        def watched_context(*args: object, **kwargs: object) -> BrowserContext:
            context = new_context(*args, **kwargs)  # type: ignore[arg-type]
            watch_csp_violations(context, violations)
            return context

        chromium.new_context = watched_context  # type: ignore[method-assign]
        try:
            yield chromium
            assert violations == [], "the Content-Security-Policy blocked part of a page"
        finally:
            chromium.close()
            # The sync API runs the test in a greenlet with its own context, and Django's
            # connections are per context: close the ones opened there, or PostgreSQL keeps a
            # session that stops the test database from being dropped.
            connections.close_all()
