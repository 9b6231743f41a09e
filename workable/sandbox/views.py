"""The sandbox's Workable, served by the platform: its API (what the platform calls) and the
pages a recruiter uses (accounts, jobs, candidates, "send assessment", the timeline).

The records are one JSON file under SANDBOX_STATE_DIR, shared by every web process. The token
Harver gave the account (the "ATS to Harver" token) is kept encrypted with the platform's keys.
"""

from __future__ import annotations

import secrets
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from harver_integration.crypto import decrypt, encrypt
from sandbox.calls import PlatformRefused
from sandbox.forms import CandidateForm, JobForm, PickForm
from sandbox.platform import InProcessPlatform
from sandbox.serving import serve
from sandbox.store import JsonFileStore
from sandbox.views import render_page
from workable.callbacks import sandbox_root
from workable.sandbox import recruiter
from workable.sandbox.forms import AccountForm, ConnectForm
from workable.sandbox.spi import Refused, WorkableSandbox

STATE_FILE = "workable.json"


@cache
def _sandbox(state_dir: str, root: str) -> WorkableSandbox:
    return WorkableSandbox(JsonFileStore(settings.SANDBOX_STATE_DIR / STATE_FILE), root=root)


def workable_sandbox() -> WorkableSandbox:
    """The sandbox's Workable, where the platform reaches it."""
    return _sandbox(str(settings.SANDBOX_STATE_DIR), sandbox_root())


def candidate_emails() -> set[str]:
    return {
        candidate["email"]
        for account in workable_sandbox().accounts()
        for candidate in account["candidates"].values()
    }


# --- The API ------------------------------------------------------------------------------------


@csrf_exempt
def api(request: HttpRequest, subdomain: str, rest: str) -> HttpResponse:
    """SPI v3 and the results callbacks, answered by the stand-in exactly as it answers a test."""
    return serve(request, f"/{subdomain}/{rest}", workable_sandbox().handle)


# --- The recruiter's pages ----------------------------------------------------------------------


def _account(subdomain: str) -> dict[str, Any]:
    try:
        return workable_sandbox().account(subdomain)
    except Refused:
        raise Http404("No such sandbox account.") from None


@staff_member_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    sandbox = workable_sandbox()
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subdomain = form.cleaned_data["subdomain"]
        token = secrets.token_urlsafe(24)
        sandbox.create_account(subdomain, form.cleaned_data["name"], api_token=token)
        messages.success(
            request,
            f"Sandbox account {subdomain} is ready. Its API token, shown only now: {token} — "
            "enter the subdomain and this token as the integration's Harver to ATS credentials, "
            "and tick its sandbox box.",
        )
        return HttpResponseRedirect(reverse("sandbox:workable:account", args=[subdomain]))
    return render_page(
        request,
        "workable/sandbox/home.html",
        {"accounts": sandbox.accounts(), "form": form},
        status=400 if form.errors else 200,
    )


@staff_member_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest, subdomain: str) -> HttpResponse:
    sandbox = workable_sandbox()
    record = _account(subdomain)
    jobs = record["jobs"]
    job_choices = [(job["shortcode"], job["title"]) for job in jobs.values()]
    action = request.POST.get("action") if request.method == "POST" else None
    job_form = JobForm(request.POST if action == "job" else None, prefix="job")
    candidate_form = CandidateForm(
        request.POST if action == "candidate" else None, prefix="candidate", jobs=job_choices
    )
    connect_form = ConnectForm(request.POST if action == "connect" else None, prefix="connect")
    here = reverse("sandbox:workable:account", args=[subdomain])
    if action == "job" and job_form.is_valid():
        shortcode = sandbox.add_job(subdomain, job_form.cleaned_data["title"])
        messages.success(request, f"Job {shortcode} published.")
        return HttpResponseRedirect(here)
    if action == "candidate" and candidate_form.is_valid():
        data = candidate_form.cleaned_data
        candidate_id = sandbox.add_candidate(
            subdomain, shortcode=data["job"], name=data["name"], email=data["email"]
        )
        return HttpResponseRedirect(
            reverse("sandbox:workable:candidate", args=[subdomain, candidate_id])
        )
    if action == "connect" and connect_form.is_valid():
        sandbox.connect_platform(
            subdomain,
            base_url=connect_form.cleaned_data["base_url"],
            token=encrypt(connect_form.cleaned_data["token"]),
        )
        messages.success(request, "Harver's base URL and token are saved.")
        return HttpResponseRedirect(here)
    invalid = any(form.errors for form in (job_form, candidate_form, connect_form))
    return render_page(
        request,
        "workable/sandbox/account.html",
        {
            "account": record,
            "jobs": list(jobs.values()),
            "candidates": list(record["candidates"].values()),
            "job_form": job_form,
            "candidate_form": candidate_form,
            "connect_form": connect_form,
        },
        status=400 if invalid or action not in (None, "job", "candidate", "connect") else 200,
    )


@staff_member_required
@require_http_methods(["GET", "POST"])
def candidate(request: HttpRequest, subdomain: str, candidate_id: str) -> HttpResponse:
    sandbox = workable_sandbox()
    record = _account(subdomain)
    try:
        person = sandbox.candidate(subdomain, candidate_id)
    except Refused:
        raise Http404("No such candidate.") from None
    platform = InProcessPlatform(request.get_host(), request.scheme or "http")
    token = _platform_token(record)
    tests: list[recruiter.Test] = []
    problem = ""
    try:
        tests = recruiter.list_tests(record, platform, token=token)
    except PlatformRefused as error:
        problem = str(error)
    job = record["jobs"].get(person["job_shortcode"], {})
    # The assessment named like the candidate's job is the one a recruiter means, most likely.
    likely = next((test.id for test in tests if test.name == job.get("title")), None)
    form = PickForm(
        request.POST if request.method == "POST" else None,
        label="Assessment",
        choices=[(test.id, test.name) for test in tests],
        initial={"choice": likely},
    )
    if request.method == "POST" and form.is_valid():
        chosen = next(test for test in tests if test.id == form.cleaned_data["choice"])
        try:
            recruiter.send_assessment(
                sandbox, subdomain, candidate_id, chosen, platform, token=token
            )
        except PlatformRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{chosen.name} sent to {person['name']}.")
        return HttpResponseRedirect(
            reverse("sandbox:workable:candidate", args=[subdomain, candidate_id])
        )
    return render_page(
        request,
        "workable/sandbox/candidate.html",
        {
            "account": record,
            "candidate": person,
            "job": job,
            "form": form,
            "problem": problem,
            "timeline": list(reversed(person["timeline"])),
            "attributes": [
                (attribute["label"], person["custom_attributes"].get(attribute["key"], "—"))
                for attribute in record["custom_attributes"]
            ],
        },
        status=400 if form.errors else 200,
    )


def _platform_token(record: dict[str, Any]) -> str:
    platform = record["platform"]
    stored = platform.get("token") if isinstance(platform, dict) else ""
    return decrypt(str(stored)) if stored else ""
