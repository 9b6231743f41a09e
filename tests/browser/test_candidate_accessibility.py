"""Every candidate page, in every shipped language, on a phone, and the invitation and reminder
emails: no serious or critical violation under axe-core, run in Debian Chromium.

axe-core is the copy locked with axe-playwright-python (requirements/test.txt), injected into
each page by Playwright; nothing is fetched from elsewhere. The pages are the candidate tour's
(`tests/candidate_tour.py`): a page that answers a post is reached by posting its form from the
page before it, as the candidate's browser does. The Dutch pages' screenshots go to a temporary
folder; with UPDATE_SCREENSHOTS=1 they replace the candidate-nl-*.png ones that
docs/candidate-experience.md shows.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from playwright.sync_api import Browser, Page

from assessments import invitations, reminders
from assessments.models import Assessment, CandidateAssessment
from tests.browser.conftest import TIMEOUT_MS
from tests.candidate_tour import Stop, tour

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHIPPED = [code for code, _ in settings.LANGUAGES]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
SERIOUS = ("serious", "critical")
# The Dutch pages shown in docs/candidate-experience.md.
DOCUMENTED = {
    "welcome",
    "terms",
    "questions",
    "questions missing",
    "review complete",
    "saved",
    "thank you",
    "expired",
}
POST_FROM_PAGE = """([fields, token]) => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = window.location.pathname;
  for (const [name, value] of Object.entries({...fields, csrfmiddlewaretoken: token})) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}"""


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(", ".join(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


def open_stop(page: Page, stop: Stop) -> int:
    """Show `stop` in the page; returns the HTTP status it was answered with."""
    response = page.goto(stop.path)
    assert response is not None
    if stop.form is None:
        return response.status
    token = next(
        cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken"
    )
    with page.expect_navigation() as posted:
        page.evaluate(POST_FROM_PAGE, [stop.form, token])
    answer = posted.value
    assert answer is not None
    return answer.status


@pytest.mark.parametrize("language", SHIPPED)
def test_every_candidate_page_has_no_serious_violation_on_a_phone(
    browser: Browser, live_server: Any, language: str, screenshots: Path
) -> None:
    stops = tour(language)
    context = browser.new_context(base_url=live_server.url, locale=language, **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    found: dict[str, list[str]] = {}
    for stop in stops:
        assert open_stop(page, stop) == stop.status, stop.name
        assert page.locator("html").get_attribute("lang") == language, stop.name
        if violations := serious_violations(page):
            found[stop.name] = violations
        if language == "nl" and stop.name in DOCUMENTED:
            name = stop.name.replace(" ", "-")
            page.screenshot(path=str(screenshots / f"candidate-nl-{name}.png"), full_page=True)
    context.close()

    assert found == {}, json.dumps(found, indent=2)


def sent_email(language: str, send: str) -> str:
    """The HTML of the invitation or the reminder the fresh candidate of a new tour gets."""
    tour(language)
    candidate = CandidateAssessment.objects.get(
        email="fresh@example.com", assessment__language=language
    )
    mail.outbox.clear()
    if send == "invitation":
        assert invitations.send_invitation(candidate.pk)
    else:
        Assessment.objects.filter(pk=candidate.assessment_id).update(reminder_hours_before=[48])
        now = timezone.now()
        CandidateAssessment.objects.filter(pk=candidate.pk).update(
            invitation_sent_at=now - datetime.timedelta(hours=30),
            expires_at=now + datetime.timedelta(hours=24),
        )
        assert reminders.send_due_reminders() == 1
    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    return str(message.alternatives[0][0])


@pytest.mark.parametrize("send", ["invitation", "reminder"])
@pytest.mark.parametrize("language", SHIPPED)
def test_the_emails_html_has_no_serious_violation(
    browser: Browser, language: str, send: str
) -> None:
    html = sent_email(language, send)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_content(html)

    violations = serious_violations(page)
    context.close()

    assert violations == []
