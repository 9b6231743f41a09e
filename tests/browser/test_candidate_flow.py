"""A candidate takes the built-in assessment in Debian Chromium, from the emailed link to thanks.

Workable invites Jane; she opens the link from her email on a laptop, accepts the terms, answers
the first part with the mouse, half of the second, and leaves. Later she resumes on her phone,
finishes the second part, answers the third with the keyboard alone, reviews and submits. The
stand-in Workable (pytest-httpserver on 127.0.0.1) then receives the `completed` result.

Screenshots of every page go to a temporary folder; with UPDATE_SCREENSHOTS=1 they replace the
candidate-*.png ones in docs/screenshots that docs/candidate-experience.md shows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient
from werkzeug import Request, Response

from assessments.models import CandidateAssessment
from integrations import services
from tests import candidate_support, factories
from tests.browser.conftest import TIMEOUT_MS
from tests.candidate_support import ANSWERS, STATEMENTS
from tests.processes import wait_until
from tests.workable.conftest import enabled_integration_with_token, invitation_body

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LAPTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
WORKABLE_TOKEN = "wk-token-0123456789"  # what enabled_integration_with_token sets
CALLBACK_PATH = "/spi/v3/assessments/abc123/results"
LIKERT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def new_page(browser: Browser, base_url: str, device: dict[str, Any]) -> Page:
    context = browser.new_context(base_url=base_url, **device)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def shoot(page: Page, folder: Path, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"candidate-{name}.png"), full_page=True)


def choose(page: Page, statement: str, value: int) -> None:
    group = page.get_by_role("group", name=re.compile(re.escape(statement)))
    group.get_by_label(LIKERT[value - 1], exact=True).check()


def answer_with_keyboard(page: Page, values: list[int]) -> None:
    """Tab into each statement's radio group, pick the value with the arrow keys."""
    page.locator("h1").focus()
    for value in values:
        page.keyboard.press("Tab")
        page.keyboard.press("Space")  # the first option, "Strongly disagree"
        for _ in range(value - 1):
            page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Review answers")).to_be_focused()
    page.keyboard.press("Enter")


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture
def workable(httpserver: HTTPServer, settings: Any, tmp_path: Path) -> HTTPServer:
    """The stand-in Workable: the results callback and the SPI v3 calls a completion causes."""
    host = f"127.0.0.1:{httpserver.port}"
    settings.WORKABLE_CALLBACK_ALLOWED_HOSTS = [host]
    settings.WORKABLE_CALLBACK_ALLOW_INSECURE = True
    settings.WORKABLE_API_BASE_URL = f"http://{host}/{{subdomain}}/spi/v3"
    settings.WORKABLE_RATE_LIMIT_REQUESTS = 1000
    settings.VAR_DIR = tmp_path

    def answer(request: Request) -> Response:
        if request.path.endswith("/candidates"):
            hit = {
                "id": "ce4f2",
                "email": request.args.get("email", ""),
                "job": {"shortcode": request.args.get("shortcode", "")},
            }
            return Response(json.dumps({"candidates": [hit]}), content_type="application/json")
        if request.path.endswith("/comments"):
            return Response('{"id": "c1"}', status=201, content_type="application/json")
        return Response("{}", content_type="application/json")

    httpserver.expect_request(re.compile(".*")).respond_with_handler(answer)
    return httpserver


def received_puts(workable: HTTPServer) -> list[dict[str, Any]]:
    return [
        json.loads(request.get_data())
        for request, _ in workable.log
        if request.method == "PUT" and request.path == CALLBACK_PATH
    ]


@pytest.fixture
def invited_jane(live_server, settings, workable: HTTPServer) -> str:
    """Workable invites Jane to Acme's Store Associate Assessment; returns her emailed link."""
    settings.PUBLIC_BASE_URL = live_server.url
    account = factories.AccountFactory.create(name="Acme Retail")
    assessment = candidate_support.store_associate(account)
    integration, token = enabled_integration_with_token(account)
    services.set_ats_credentials(integration, note_author_member_id="3f9a")
    ats = APIClient()
    ats.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    created = ats.post(
        "/api/workable/assessments",
        invitation_body(str(assessment.pk), callback_url=workable.url_for(CALLBACK_PATH)),
        format="json",
    )
    assert created.status_code == 201, created.content
    [email] = mail.outbox
    link = re.search(rf"{re.escape(live_server.url)}/assessment/[^/\s]+/", str(email.body))
    assert link is not None, email.body
    return link.group(0)


