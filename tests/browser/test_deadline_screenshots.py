"""The deadline and reminder settings, and the invitation actions, in Debian Chromium.

A Harver Admin sets an assessment's completion window, reminders and language, then extends
the deadline of two invitations from the list. Screenshots go to a temporary folder; with
UPDATE_SCREENSHOTS=1 they replace the ones docs/candidate-experience.md shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from assessments.models import Assessment, CandidateAssessment
from tests import factories
from tests.admin_support import staff_member
from tests.browser.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def page(live_server, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 720})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def assessment() -> Assessment:
    account = factories.AccountFactory.create(name="Acme Retail")
    staff_member(account, username="hannah")
    assessment = factories.AssessmentFactory.create(
        account=account, name="Store Associate Assessment", job_code="SA-2026"
    )
    for number, (first, last) in enumerate([("Jane", "Doe"), ("Ravi", "Patel"), ("Lena", "Vos")]):
        factories.CandidateAssessmentFactory.create(
            assessment=assessment,
            email=f"{first.lower()}.{last.lower()}@example.com",
            first_name=first,
            last_name=last,
            status=CandidateAssessment.Status.EXPIRED if number == 2 else "pending",
            invitation_sent_at=timezone.now() - datetime.timedelta(days=6),
            expires_at=timezone.now() + datetime.timedelta(days=1 - number),
        )
    return assessment


def test_an_admin_sets_deadlines_and_reminders_and_extends_invitations(
    page: Page, assessment: Assessment, screenshots: Path
) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", "hannah")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    # the assessment's candidate experience: 10 days, reminders 48 h and 24 h before, 3 days after
    page.goto(f"/admin/assessments/assessment/{assessment.pk}/change/")
    page.fill("#id_completion_days", "10")
    page.fill("#id_reminder_hours_before", "48, 24")
    page.fill("#id_reminder_days_after", "3")
    page.select_option("#id_language", "nl")
    page.locator("#id_completion_days").evaluate(
        "element => element.closest('fieldset').scrollIntoView({block: 'start'})"
    )
    page.locator("fieldset").nth(1).screenshot(path=str(screenshots / "deadlines-settings.png"))
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assessment.refresh_from_db()
    assert (assessment.completion_days, assessment.reminder_hours_before) == (10, [48, 24])
    assert (assessment.reminder_days_after, assessment.language) == (3, "nl")

    # the invitations, each with its deadline; two selected and extended to a date
    page.goto("/admin/assessments/candidateassessment/")
    expect(page.locator("#result_list")).to_contain_text("ravi.patel@example.com")
    page.locator("tr", has_text="lena.vos@example.com").locator("input.action-select").check()
    page.locator("tr", has_text="ravi.patel@example.com").locator("input.action-select").check()
    page.select_option("select[name=action]", "extend_deadline")
    page.screenshot(path=str(screenshots / "deadlines-invitations.png"))
    page.click("button[name=index]")
    until = timezone.localdate() + datetime.timedelta(days=14)
    page.fill("#id_until", until.isoformat())
    page.screenshot(path=str(screenshots / "deadlines-extend.png"))
    page.click("#confirm-extend")
    expect(page.locator(".messagelist")).to_contain_text("Extended 2 invitation(s).")
    page.screenshot(path=str(screenshots / "deadlines-extended.png"))

    reopened = CandidateAssessment.objects.get(email="lena.vos@example.com")
    assert reopened.status == CandidateAssessment.Status.PENDING
    assert timezone.localtime(reopened.expires_at).date() == until
