"""The five-minute path through the sandbox, as a new user takes it after `bin/run`, per ATS.

The demo loader connects the demo account to the sandbox's Workable and Greenhouse; a real
gunicorn and a real Celery worker (with its scheduler) serve and deliver. In Debian Chromium the
user signs in, makes the sandbox ATS invite a candidate (Workable: "send assessment" on a
candidate; Greenhouse: move an application to the Harver stage, which sends the signed web
hook), opens the candidate's link on the sandbox's mail page, answers every statement, submits,
and finds the result on the candidate's timeline: the statuses (Greenhouse: in a status field),
the note with its links and the custom field values.

Screenshots go to a temporary folder; with UPDATE_SCREENSHOTS=1 they replace the sandbox-*.png
ones in docs/screenshots that the README and docs/sandbox.md show.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from assessments.models import CandidateAssessment
from integrations.models import Integration
from tests.browser.sandbox_support import (
    answer_everything,
    candidate_link,
    open_in_sandbox,
    recruiter_page,
    sandbox_run,
    shoot,
    shows_after_reloads,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_user_sees_a_result_land_in_the_sandbox_s_workable_within_five_minutes(
    browser: Browser, tmp_path: Path, screenshots: Path
) -> None:
    with sandbox_run(tmp_path) as run:
        assert run.starts["Workable"] == f"{run.base_url}/sandbox/workable/accounts/demo/"
        assert Integration.objects.get(is_sandbox=True, provider="workable").is_enabled

        # given the user opens the sandbox from the landing page and signs in as printed
        page = recruiter_page(browser, run)
        shoot(page, screenshots, "1-start")

        # when they open Jane, a candidate of the demo's Workable, and send her an assessment
        open_in_sandbox(page, "Workable")
        page.get_by_role("link", name="Acme Retail (sandbox)").click()
        shoot(page, screenshots, "2-account")
        page.get_by_role("link", name="Jane Doe").click()
        page.get_by_label("Assessment").select_option(label="Store Associate Assessment")
        page.get_by_role("button", name="Send assessment").click()
        expect(page.get_by_text("Store Associate Assessment sent to Jane Doe.")).to_be_visible()
        candidate_page = page.url

        # then the platform's "pending" reaches her timeline
        timeline = page.get_by_role("list", name="Timeline")
        shows_after_reloads(page, "Assessment pending", run)
        shoot(page, screenshots, "3-sent")

        # and her invitation is on the mail page, with her link
        link = candidate_link(page, run)
        shoot(page, screenshots, "4-mail")

        # when Jane opens it and answers every statement
        answer_everything(browser, run, link, "Jane")

        # then the result, the note with its links and the custom attributes land on her timeline
        page.goto(candidate_page)
        for text in ("Assessment completed", "Note by Riley Recruiter", "Harver fit set"):
            shows_after_reloads(page, text, run)
        shows_after_reloads(page, "Harver score set", run)
        result = CandidateAssessment.objects.get()
        assert result.status == "completed"
        expect(timeline).to_contain_text(f"Score {result.score}")
        expect(page.get_by_role("row", name=f"Harver score {result.score}")).to_be_visible()
        expect(timeline.get_by_role("link", name="Results")).to_have_attribute(
            "href", re.compile(rf"^{re.escape(run.base_url)}/")
        )
        shoot(page, screenshots, "5-result")
        page.context.close()

    assert run.within_five_minutes()


def test_a_new_user_sees_a_result_land_in_the_sandbox_s_greenhouse_within_five_minutes(
    browser: Browser, tmp_path: Path, screenshots: Path
) -> None:
    with sandbox_run(tmp_path) as run:
        assert run.starts["Greenhouse"] == f"{run.base_url}/sandbox/greenhouse/"
        assert Integration.objects.get(is_sandbox=True, provider="greenhouse").is_enabled

        # given the user signs in to the sandbox and opens its Greenhouse
        page = recruiter_page(browser, run)
        open_in_sandbox(page, "Greenhouse")
        expect(page.get_by_role("heading", name="Acme Retail (sandbox)")).to_be_visible()
        shoot(page, screenshots, "greenhouse-1-organisation")

        # when they move Maria's application to the Harver stage
        page.get_by_role("link", name="Maria Garcia").click()
        page.get_by_label("Stage").select_option(label="Harver Assessment")
        page.get_by_role("button", name="Move application").click()
        expect(
            page.get_by_text("Maria Garcia moved to Harver Assessment; 1 web hook(s) told.")
        ).to_be_visible()
        application_page = page.url

        # then Greenhouse's signed web hook reached the platform, which invites: "Invited"
        # arrives in her status field
        timeline = page.get_by_role("list", name="Timeline")
        expect(timeline).to_contain_text("Web hook Harver answered HTTP 200")
        shows_after_reloads(page, "Harver status set", run)
        expect(page.get_by_role("row", name="Harver status Invited")).to_be_visible()
        shoot(page, screenshots, "greenhouse-2-moved")

        # and Maria's invitation is on the mail page, with her link
        link = candidate_link(page, run)
        expect(page.locator("article.mail").first).to_contain_text("maria.garcia@example.com")
        shoot(page, screenshots, "greenhouse-3-mail")

        # when Maria opens it and answers every statement
        answer_everything(browser, run, link, "Maria")

        # then the note with its links and the two custom field values land on her application
        page.goto(application_page)
        for text in ("Note by Harver Integration", "Harver score set", "Harver fit set"):
            shows_after_reloads(page, text, run)
        result = CandidateAssessment.objects.get()
        assert result.status == "completed"
        expect(page.get_by_role("row", name=f"Harver score {result.score}")).to_be_visible()
        expect(page.get_by_role("row", name="Harver fit")).not_to_contain_text("—")
        shows_after_reloads(page, "Completed", run)
        expect(page.get_by_role("row", name="Harver status Completed")).to_be_visible()
        note = timeline.locator("li.note")
        expect(note.get_by_role("link").first).to_have_attribute(
            "href", re.compile(rf"^{re.escape(run.base_url)}/")
        )
        shoot(page, screenshots, "greenhouse-4-result")
        page.context.close()

    assert run.within_five_minutes()
