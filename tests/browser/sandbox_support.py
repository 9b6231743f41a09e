"""What the five-minute paths through the sandbox share, whichever ATS they take: the demo as
`bin/run` loads it, a real gunicorn and Celery worker (with its scheduler), the sign-in from the
landing page, the candidate's answers, and a page reloaded until a delivery shows on it."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import TIMEOUT_MS
from tests.processes import celery_worker, free_port, gunicorn, manage, platform_env

LAPTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
FIVE_MINUTES = 300.0
DELIVERY_SECONDS = 60.0  # how long a delivery may take to show on the sandbox's page


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"sandbox-{name}.png"), full_page=True)


@dataclass
class SandboxRun:
    base_url: str
    starts: dict[str, str]  # the sandbox page load_demo_data printed, by ATS label
    username: str
    password: str
    folder: Path  # where the processes' logs are
    started: float

    def within_five_minutes(self) -> bool:
        return time.monotonic() - self.started < FIVE_MINUTES


@contextlib.contextmanager
def sandbox_run(folder: Path) -> Iterator[SandboxRun]:
    """What bin/run does (the database is migrated already): the static files, the demo with
    its printed login and sandbox pages, then the web server, a worker and the scheduler."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = platform_env(
        folder, PUBLIC_BASE_URL=base_url, SANDBOX_ENABLED="true", ADMIN_REQUIRE_2FA="false"
    )
    started = time.monotonic()
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    output = manage(env, "load_demo_data")
    login = re.search(r"^Login:\s+(\S+) / (\S+)$", output, re.M)
    assert login is not None, output
    starts = dict(
        (label, url) for url, label in re.findall(r"^Sandbox:\s+(\S+) \((\w+),", output, re.M)
    )
    with gunicorn(env, workers=2, port=port), celery_worker(env, beat=True):
        yield SandboxRun(base_url, starts, login.group(1), login.group(2), folder, started)


def recruiter_page(browser: Browser, run: SandboxRun) -> Page:
    """The landing page → Sandbox ATS, signed in with the printed login."""
    context = browser.new_context(base_url=run.base_url, **LAPTOP)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="Sandbox ATS").click()
    page.fill("#id_username", run.username)
    page.fill("#id_password", run.password)
    page.click("input[type=submit]")
    expect(page.get_by_role("heading", name="Sandbox ATS", exact=True)).to_be_visible()
    return page


def open_in_sandbox(page: Page, link: str) -> None:
    """A link of the sandbox's navigation (an ATS, Mail)."""
    page.get_by_role("navigation", name="Sandbox").get_by_role("link", name=link).click()


def shows_after_reloads(page: Page, text: str, run: SandboxRun) -> None:
    """`text` appears on the page, reloaded each second as a recruiter would, within
    DELIVERY_SECONDS (the worker's log tells why not)."""
    deadline = time.monotonic() + DELIVERY_SECONDS
    while text not in page.locator("main").inner_text():
        if time.monotonic() > deadline:
            logs = "\n".join(path.read_text()[-3000:] for path in run.folder.glob("worker-*.log"))
            raise AssertionError(f"{text!r} did not show on {page.url}; worker:\n{logs}")
        time.sleep(1)
        page.reload()


def candidate_link(page: Page, run: SandboxRun) -> str:
    """The newest invitation's link, on the sandbox's mail page (where the page stays)."""
    open_in_sandbox(page, "Mail")
    shows_after_reloads(page, "/assessment/", run)
    link = str(page.locator("a.mail-link").first.get_attribute("href"))
    assert link.startswith(f"{run.base_url}/assessment/")
    return link


def answer_everything(browser: Browser, run: SandboxRun, link: str, first_name: str) -> None:
    """The candidate opens the link, agrees with every statement, part after part, and submits
    on the review page."""
    context: BrowserContext = browser.new_context(base_url=run.base_url, **LAPTOP)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(link)
    expect(page.get_by_role("heading", name=f"Welcome, {first_name}")).to_be_visible()
    page.get_by_role("link", name="Start").click()
    page.get_by_label("I have read these terms and accept them.").check()
    page.get_by_role("button", name="Accept and continue").click()
    heading = page.locator("h1")
    while True:
        expect(heading).to_be_visible()
        if page.get_by_role("button", name="Submit my answers").count():
            page.get_by_role("button", name="Submit my answers").click()
            break
        part = heading.inner_text()
        for statement in page.locator("fieldset.item").all():
            statement.get_by_label("Agree", exact=True).check()
        page.get_by_role("button", name=re.compile("^(Next|Review answers)$")).click()
        expect(heading).not_to_have_text(part)
    expect(page.get_by_role("heading", name=f"Thank you, {first_name}")).to_be_visible()
    context.close()
