"""The demo's Greenhouse integration, connected to the sandbox's Greenhouse: ready to use at once.

For the embedded run: a sandbox integration for the demo account (a Harvest v3 credential acting
as a Site Admin, a web hook Secret Key, report links, the "Harver Assessment" stage of each job
mapped to its assessment, the overall score and the recommendation written to a candidate and an
application custom field, the candidate's Harver status to a third), and the organisation it
talks to: one job per assessment with an applicant in each, and the web hook that tells the
platform of stage changes. Safe to repeat:
each run gives both sides a fresh Client Secret, Secret Key and web hook URL and keeps the rest.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.urls import reverse

from accounts.models import Account
from assessments.models import Assessment
from greenhouse.provider import GreenhouseProvider
from greenhouse.sandbox import recruiter
from greenhouse.sandbox.harvest import Harvest
from greenhouse.sandbox.views import greenhouse_sandbox
from greenhouse.unconfirmed import STAGE_CHANGE_EVENT
from harver_integration.crypto import encrypt
from integrations import services, stages
from integrations.models import AssessmentFieldMapping
from sandbox.demo import REPORTS, enable_at_once, sandbox_integration

CLIENT_ID = "sandbox-demo"
ACTING_USER = "Harver Integration"
WEB_HOOK = "Harver"
APPLICANTS = [
    ("Maria Garcia", "maria.garcia@example.com"),
    ("Tom Becker", "tom.becker@example.com"),
    ("Priya Shah", "priya.shah@example.com"),
]
# The application field that shows the candidate's Harver status (Invited, Started, Completed, …).
STATUS_FIELD = ("application", "harver_status", "Harver status", "short_text")
# (level, name_key, name, value type) of the custom fields Harver's scores go to.
FIELDS = {
    AssessmentFieldMapping.Score.OVERALL: ("candidate", "harver_score", "Harver score", "number"),
    AssessmentFieldMapping.Score.RECOMMENDATION: (
        "application",
        "harver_fit",
        "Harver fit",
        "short_text",
    ),
}


def _organisation(harvest: Harvest, account: Account) -> int:
    """The organisation's users and custom fields, made the first time; the acting user's id."""
    if not harvest.users:
        harvest.rename(f"{account.name} (sandbox)")
        harvest.add_user(ACTING_USER, email="harver@example.com")
        harvest.add_user("Riley Recruiter", site_admin=False, email="riley@example.com")
    known = {item["name_key"] for item in harvest.custom_fields.values()}
    for level, name_key, name, value_type in (*FIELDS.values(), STATUS_FIELD):
        if name_key not in known:
            harvest.add_custom_field(name_key, field_type=level, value_type=value_type, name=name)
    return next(user_id for user_id, user in harvest.users.items() if user["name"] == ACTING_USER)


@transaction.atomic
def provision_demo(account: Account) -> str:
    """Connect the demo account to the sandbox's Greenhouse; the sandbox page to start from."""
    harvest = greenhouse_sandbox()
    user_id = _organisation(harvest, account)
    integration = sandbox_integration(account, GreenhouseProvider.key)
    client_secret = secrets.token_urlsafe(24)
    secret_key = secrets.token_urlsafe(24)
    harvest.add_client(CLIENT_ID, client_secret, label="Harver (demo)")
    services.set_ats_credentials(
        integration,
        client_id=CLIENT_ID,
        client_secret=client_secret,
        user_id=str(user_id),
        webhook_secret=secret_key,
        status_field=f"{STATUS_FIELD[0]}:{STATUS_FIELD[1]}",
    )
    services.configure_reports(integration, enabled=REPORTS, results_link=REPORTS[0])
    jobs = {job["name"]: job for job in harvest.jobs.values()}
    assessments = list(Assessment.objects.filter(account=account).offered().order_by("pk"))
    for assessment, (name, email) in zip(assessments, APPLICANTS, strict=False):
        job = jobs.get(assessment.name)
        if job is None:
            job = recruiter.publish_job(harvest, assessment.name)
            recruiter.add_applicant(harvest, name=name, email=email, job_id=int(job["id"]))
        stages.map_stage(
            integration,
            assessment=assessment,
            stage_name=recruiter.HARVER_STAGE,
            job_id=str(job["id"]),
            job_name=str(job["name"]),
        )
        for score, (level, name_key, _, _) in FIELDS.items():
            services.map_field(
                integration, assessment=assessment, score=score, ats_field_id=f"{level}:{name_key}"
            )
    inbound_token = services.rotate_inbound_token(integration)
    enable_at_once(integration)
    harvest.remove_web_hooks(WEB_HOOK)
    harvest.add_web_hook(
        WEB_HOOK,
        GreenhouseProvider().webhook_url(inbound_token),
        secret_key=encrypt(secret_key),
        event=STAGE_CHANGE_EVENT,
    )
    return reverse("sandbox:greenhouse:home")
