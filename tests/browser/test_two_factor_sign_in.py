"""Two-factor sign-in in Debian Chromium: a staff user sets up an authenticator app at their
first sign-in, then signs in with password and code."""

from __future__ import annotations

from base64 import b32decode
from collections.abc import Iterator

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.browser.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def page(live_server, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def app_code(secret: bytes, steps_ahead: int = 0) -> str:
    """What an authenticator app shows now (or that many 30-second steps later)."""
    totp = TOTP(secret, step=30, digits=6)
    totp.time += 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in_with_password(page: Page) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", "hannah")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_a_staff_user_sets_up_an_app_then_signs_in_with_its_codes(page: Page, settings) -> None:
    # given two-factor sign-in required, and Hannah, a staff user without an app yet
    settings.ADMIN_REQUIRE_2FA = True
    factories.UserFactory.create(username="hannah", is_superuser=True)

    # when she signs in with her password, the setup page shows a QR code and the key
    sign_in_with_password(page)
    expect(page.locator("h1")).to_have_text("Set up two-factor sign-in")
    expect(page.locator(".two-factor-qr img")).to_be_visible()
    secret = b32decode(page.locator("#two-factor-secret").inner_text().replace(" ", ""))

    # and the code her app computes turns it on and opens the admin
    page.fill("#id_code", app_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#content-main")).to_contain_text("Authentication and Authorization")
    expect(page.locator(".messagelist")).to_contain_text("Two-factor sign-in is on")

    # when she signs out and in again, the password alone does not open the admin
    page.locator("#logout-form button").click()
    sign_in_with_password(page)
    expect(page.locator("h1")).to_have_text("Two-factor sign-in")
    page.goto("/admin/auth/user/")
    expect(page.locator("h1")).to_have_text("Two-factor sign-in")

    # a wrong code is refused, and the next code of her app lets her in where she was going
    page.fill("#id_code", app_code(secret, steps_ahead=5))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".errornote")).to_contain_text("That code is not right")
    page.wait_for_timeout(1100)  # django-otp's back-off after a wrong code
    page.fill("#id_code", app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#content-main")).to_contain_text("hannah")
    assert page.url.endswith("/admin/auth/user/")
