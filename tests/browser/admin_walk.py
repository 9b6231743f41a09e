"""What every ATS's admin walk-through shares: signing in, and adding an integration whose
set-up task runs in the test, step by step, while the page shows each step progress."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from playwright.sync_api import Locator, Page, expect

from integrations import admin_views, tasks


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def add_integration(
    page: Page,
    monkeypatch: pytest.MonkeyPatch,
    *,
    account: str,
    provider: str,
    on_form: Callable[[], None],
    on_progress: Callable[[], None],
) -> Locator:
    """From the integrations list: Add new integration, choose `account` and `provider`
    (`on_form` then), Add integration; the set-up runs here and the page follows it (`on_progress`
    while the assessments step runs, the token step done). Its "Continue to Overview" button,
    enabled once every step is done."""
    page.get_by_role("link", name="Add new integration").click()
    page.select_option("#id_account", label=account)
    page.select_option("#id_provider", label=provider)
    on_form()
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(
        admin_views,
        "run_integration_setup",
        SimpleNamespace(delay=lambda *args: queued.append(args)),
    )
    page.get_by_role("button", name="Add integration").click()

    expect(page.locator("#setup-state")).to_have_text("Waiting to start")
    assert len(queued) == 1
    record_step = tasks.record_setup_step

    def record_and_watch(integration_id: int, key: str, label: str) -> None:
        record_step(integration_id, key, label)
        expect(page.locator(f'[data-step="{key}"]')).to_have_attribute("data-status", "running")
        if key == "assessments":
            expect(page.locator('[data-step="token"]')).to_have_attribute("data-status", "done")
            on_progress()

    monkeypatch.setattr(tasks, "record_setup_step", record_and_watch)
    tasks.run_integration_setup(*queued[0])
    continue_button = page.get_by_role("button", name="Continue to Overview")
    expect(continue_button).to_be_enabled()
    expect(page.locator(".setup-steps [data-status=done]")).to_have_count(4)
    return continue_button
