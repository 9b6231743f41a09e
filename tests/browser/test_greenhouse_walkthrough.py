"""The setup guide's Harver steps for Greenhouse, walked in Debian Chromium against a live server.

The admin adds the integration, watches the set-up, copies the web hook URL, enters the Harvest
v3 credentials, verifies them, maps a Greenhouse stage and a custom field listed from Harvest,
sets the reports and enables the integration. Greenhouse is the stand-in (`greenhouse.sandbox`)
served over HTTP on 127.0.0.1, so every listing and check really asks it. Screenshots go to a
temporary folder; with UPDATE_SCREENSHOTS=1 they replace docs/screenshots/greenhouse-*.png.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils.formats import date_format
from django.utils.timezone import localtime
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings

from harver_integration.tokens import hash_token
from integrations.models import AtsCredential, InboundToken, Integration
from tests import factories
from tests.admin_support import private_cache, staff_member  # noqa: F401 (fixtures)
from tests.browser.admin_walk import add_integration, sign_in
from tests.browser.conftest import TIMEOUT_MS
from tests.greenhouse.standin import HarvestServer, harvest_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache"),
]

PASSWORD = "correct horse battery staple"
CLIENT_ID = "gh-client-7d41c0"
CLIENT_SECRET = "gh-secret-9b2f4e6a1c3d5e7f"
WEBHOOK_SECRET = "whsec-5f1e2d3c4b5a69788796"
STAGE = "Harver Assessment"


@pytest.fixture
def page(live_server: Any, browser: Browser) -> Iterator[Page]:
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
def greenhouse(settings: Settings, tmp_path: Path) -> Iterator[HarvestServer]:
    """Acme Retail's Greenhouse: a Harvest v3 credential, two users, a job with a Harver stage,
    and custom fields of which two can hold a Harver value."""
    with harvest_server() as server:
        harvest = server.harvest
        harvest.add_client(CLIENT_ID, CLIENT_SECRET)
        server.admin = harvest.add_user("Harver Integration", email="harver@acme-retail.example")
        harvest.add_user("Rita Recruiter", site_admin=False, email="rita@acme-retail.example")
        harvest.add_job("Store Associate", stages=["Application Review", STAGE, "Face to Face"])
        harvest.add_job("Shift Lead", stages=["Application Review", STAGE, "Offer"])
        harvest.add_custom_field("harver_score", value_type="number", name="Harver score")
        harvest.add_custom_field(
            "harver_fit", field_type="application", value_type="short_text", name="Harver fit"
        )
        harvest.add_custom_field("start_date", value_type="date", name="Start date")
        settings.GREENHOUSE_API_BASE_URL = server.api_base_url
        settings.GREENHOUSE_TOKEN_URL = server.token_url
        settings.GREENHOUSE_API_ALLOW_INSECURE = True
        # The access token and the learnt rate limit in this test's own files.
        settings.REDIS_URL = ""
        settings.VAR_DIR = tmp_path / "var"
        yield server


@pytest.fixture
def harver_admin() -> factories.Account:
    """Hannah, a Harver Admin of Acme Retail, which has two assessments and no integration."""
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
    staff_member(acme, username="hannah")
    return acme


def shoot(page: Page, folder: Path, name: str, section: str = "") -> None:
    if section:
        page.locator(section).evaluate("element => element.scrollIntoView({block: 'start'})")
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"greenhouse-{name}.png"))


def test_it_walks_the_harver_steps_for_greenhouse(
    page: Page,
    harver_admin: factories.Account,
    greenhouse: HarvestServer,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    acting_user = str(greenhouse.admin["id"])

    # given Hannah logged in to the admin
    sign_in(page, "hannah", PASSWORD)

    # Step 1: Integrations → Add new integration → Greenhouse
    page.locator("#integrations-integration").get_by_role("link", name="Integrations").click()

    def the_form() -> None:
        expect(page.locator("#id_provider option")).to_contain_text(["Workable", "Greenhouse"])
        shoot(page, screenshots, "01-add-integration")

    # Step 2: the set-up progresses step by step, then the Overview opens
    continue_button = add_integration(
        page,
        monkeypatch,
        account="Acme Retail",
        provider="Greenhouse",
        on_form=the_form,
        on_progress=lambda: shoot(page, screenshots, "02-setup-progress"),
    )
    continue_button.click()

    # Step 3: General offers Greenhouse's only pattern, selected
    integration = Integration.objects.get(account=harver_admin)
    assert integration.provider == "greenhouse"
    expect(page.locator("#general")).to_contain_text("ATS First Ad-Hoc")
    expect(page.locator("#general input[value=ats_first_ad_hoc]")).to_be_checked()
    expect(page.locator("#general input[value=ats_first_inline]")).to_be_disabled()
    # (nothing can be listed from Greenhouse before its credentials are in, and the page says so)
    expect(page.locator("#picker-problems li")).to_have_text(
        [
            "The Greenhouse stages and fields could not be listed: Enter the Greenhouse Client "
            "ID, Client Secret and acting user first (Credentials, Harver to ATS)."
        ]
    )
    shoot(page, screenshots, "03-overview-general")

    # ... and ATS to Harver gives the web hook's Endpoint URL, its token shown this once
    page.get_by_role("tab", name="ATS to Harver").click()
    expect(page.locator("#credentials")).to_contain_text("Candidate has changed stage")
    webhook_url = page.locator("#ats-to-harver-token")
    expect(webhook_url).to_be_visible()
    page.locator("[data-copy-target=ats-to-harver-token]").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    prefix = f"{settings.PUBLIC_BASE_URL}/api/greenhouse/webhooks/"
    assert copied == webhook_url.input_value()
    assert copied.startswith(prefix)
    token = copied.removeprefix(prefix)
    active_token = InboundToken.objects.active().get(integration=integration)
    assert hash_token(token) == active_token.token_hash
    shoot(page, screenshots, "04-credentials-ats-to-harver", "#credentials")

    # Step 4: Harver to ATS: the Harvest v3 credential, the acting user, the Secret Key
    page.get_by_role("tab", name="Harver to ATS", exact=True).click()
    expect(page.locator("#credentials")).to_contain_text("Harvest V3 (OAuth)")
    page.fill("#id_client_id", CLIENT_ID)
    page.fill("#id_client_secret", CLIENT_SECRET)
    page.fill("#id_user_id", "Harver Integration")
    page.fill("#id_webhook_secret", WEBHOOK_SECRET)
    page.locator("#harver-to-ats-form").get_by_role("button", name="Save").click()
    expect(page.locator("#harver-to-ats-form")).to_contain_text(
        "The acting user is Greenhouse's numeric user id"
    )
    page.fill("#id_user_id", acting_user)
    page.fill("#id_client_secret", CLIENT_SECRET)
    page.fill("#id_webhook_secret", WEBHOOK_SECRET)
    page.locator("#harver-to-ats-form").get_by_role("button", name="Save").click()
    expect(page.locator(".messagelist")).to_contain_text("Harver to ATS credentials were saved")
    expect(page.locator("#current-client_secret")).to_contain_text("…" + CLIENT_SECRET[-4:])
    expect(page.locator("#current-webhook_secret")).to_contain_text("…" + WEBHOOK_SECRET[-4:])
    assert page.input_value("#id_client_id") == CLIENT_ID
    assert page.input_value("#id_user_id") == acting_user
    assert page.input_value("#id_client_secret") == ""
    for secret in (CLIENT_SECRET, WEBHOOK_SECRET):
        assert secret not in page.content()
    shoot(page, screenshots, "05-credentials-harver-to-ats", "#credentials")

    # ... Verify credentials asks Greenhouse and lists the active Site Admins
    page.get_by_role("link", name="Verify credentials").click()
    expect(page.locator("#verify-never")).to_be_visible()
    page.get_by_role("button", name="Verify credentials").click()
    expect(page.locator("#verify-ok")).to_have_text("The credentials work.")
    findings = page.locator("#verify-findings")
    expect(findings).to_contain_text(
        "Greenhouse gave an access token acting as Harver Integration "
        f"(harver@acme-retail.example), user {acting_user}, an active Site Admin."
    )
    expect(findings).to_contain_text("2 active custom field(s) that can hold a Harver value")
    expect(findings).to_contain_text("Greenhouse has not reached Harver yet")
    acting_users = page.locator("#note-author-form select option")
    expect(acting_users).to_have_text(["Harver Integration (harver@acme-retail.example)"])
    assert greenhouse.harvest.requests(path="/token")
    shoot(page, screenshots, "06-verify-credentials")
    page.get_by_role("button", name="Save the acting user").click()
    expect(page.locator(".messagelist")).to_contain_text("The acting user was saved.")
    checked_at = AtsCredential.objects.get(integration=integration).verification["checked_at"]
    when = date_format(localtime(datetime.datetime.fromisoformat(checked_at)), "DATETIME_FORMAT")
    expect(page.locator("#verify-last")).to_have_text(
        f"Last checked {when}: the credentials worked."
    )
    page.get_by_role("link", name="Back to the overview").click()

    # Step 5.1: Assessments: the stage that invites, picked from the stages Harvest lists
    stage_options = page.locator("#ats-stage-options option")
    expect(stage_options).to_have_count(4)
    assert [option.get_attribute("value") for option in stage_options.all()] == [
        "Application Review",
        STAGE,
        "Face to Face",
        "Offer",
    ]
    expect(page.locator("#id_job_id option")).to_have_text(
        ["Every job", "Store Associate", "Shift Lead"]
    )
    expect(page.locator("#stage-mappings")).to_contain_text("No stage is mapped yet")
    page.fill("#id_stage_name", STAGE)
    page.select_option("#id_assessment", label="Customer Service Assessment (CS-2024)")
    page.get_by_role("button", name="Add stage mapping").click()
    stage_row = page.locator(".stage-row")
    expect(stage_row).to_have_count(1)
    expect(stage_row).to_contain_text("Every job")
    expect(stage_row).to_contain_text("Customer Service Assessment")
    mapping = integration.stage_mappings.get()
    assert (mapping.stage_name, mapping.job_id) == (STAGE, "")

    # ... and the scores written to Greenhouse custom fields, offered as level:name_key
    field_options = page.locator("#ats-field-options option")
    assert {option.get_attribute("value") for option in field_options.all()} == {
        "candidate:harver_score",
        "application:harver_fit",
    }
    overall = integration.field_mappings.get(
        assessment__name="Customer Service Assessment", score="overall"
    )
    recommendation = integration.field_mappings.get(
        assessment__name="Customer Service Assessment", score="recommendation"
    )
    page.check(f"#id_send_{overall.pk}")
    page.fill(f"#id_field_{overall.pk}", "candidate:harver_score")
    page.check(f"#id_send_{recommendation.pk}")
    page.fill(f"#id_field_{recommendation.pk}", "application:harver_recommendation")
    shoot(page, screenshots, "07-assessments", "#harver-to-ats")
    page.locator("#assessments-form").get_by_role("button", name="Save").click()
    expect(page.locator(".messagelist")).to_contain_text("2 row(s) changed")
    overall.refresh_from_db()
    assert (overall.send_status, overall.ats_field_id) == (True, "candidate:harver_score")

    # Step 5.2: Reports: the links the activity-feed note carries
    page.get_by_role("tab", name="Reports").click()
    page.get_by_label("Read-only Candidate Details Page URL", exact=True).check()
    page.get_by_label("Signed report URL", exact=True).check()
    page.select_option("#id_results_link", label="Read-only Candidate Details Page URL")
    page.fill("#id_link_lifetime_days", "30")
    shoot(page, screenshots, "08-reports", "#harver-to-ats")
    page.locator("#reports-form").get_by_role("button", name="Save").click()
    expect(page.locator(".messagelist")).to_contain_text("The Reports tab was saved")

    # Step 6: enabling asks Greenhouse, and refuses a field Greenhouse does not have
    page.locator("#enable-toggle").click()
    problems = page.locator("#enable-problems")
    expect(problems).to_contain_text(
        "Customer Service Assessment, Recommendation: Greenhouse has no active application "
        'custom field with the key "harver_recommendation".'
    )
    expect(page.locator("#enable-toggle")).to_have_attribute("aria-checked", "false")
    integration.refresh_from_db()
    assert not integration.is_enabled
    shoot(page, screenshots, "09-enable-refused")

    # ... fixed with the field Greenhouse has, the integration is enabled
    page.get_by_role("tab", name="Assessments").click()
    page.fill(f"#id_field_{recommendation.pk}", "application:harver_fit")
    page.locator("#assessments-form").get_by_role("button", name="Save").click()
    expect(page.locator(".messagelist")).to_contain_text("1 row(s) changed")
    page.locator("#enable-toggle").click()
    expect(page.locator("#enable-toggle")).to_have_attribute("aria-checked", "true")
    expect(page.locator(".messagelist")).to_contain_text("is enabled")
    expect(page.locator("#general")).to_contain_text(
        "The integration is live: an application entering a mapped Greenhouse stage invites its "
        "candidate."
    )
    integration.refresh_from_db()
    assert integration.is_enabled
    credential = AtsCredential.objects.get(integration=integration)
    assert credential.secret("client_secret") == CLIENT_SECRET
    assert credential.secret("webhook_secret") == WEBHOOK_SECRET
    assert credential.verified_at is not None
    shoot(page, screenshots, "10-enabled")
    for secret in (CLIENT_SECRET, WEBHOOK_SECRET, token):
        assert secret not in page.content()
