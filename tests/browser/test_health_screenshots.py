"""The health page, an integration's Health section and an issue, in Debian Chromium.

The rows are what the scan would find on a day with trouble: one Workable integration whose
deliveries fail, one whose oldest delivery waits, one healthy Greenhouse integration; the issue
scan runs for real. Screenshots go to a temporary folder; with UPDATE_SCREENSHOTS=1 they replace
the ones docs/operations.md shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from integrations import issue_checks, issues
from integrations.models import Delivery, Integration, Issue
from tests import factories, outbox_rows
from tests.admin_support import staff_member
from tests.browser.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def page(live_server, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def _integration(account_name: str, provider: str) -> Integration:
    account = factories.AccountFactory.create(name=account_name)
    staff_member(account, username=f"hannah-{provider}-{account.pk}")
    integration = factories.ready_integration(account, provider)
    Integration.objects.filter(pk=integration.pk).update(is_enabled=True)
    integration.refresh_from_db()
    return integration


@pytest.fixture
def troubled_day() -> Integration:
    now = timezone.now()
    failing = _integration("Acme Retail", "workable")
    for days_ago, succeeded, failed in [(6, 9, 0), (5, 11, 1), (4, 8, 0), (3, 12, 1), (2, 10, 0)]:
        outbox_rows.attempts(
            failing,
            succeeded=succeeded,
            failed=failed,
            at=now - datetime.timedelta(days=days_ago),
        )
    outbox_rows.attempts(failing, succeeded=2, failed=7, at=now - datetime.timedelta(hours=3))
    for seconds in (2, 3, 3, 4, 40):
        outbox_rows.delivery(
            failing,
            created_at=now - datetime.timedelta(seconds=seconds),
            finished_at=now,
        )
    waiting = _integration("Northwind Logistics", "workable")
    outbox_rows.attempts(waiting, succeeded=6, failed=0, at=now - datetime.timedelta(hours=5))
    outbox_rows.delivery(
        waiting, state=Delivery.State.PENDING, created_at=now - datetime.timedelta(minutes=95)
    )
    healthy = _integration("Globex", "greenhouse")
    outbox_rows.attempts(healthy, succeeded=14, failed=0, at=now - datetime.timedelta(hours=2))
    issues.scan(issue_checks.FREQUENT_CHECKS, now=now)
    return failing


def test_the_health_page_the_health_section_and_an_issue(
    page: Page, troubled_day: Integration, screenshots: Path
) -> None:
    superuser = factories.UserFactory.create(username="ops", is_superuser=True)
    page.goto("/admin/login/")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    # the platform health page: the failing integration first, the waiting one next
    page.goto("/admin/integrations/integration/")
    page.click("#health-link")
    rows = page.locator("#health-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Acme Retail")
    expect(rows.nth(0)).to_contain_text("22.2% of 9")
    expect(rows.nth(1)).to_contain_text("Northwind Logistics")
    expect(rows.nth(2)).to_contain_text("Globex")
    page.screenshot(path=str(screenshots / "operations-health-page.png"), full_page=True)

    # the overview's Health section, with its chart and the open issue
    rows.nth(0).locator("a").first.click()
    section = page.locator("#health")
    expect(section).to_contain_text("22.2% of 9")
    expect(section.locator("svg rect.bar-failed")).to_have_count(7)
    expect(section).to_contain_text("Deliveries failing")
    section.screenshot(path=str(screenshots / "operations-health-section.png"))

    # the issue, with its evidence and history
    section.locator(".open-issues a").first.click()
    expect(page.locator("#content")).to_contain_text("7 of 9 delivery attempts failed")
    expect(page.locator("#content")).to_contain_text("What was found")
    page.screenshot(path=str(screenshots / "operations-issue.png"), full_page=True)
    issue = Issue.objects.get(integration=troubled_day, type=Issue.Type.DELIVERIES_FAILING)
    assert issue.events.filter(action="opened").exists()
