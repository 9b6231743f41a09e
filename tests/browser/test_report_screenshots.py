"""The four report types as a recruiter and a Harver admin see them, in Debian Chromium.

Opens each report against a live server, checks what a person would check (the chart is drawn,
the read-only page has nothing to fill in, bad links get a clear page) and takes screenshots;
the PDF's first page is rendered with poppler's pdftoppm. Screenshots go to a temporary folder;
with UPDATE_SCREENSHOTS=1 they replace docs/screenshots/reports-*.png that docs/reports.md shows
(a plain test run must not rewrite committed files).
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from assessments.models import CandidateAssessment, CandidateAssessmentEvent
from assessments.reports import ReportType, report_url
from integrations.models import AtsInvitation
from tests import factories
from tests.browser.conftest import TIMEOUT_MS
from workable.invitations import invitation_refs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def new_page(browser: Browser, live_server, *, width: int = 1280, height: int = 800) -> Page:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def priya() -> CandidateAssessment:
    """Priya Sharma, invited from Workable for a Store Associate job, completed: 82, great fit."""
    acme = factories.AccountFactory.create(name="Acme Retail")
    assessment = factories.AssessmentFactory.create(
        account=acme,
        name="Store Associate Assessment",
        job_code="ACME-STORE-01",
        competencies=[
            "Conscientiousness",
            "Customer focus",
            "Agreeableness",
            "Resilience",
            "Numerical reasoning",
        ],
    )
    hannah = factories.UserFactory.create(username="hannah")
    acme.members.add(hannah)
    completed_at = datetime.datetime(2026, 11, 26, 14, 41, 17, tzinfo=datetime.UTC)
    candidate = factories.CandidateAssessmentFactory.create(
        assessment=assessment,
        first_name="Priya",
        last_name="Sharma",
        email="priya.sharma@example.com",
        phone="+31 6 1234 5678",
        status=CandidateAssessment.Status.COMPLETED,
        started_at=completed_at - datetime.timedelta(minutes=41, seconds=17),
        completed_at=completed_at,
        score=82,
        recommendation=CandidateAssessment.Recommendation.GREAT_FIT,
        competency_scores={
            "Conscientiousness": 91,
            "Customer focus": 86,
            "Agreeableness": 78,
            "Resilience": 72,
            "Numerical reasoning": 58,
        },
        summary=(
            "Great fit. Strongest: Conscientiousness (91) and Customer focus (86). "
            "Numerical reasoning (58) is the one area to explore in the interview."
        ),
        duration=datetime.timedelta(minutes=41, seconds=17),
    )
    for status, source, moment in (
        ("pending", "workable", completed_at - datetime.timedelta(days=1, hours=3)),
        ("started", "candidate", completed_at - datetime.timedelta(minutes=41, seconds=17)),
        ("completed", "engine", completed_at),
    ):
        CandidateAssessmentEvent.objects.create(
            candidate_assessment=candidate, status=status, source=source, occurred_at=moment
        )
    AtsInvitation.objects.create(
        integration=factories.ready_integration(acme),
        candidate_assessment=candidate,
        assessment=assessment,
        email_key=candidate.email,
        identity_key=AtsInvitation.identity_key_of(candidate.email),
        refs=invitation_refs(
            callback_url="https://acme.workable.com/spi/v3/assessments/callback/1",
            job_shortcode="A1B2C3",
            job_title="Store Associate, Amsterdam",
        ),
    )
    return candidate


def signed_path(candidate: CandidateAssessment, report_type: ReportType, **options) -> str:
    url = report_url(candidate, report_type, lifetime_days=options.pop("days", 365), **options)
    return url.removeprefix(settings.PUBLIC_BASE_URL)


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"reports-{name}.png"), full_page=True)


def test_it_shows_every_report_type(priya, browser: Browser, live_server, screenshots: Path):
    # priya comes before browser: once Playwright's event loop runs, the ORM would open a
    # connection of its own context that the test database teardown cannot close.
    # Candidate Details Page: the admin login first, then back to the page
    page = new_page(browser, live_server)
    page.goto(f"/reports/{priya.public_id}/")
    expect(page).to_have_url(f"{live_server.url}/admin/login/?next=/reports/{priya.public_id}/")
    page.fill("#id_username", "hannah")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_have_text("Priya Sharma")
    expect(page.locator("svg.chart-wide rect.bar")).to_have_count(5)
    expect(page.get_by_text("Store Associate, Amsterdam (A1B2C3)").first).to_be_visible()
    shoot(page, screenshots, "candidate-details")

    # PDF Report: the same file behind the login
    pdf_response = page.request.get(f"/reports/{priya.public_id}/pdf")
    assert pdf_response.headers["content-type"] == "application/pdf"

    # Read-only Candidate Details Page: no login, nothing to fill in
    anonymous = new_page(browser, live_server)
    anonymous.goto(signed_path(priya, ReportType.READONLY_CANDIDATE_DETAILS_PAGE))
    expect(anonymous.locator("h1")).to_have_text("Priya Sharma")
    expect(anonymous.locator("form, input, textarea, select, button")).to_have_count(0)
    shoot(anonymous, screenshots, "readonly")

    # ... with "hide personal data" on
    anonymous.goto(
        signed_path(priya, ReportType.READONLY_CANDIDATE_DETAILS_PAGE, hide_personal_data=True)
    )
    expect(anonymous.locator("h1")).to_have_text(f"Candidate {str(priya.public_id)[:8].upper()}")
    expect(anonymous.get_by_text("priya.sharma@example.com")).to_have_count(0)
    shoot(anonymous, screenshots, "readonly-hidden")

    # ... on a phone
    phone = new_page(browser, live_server, width=390, height=844)
    phone.goto(signed_path(priya, ReportType.READONLY_CANDIDATE_DETAILS_PAGE))
    expect(phone.locator("svg.chart-narrow")).to_be_visible()
    expect(phone.locator("svg.chart-wide")).to_be_hidden()
    shoot(phone, screenshots, "readonly-phone")

    # Signed report: the long-lived link redirects to a fresh download of the PDF
    response = anonymous.request.get(signed_path(priya, ReportType.SIGNED_REPORT))
    assert response.ok
    assert response.url.endswith("/download")
    assert response.headers["content-type"] == "application/pdf"
    pdf = Path(screenshots) / "reports-signed.pdf"
    pdf.write_bytes(response.body())
    page_one = screenshots / "reports-pdf-page1"
    pdftoppm = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(page_one),
        ],
        check=True,
        timeout=60,
    )
    pdf.unlink()
    assert page_one.with_suffix(".png").stat().st_size > 10_000

    # Links that must not open: expired (410) and tampered (403)
    expired = signed_path(
        priya,
        ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
        now=datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=400),
    )
    refused = anonymous.goto(expired)
    assert refused is not None
    assert refused.status == 410
    expect(anonymous.locator("h1")).to_have_text("This report link has expired")
    shoot(anonymous, screenshots, "link-expired")
    tampered = signed_path(priya, ReportType.READONLY_CANDIDATE_DETAILS_PAGE)[:-5] + "xxxx/"
    refused = anonymous.goto(tampered)
    assert refused is not None
    assert refused.status == 403
    expect(anonymous.locator("h1")).to_have_text("This report link is not valid")
    shoot(anonymous, screenshots, "link-invalid")
