"""The setup guide's Harver steps 1-6, walked in Debian Chromium against a live server.

Screenshots of every screen go to a temporary folder; with UPDATE_SCREENSHOTS=1 they replace
the ones in docs/screenshots that docs/admin-guide.md shows (a plain test run must not rewrite
committed files).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from harver_integration.tokens import hash_token
from integrations import services
from integrations.models import AtsCredential, InboundToken, Integration
from tests import factories
from tests.admin_support import (  # noqa: F401 (fixtures)
    private_cache,
    remote_problems_fixture,
    staff_member,
)
from tests.browser.admin_walk import add_integration, sign_in
from tests.browser.conftest import TIMEOUT_MS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache", "remote_problems"),
]

PASSWORD = "correct horse battery staple"
WORKABLE_TOKEN = "wk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


@pytest.fixture
def page(live_server, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 800},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def harver_admin() -> factories.Account:
    """Hannah, a Harver Admin of Acme Retail (not yet connected) and Northwind (already live)."""
    acme = factories.AccountFactory.create(name="Acme Retail")
    factories.AssessmentFactory.create(
        account=acme,
        name="Customer Service Assessment",
        job_code="CS-2024",
        competencies=["Conscientiousness", "Agreeableness"],
    )
    factories.AssessmentFactory.create(
        account=acme,
        name="Store Manager Assessment",
        job_code="SM-2024",
        competencies=["Numerical reasoning"],
    )
    northwind = factories.AccountFactory.create(name="Northwind Stores")
    factories.AssessmentFactory.create(account=northwind, name="Warehouse Assessment")
    live = factories.ready_integration(northwind)
    services.set_ats_credentials(live, subdomain="northwind", token="wk_northwind_0000a1b2")
    Integration.objects.filter(pk=live.pk).update(is_enabled=True)
    hannah = staff_member(acme, username="hannah")
    northwind.members.add(hannah)
    return acme


def shoot(page: Page, folder: Path, name: str, section: str = "") -> None:
    if section:
        page.locator(section).evaluate("element => element.scrollIntoView({block: 'start'})")
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"{name}.png"))


def test_it_walks_the_harver_steps_of_the_setup_guide(
    page: Page, harver_admin, screenshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given Hannah logged in to the admin
    sign_in(page, "hannah", PASSWORD)
    expect(page.locator("#content-main")).to_contain_text("Integrations")
    shoot(page, screenshots, "01-integrations-menu")

    # Step 1: Integrations menu → Add new integration → choose the ATS → Add integration
    page.locator("#integrations-integration").get_by_role("link", name="Integrations").click()
    expect(page.locator("#result_list")).to_contain_text("Northwind Stores")
    shoot(page, screenshots, "02-integrations-list")
    # Step 2: the setup page shows each step progressing while the background task runs
    continue_button = add_integration(
        page,
        monkeypatch,
        account="Acme Retail",
        provider="Workable",
        on_form=lambda: shoot(page, screenshots, "03-add-integration"),
        on_progress=lambda: shoot(page, screenshots, "04-setup-progress"),
    )
    shoot(page, screenshots, "05-setup-complete")
    continue_button.click()

    # Step 3: General shows the only pattern Workable supports, selected by default
    integration = Integration.objects.get(account=harver_admin)
    expect(page.locator("#general")).to_contain_text("ATS First Ad-Hoc")
    expect(page.locator("#general input[value=ats_first_ad_hoc]")).to_be_checked()
    expect(page.locator("#general input[value=ats_first_inline]")).to_be_disabled()
    shoot(page, screenshots, "06-overview-general")

    # Step 4.1: Credentials, Harver to ATS: the Workable token (the subdomain is forgotten)
    page.fill("#id_token", WORKABLE_TOKEN)
    page.fill("#id_token_expires_on", "2027-06-30")
    page.fill("#id_note_author_member_id", "3fa4c1")
    page.locator("#harver-to-ats-form").get_by_role("button", name="Save").click()
    expect(page.locator(".messagelist")).to_contain_text("Harver to ATS credentials were saved")
    expect(page.locator("#current-token")).to_contain_text("…" + WORKABLE_TOKEN[-4:])
    assert WORKABLE_TOKEN not in page.content()
    assert page.input_value("#id_token") == ""
    shoot(page, screenshots, "07-credentials-harver-to-ats", "#credentials")

    # Step 4.2: ATS to Harver: copy the token minted by the set-up, shown this once
    page.get_by_role("tab", name="ATS to Harver").click()
    token_field = page.locator("#ats-to-harver-token")
    expect(token_field).to_be_visible()
    page.locator("[data-copy-target=ats-to-harver-token]").click()
    expect(page.locator("[data-copy-target=ats-to-harver-token]")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == token_field.input_value()
    assert (
        hash_token(copied) == InboundToken.objects.active().get(integration=integration).token_hash
    )
    page.locator("[data-copy-target=provider-base-url]").click()
    base_url = f"{settings.PUBLIC_BASE_URL}/api/workable"
    assert page.evaluate("navigator.clipboard.readText()") == base_url
    shoot(page, screenshots, "08-credentials-ats-to-harver", "#credentials")
    page.reload()
    expect(page.locator("#ats-to-harver-token")).to_have_count(0)
    assert copied not in page.content()

    # ... rotating asks first, says the old token stops working at once, then shows the new one
    page.get_by_role("link", name="Rotate token").click()
    expect(page.locator("#content-main")).to_contain_text("The old token stops working at once")
    shoot(page, screenshots, "09-rotate-confirmation")
    page.get_by_role("button", name="Yes, rotate the token").click()
    rotated = page.locator("#ats-to-harver-token").input_value()
    assert rotated != copied
    assert (
        hash_token(rotated) == InboundToken.objects.active().get(integration=integration).token_hash
    )

    # Step 5.1: Harver to ATS, Assessments: send the overall score into a Workable field
    page.get_by_role("tab", name="Assessments").click()
    overall = integration.field_mappings.get(
        assessment__name="Customer Service Assessment", score="overall"
    )
    page.check(f"#id_send_{overall.pk}")
    page.fill(f"#id_field_{overall.pk}", "harver_overall_score")
    shoot(page, screenshots, "10-assessments", "#harver-to-ats")
    page.locator("#assessments-form").get_by_role("button", name="Save").click()
    expect(page.locator(".messagelist")).to_contain_text("1 row(s) changed")
    overall.refresh_from_db()
    assert (overall.send_status, overall.ats_field_id) == (True, "harver_overall_score")

    # Step 5.2: Reports: the four report types, the results link and the link lifetime
    page.get_by_role("tab", name="Reports").click()
    for label in (
        "Candidate Details Page URL",
        "Read-only Candidate Details Page URL",
        "PDF Report URL",
        "Signed report URL",
    ):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    page.get_by_label("PDF Report URL", exact=True).check()
    page.select_option("#id_results_link", label="Signed report URL")
    page.fill("#id_link_lifetime_days", "90")
    shoot(page, screenshots, "11-reports", "#harver-to-ats")
    page.locator("#reports-form").get_by_role("button", name="Save").click()
    expect(page.locator(".messagelist")).to_contain_text("The Reports tab was saved")

    # Step 6: enabling with the subdomain missing is refused, naming the problem by the toggle
    page.locator("#enable-toggle").click()
    problems = page.locator("#enable-problems")
    expect(problems).to_contain_text("No Workable subdomain is set (Credentials, Harver to ATS).")
    expect(page.locator("#enable-toggle")).to_have_attribute("aria-checked", "false")
    integration.refresh_from_db()
    assert not integration.is_enabled
    shoot(page, screenshots, "12-enable-refused")

    # ... fixing it (the token stays as it is when its field is left blank) and enabling
    page.get_by_role("tab", name="Harver to ATS", exact=True).click()
    page.fill("#id_subdomain", "acme-retail")
    page.locator("#harver-to-ats-form").get_by_role("button", name="Save").click()
    expect(page.locator("#current-token")).to_contain_text("…" + WORKABLE_TOKEN[-4:])
    page.locator("#enable-toggle").click()
    expect(page.locator("#enable-toggle")).to_have_attribute("aria-checked", "true")
    expect(page.locator(".messagelist")).to_contain_text("is enabled")
    integration.refresh_from_db()
    assert integration.is_enabled
    credential = AtsCredential.objects.get(integration=integration)
    assert credential.secret("token") == WORKABLE_TOKEN
    assert credential.expires_on == datetime.date(2027, 6, 30)
    shoot(page, screenshots, "13-enabled")

    # ... and the same toggle disables it
    page.locator("#enable-toggle").click()
    expect(page.locator("#enable-toggle")).to_have_attribute("aria-checked", "false")
    integration.refresh_from_db()
    assert not integration.is_enabled
    shoot(page, screenshots, "14-disabled")

    # the history is one click away from the overview
    page.get_by_role("link", name="History").click()
    expect(page.locator("#change-history")).to_contain_text("hannah")
    expect(page.locator("#change-history")).to_contain_text("Enabled")
    shoot(page, screenshots, "15-history")
    for token in (WORKABLE_TOKEN, copied, rotated):
        assert token not in page.content()
