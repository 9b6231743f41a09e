"""The Content-Security-Policy in Debian Chromium: it blocks injected scripts, and the platform's
own pages run under it (the browser fixture fails every browser test on any violation, so the
admin walkthrough, the candidate flow and the reports tests check their pages' scripts too)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_every_page_carries_a_policy_that_blocks_inline_scripts(
    page: Page, csp_violations: list[str]
) -> None:
    # given the sign-in page
    response = page.goto("/admin/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy

    # when something injects an inline script, the browser refuses to run it and says so
    ran = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injectedScriptRan = true";
            document.head.appendChild(script);
            return window.injectedScriptRan === true;
        }"""
    )
    assert ran is False
    expect(page.locator("#id_username")).to_be_visible()
    assert any("script-src" in violation for violation in csp_violations), csp_violations
    csp_violations.clear()  # expected here; the browser fixture fails a test on any other


def test_the_api_documentation_renders_under_the_policy(page: Page) -> None:
    page.goto("/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Harver ATS integration API")
    expect(page.locator(".opblock").first).to_be_visible()


def test_a_page_style_with_the_nonce_applies(page: Page) -> None:
    # the start page styles itself with an inline <style> carrying the page's nonce
    page.goto("/")

    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "640px"
