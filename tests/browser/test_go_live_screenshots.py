"""The go-live check in Debian Chromium: a Harver admin runs it from the overview, reads the
report when every step passes and when one fails, and sees the result and the credential
countdown on the overview. Screenshots go to a temporary folder; with UPDATE_SCREENSHOTS=1 they
replace docs/screenshots/go-live-*.png that docs/operations.md shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from integrations.models import AtsCredential
from tests.admin_support import integration_url, staff_member
from tests.browser.conftest import TIMEOUT_MS
from tests.workable.golive_support import Ready, ready_fixture  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def page(live_server: Any, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def sign_in(page: Page, ready: Ready) -> None:
    staff_member(ready.integration.account, username="hannah")  # the factory's PASSWORD
    page.goto("/admin/login/")
    page.fill("#id_username", "hannah")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_the_go_live_report_when_it_passes_and_when_it_fails(
    page: Page, ready: Ready, screenshots: Path
) -> None:
    AtsCredential.objects.filter(integration=ready.integration).update(
        expires_on=timezone.localdate() + datetime.timedelta(days=21)
    )
    sign_in(page, ready)

    # from the overview, the go-live check, run as a dry run
    page.goto(integration_url("overview", ready.integration))
    expect(page.locator("#go-live-last")).to_contain_text("The go-live check has not run yet.")
    page.click("#go-live-open")
    page.get_by_role("button", name="Run the go-live check (dry run)").click()
    expect(page.locator("#go-live-summary")).to_contain_text("Every step passed")
    expect(page.locator(".go-live-step.passed")).to_have_count(7)
    expect(page.locator("#go-live-preview")).to_contain_text("harver_fit")
    page.screenshot(path=str(screenshots / "go-live-pass.png"), full_page=True)

    # the overview shows the last run and the token's countdown
    page.goto(integration_url("overview", ready.integration))
    expect(page.locator("#go-live-last")).to_contain_text("every step passed.")
    expect(page.locator("#expiry-countdown")).to_have_text("21 days left")
    page.locator("#readiness").screenshot(path=str(screenshots / "go-live-overview.png"))

    # the live check, on a test job, after the confirmation
    job = ready.sandbox.add_job("acme", "Go-live test job")
    page.goto(integration_url("go_live", ready.integration))
    page.select_option("#id_job", job)
    page.check("#id_confirm")
    # (Workable's rate limit, 10 requests per 10 s, makes the live check wait a little)
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("button", name="Run the live check").click(no_wait_after=True)
    expect(page.locator("#go-live-summary")).to_contain_text("Every step passed — live check")
    expect(page.locator(".go-live-step.passed")).to_have_count(13)
    expect(page.locator("#go-live-steps")).to_contain_text("was disqualified on job")
    page.screenshot(path=str(screenshots / "go-live-live.png"), full_page=True)

    # when Workable refuses the token
    ready.sandbox.create_account("acme", "Acme (sandbox)", api_token="a-revoked-token")
    page.goto(integration_url("go_live", ready.integration))
    page.get_by_role("button", name="Run the go-live check (dry run)").click()
    expect(page.locator("#go-live-summary")).to_contain_text("4 of 7 steps failed")
    expect(page.locator(".go-live-step.failed").first).to_contain_text(
        "Workable refused the API token (HTTP 401)"
    )
    page.screenshot(path=str(screenshots / "go-live-fail.png"), full_page=True)
