"""The sandbox's Greenhouse, served by the platform: Harvest v3 with its token endpoint (what the
platform calls) and the pages a recruiter uses (jobs, applications, "move to stage", the Dev
Center's API credentials and web hooks, the timeline).

One organisation, its records in one JSON file under SANDBOX_STATE_DIR, shared by every web
process. Web hook Secret Keys are kept encrypted with the platform's keys.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from greenhouse.sandbox import recruiter
from greenhouse.sandbox.forms import CredentialForm, WebHookForm
from greenhouse.sandbox.harvest import GRANT_PATH, V3, Harvest, Record
from greenhouse.unconfirmed import STAGE_CHANGE_EVENT
from harver_integration.crypto import SecretDecryptionError, decrypt, encrypt
from sandbox.forms import CandidateForm, JobForm, PickForm
from sandbox.platform import InProcessPlatform
from sandbox.serving import serve
from sandbox.store import JsonFileStore
from sandbox.views import render_page

STATE_FILE = "greenhouse.json"


@cache
def _harvest(state_dir: str) -> Harvest:
    return Harvest(JsonFileStore(settings.SANDBOX_STATE_DIR / STATE_FILE))


def greenhouse_sandbox() -> Harvest:
    """The sandbox's Greenhouse organisation."""
    return _harvest(str(settings.SANDBOX_STATE_DIR))


def candidate_emails() -> set[str]:
    return {
        str(address["value"])
        for candidate in greenhouse_sandbox().candidates.values()
        for address in candidate["email_addresses"]
    }


# --- The API ------------------------------------------------------------------------------------


@csrf_exempt
def token_endpoint(request: HttpRequest) -> HttpResponse:
    """Client credentials for an access token, answered as the stand-in answers a test."""
    return serve(request, GRANT_PATH, greenhouse_sandbox().handle)


@csrf_exempt
def harvest_api(request: HttpRequest, rest: str) -> HttpResponse:
    """Harvest v3, answered by the stand-in exactly as it answers a test."""
    return serve(request, f"{V3}{rest}", greenhouse_sandbox().handle)


# --- The recruiter's pages ----------------------------------------------------------------------


def _job_choices(harvest: Harvest) -> list[tuple[str, str]]:
    return [(str(job_id), str(job["name"])) for job_id, job in harvest.jobs.items()]


@staff_member_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    harvest = greenhouse_sandbox()
    action = request.POST.get("action") if request.method == "POST" else None
    job_form = JobForm(request.POST if action == "job" else None, prefix="job")
    candidate_form = CandidateForm(
        request.POST if action == "candidate" else None,
        prefix="candidate",
        jobs=_job_choices(harvest),
    )
    credential_form = CredentialForm(
        request.POST if action == "credential" else None, prefix="credential"
    )
    web_hook_form = WebHookForm(request.POST if action == "web_hook" else None, prefix="web_hook")
    here = reverse("sandbox:greenhouse:home")
    if action == "job" and job_form.is_valid():
        job = recruiter.publish_job(harvest, job_form.cleaned_data["title"])
        messages.success(request, f"Job {job['name']} ({job['id']}) opened.")
        return HttpResponseRedirect(here)
    if action == "candidate" and candidate_form.is_valid():
        data = candidate_form.cleaned_data
        application = recruiter.add_applicant(
            harvest, name=data["name"], email=data["email"], job_id=int(data["job"])
        )
        return HttpResponseRedirect(
            reverse("sandbox:greenhouse:application", args=[application["id"]])
        )
    if action == "credential" and credential_form.is_valid():
        client_id, client_secret = recruiter.create_credential(
            harvest, credential_form.cleaned_data["label"]
        )
        messages.success(
            request,
            f"API credential created. Client ID {client_id}; its Client Secret, shown only now: "
            f"{client_secret} — enter both and a Site Admin's user id as the integration's Harver "
            "to ATS credentials, and mark the integration as a sandbox one.",
        )
        return HttpResponseRedirect(here)
    if action == "web_hook" and web_hook_form.is_valid():
        data = web_hook_form.cleaned_data
        harvest.add_web_hook(
            data["name"],
            data["endpoint_url"],
            secret_key=encrypt(data["secret_key"]),
            event=STAGE_CHANGE_EVENT,
        )
        messages.success(request, f"Web hook {data['name']} created.")
        return HttpResponseRedirect(here)
    forms = (job_form, candidate_form, credential_form, web_hook_form)
    invalid = any(form.errors for form in forms)
    return render_page(
        request,
        "greenhouse/sandbox/home.html",
        {
            "name": harvest.name(),
            "jobs": _jobs(harvest),
            "applications": _applications(harvest),
            "users": list(harvest.users.values()),
            "credentials": harvest.clients(),
            "web_hooks": harvest.web_hooks(),
            "job_form": job_form,
            "candidate_form": candidate_form,
            "credential_form": credential_form,
            "web_hook_form": web_hook_form,
            "stage_change_event": STAGE_CHANGE_EVENT,
        },
        status=400
        if invalid or action not in (None, "job", "candidate", "credential", "web_hook")
        else 200,
    )