def test_a_candidate_takes_the_assessment_leaves_half_way_and_resumes(
    browser: Browser, live_server, invited_jane: str, workable: HTTPServer, screenshots: Path
) -> None:
    # given Jane opens the link from her email on her laptop
    laptop = new_page(browser, live_server.url, LAPTOP)
    laptop.goto(invited_jane)
    expect(laptop.get_by_role("heading", name="Welcome, Jane")).to_be_visible()
    expect(laptop.get_by_text("Acme Retail invites you to take the")).to_be_visible()
    expect(laptop.get_by_text("Store Associate Assessment").first).to_be_visible()
    # opening the link starts nothing (a mail scanner opens it too)
    assert CandidateAssessment.objects.get().status == "pending"
    shoot(laptop, screenshots, "welcome")

    # when she starts, she must accept the terms first
    laptop.get_by_role("link", name="Start").click()
    laptop.get_by_role("button", name="Accept and continue").click()
    expect(laptop.get_by_role("alert")).to_contain_text("Tick the box to accept the terms")
    laptop.get_by_label("I have read these terms and accept them.").check()
    shoot(laptop, screenshots, "terms")
    assert CandidateAssessment.objects.get().status == "pending"
    laptop.get_by_role("button", name="Accept and continue").click()

    # and she answers part 1 with the mouse; each click is saved and the progress bar follows
    expect(laptop.get_by_role("heading", name="Conscientiousness")).to_be_visible()
    expect(laptop.get_by_text("Part 1 of 3")).to_be_visible()
    assert CandidateAssessment.objects.get().status == "started"
    for (statement, _), value in zip(
        STATEMENTS["Conscientiousness"], ANSWERS["Conscientiousness"], strict=True
    ):
        choose(laptop, statement, value)
    expect(laptop.get_by_text("4 of 11 answered")).to_be_visible()
    expect(laptop.get_by_text("Answer saved.")).to_be_visible()
    shoot(laptop, screenshots, "questions")
    laptop.get_by_role("button", name="Next").click()

    # and on part 2 she tries to go on with one answer only
    expect(laptop.get_by_role("heading", name="Agreeableness")).to_be_visible()
    first_statement = STATEMENTS["Agreeableness"][0][0]
    choose(laptop, first_statement, ANSWERS["Agreeableness"][0])
    laptop.get_by_role("button", name="Next").click()
    expect(laptop.get_by_role("alert")).to_contain_text("Choose an answer for every statement")
    expect(laptop.get_by_text("Choose an answer for this statement.")).to_have_count(2)
    expect(laptop.get_by_role("alert")).to_be_focused()
    shoot(laptop, screenshots, "questions-error")

    # then leaves half-way
    laptop.get_by_role("button", name="Save and finish later").click()
    expect(laptop.get_by_role("heading", name="Your answers are saved")).to_be_visible()
    expect(laptop.get_by_text("5 of 11 answered")).to_be_visible()
    shoot(laptop, screenshots, "saved")
    laptop.context.close()

    # when she opens the same link later on her phone
    phone = new_page(browser, live_server.url, PHONE)
    phone.goto(invited_jane)
    expect(phone.get_by_role("heading", name="Welcome back, Jane")).to_be_visible()
    shoot(phone, screenshots, "welcome-back-phone")
    phone.get_by_role("link", name="Continue where you left off").click()

    # then she is back on part 2 with her answer kept, and finishes it
    expect(phone.get_by_role("heading", name="Agreeableness")).to_be_visible()
    kept = phone.get_by_role("group", name=re.compile(re.escape(first_statement)))
    expect(kept.get_by_label(LIKERT[ANSWERS["Agreeableness"][0] - 1], exact=True)).to_be_checked()
    for (statement, _), value in list(
        zip(STATEMENTS["Agreeableness"], ANSWERS["Agreeableness"], strict=True)
    )[1:]:
        choose(phone, statement, value)
    shoot(phone, screenshots, "questions-phone")
    phone.get_by_role("button", name="Next").click()

    # and answers part 3 with the keyboard alone
    expect(phone.get_by_role("heading", name="Customer focus")).to_be_visible()
    answer_with_keyboard(phone, ANSWERS["Customer focus"])

    # and reviews and submits
    expect(phone.get_by_role("heading", name="Check and submit")).to_be_visible()
    expect(phone.get_by_text("All 4 answered")).to_have_count(2)
    expect(phone.get_by_text("All 3 answered")).to_be_visible()
    shoot(phone, screenshots, "review-phone")
    phone.get_by_role("button", name="Submit my answers").click()

    # then she sees the thank-you page
    expect(phone.get_by_role("heading", name="Thank you, Jane")).to_be_visible()
    expect(phone.get_by_text("Your answers have been sent to Acme Retail")).to_be_visible()
    shoot(phone, screenshots, "thank-you-phone")

    # and the result is the one worked out by hand
    candidate_assessment = CandidateAssessment.objects.get()
    assert candidate_assessment.status == "completed"
    assert candidate_assessment.competency_scores == candidate_support.EXPECTED_SCORES
    assert candidate_assessment.score == candidate_support.EXPECTED_SCORE
    assert candidate_assessment.recommendation == "great_fit"
    assert candidate_assessment.summary == candidate_support.EXPECTED_SUMMARY

    # and the link now only says it is done
    phone.goto(invited_jane)
    expect(phone.get_by_role("heading", name="Thank you, Jane")).to_be_visible()
    phone.context.close()

    # and the stand-in Workable receives the completed result with that score and its grade
    assert wait_until(lambda: len(received_puts(workable)) == 2, timeout=10), workable.log
    pending, completed = received_puts(workable)
    assert pending == {"status": "pending"}
    assert completed["status"] == "completed"
    assert completed["results_url"].startswith(f"{live_server.url}/")
    assert completed["assessment"] == {
        "score": "78",
        "grade": "excelled",
        "summary": "Great fit. Strongest: Customer focus (94).",
        "details": candidate_support.EXPECTED_SCORES,
        "duration": completed["assessment"]["duration"],
    }
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", completed["assessment"]["duration"])
    assert {request.headers["Authorization"] for request, _ in workable.log} == {
        f"Bearer {WORKABLE_TOKEN}"
    }


def test_closed_links_show_clear_pages(
    browser: Browser, live_server, invited_jane: str, screenshots: Path
) -> None:
    CandidateAssessment.objects.update(status="expired")
    page = new_page(browser, live_server.url, PHONE)

    response = page.goto(invited_jane)
    assert response is not None
    assert response.status == 410
    expect(page.get_by_role("heading", name="This invitation has expired")).to_be_visible()
    shoot(page, screenshots, "expired-phone")

    response = page.goto(f"{live_server.url}/assessment/no-such-link/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()
    shoot(page, screenshots, "invalid-link-phone")
    page.context.close()