def _jobs(harvest: Harvest) -> list[dict[str, Any]]:
    stages: dict[int, list[str]] = {}
    for stage in sorted(harvest.job_interview_stages.values(), key=lambda s: s["sort_order"]):
        stages.setdefault(int(stage["job_id"]), []).append(str(stage["name"]))
    return [{**job, "stages": stages.get(job_id, [])} for job_id, job in harvest.jobs.items()]


def _applications(harvest: Harvest) -> list[dict[str, Any]]:
    candidates = harvest.candidates
    jobs = harvest.jobs
    return [
        {
            **application,
            "candidate": candidates[application["candidate_id"]],
            "job": jobs[application["job_id"]],
        }
        for application in harvest.applications.values()
    ]


def _secret_key(stored: str) -> str | None:
    try:
        return decrypt(stored)
    except SecretDecryptionError:
        return None


def _web_hooks(harvest: Harvest) -> list[recruiter.WebHook]:
    return [
        recruiter.WebHook(
            str(item["name"]), str(item["endpoint_url"]), _secret_key(str(item["secret_key"]))
        )
        for item in harvest.web_hooks()
    ]


@staff_member_required
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    harvest = greenhouse_sandbox()
    found: Record | None = harvest.applications.get(application_id)
    if found is None:
        raise Http404("No such application.")
    candidate = harvest.candidates[found["candidate_id"]]
    job = harvest.jobs[found["job_id"]]
    stages = [str(stage["name"]) for stage in harvest.job_stages(int(job["id"]))]
    # The Harver stage is the one a recruiter moves a candidate into to have them assessed.
    likely = next((stage for stage in stages if "harver" in stage.casefold()), None)
    form = PickForm(
        request.POST if request.method == "POST" else None,
        label="Stage",
        choices=[(stage, stage) for stage in stages],
        initial={"choice": likely},
    )
    here = reverse("sandbox:greenhouse:application", args=[application_id])
    if request.method == "POST" and form.is_valid():
        web_hooks = _web_hooks(harvest)
        recruiter.move_application(
            harvest,
            application_id,
            form.cleaned_data["choice"],
            web_hooks,
            InProcessPlatform(request.get_host(), request.scheme or "http"),
        )
        heard = f"; {len(web_hooks)} web hook(s) told" if web_hooks else "; no web hook to tell"
        messages.success(
            request,
            f"{candidate['first_name']} {candidate['last_name']} moved to "
            f"{form.cleaned_data['choice']}{heard}.",
        )
        return HttpResponseRedirect(here)
    timeline = [
        entry
        for entry in harvest.timeline(int(candidate["id"]))
        if entry.get("application_id") in (None, application_id)
    ]
    return render_page(
        request,
        "greenhouse/sandbox/application.html",
        {
            "name": harvest.name(),
            "application": found,
            "candidate": candidate,
            "job": job,
            "form": form,
            "timeline": list(reversed(timeline)),
            "fields": _field_values(harvest, candidate, found),
        },
        status=400 if form.errors else 200,
    )


def _field_values(
    harvest: Harvest, candidate: Record, application: Record
) -> list[tuple[str, str]]:
    """Every active candidate and application custom field with its value (an option's name)."""
    options = {
        option_id: option["name"] for option_id, option in harvest.custom_field_options.items()
    }
    shown = []
    for custom_field in harvest.custom_fields.values():
        if custom_field["field_type"] not in ("candidate", "application"):
            continue  # a job's or an offer's field
        record = candidate if custom_field["field_type"] == "candidate" else application
        value = record["custom_fields"].get(custom_field["name_key"])
        if custom_field["value_type"] == "single_select" and isinstance(value, int):
            value = options.get(value, value)
        shown.append((str(custom_field["name"]), "—" if value is None else str(value)))
    return shown
