"""What a recruiter does in the sandbox's Greenhouse, including what makes it call the platform.

Moving an application into a stage sends every web hook of the organisation a signed
`candidate_stage_change`, as Greenhouse does (`webhooks.WebhookSender`); each answer, or why it
was not sent, lands on the candidate's timeline. A `sandbox.calls.Platform` carries the calls.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from greenhouse.sandbox.harvest import Harvest, Record
from greenhouse.sandbox.webhooks import WebhookSender
from sandbox.calls import Platform, PlatformRefused

# A new job's interview plan; the stage named like Harver's is the one a Harver mapping names.
JOB_STAGES = ("Application Review", "Harver Assessment", "Face to Face", "Offer")
HARVER_STAGE = "Harver Assessment"
UNREADABLE_KEY = (
    "Its Secret Key cannot be read with this platform's keys (FIELD_ENCRYPTION_KEYS changed): "
    "create the web hook again."
)


@dataclass(frozen=True)
class WebHook:
    name: str
    endpoint_url: str
    # As typed into Greenhouse (the caller decrypts what the organisation keeps); None when it
    # cannot be read, so the web hook cannot be signed.
    secret_key: str | None


def publish_job(harvest: Harvest, name: str) -> Record:
    return harvest.add_job(name, JOB_STAGES)


def add_applicant(harvest: Harvest, *, name: str, email: str, job_id: int) -> Record:
    """A candidate and an application for `job_id`, in the job's first stage."""
    stages = harvest.job_stages(job_id)
    if not stages:
        raise KeyError(f"job {job_id} has no stage")
    first_name, _, last_name = name.strip().partition(" ")
    candidate = harvest.add_candidate(first_name, last_name, emails=[(email, "personal")])
    return harvest.add_application(candidate["id"], job_id, str(stages[0]["name"]))


def create_credential(harvest: Harvest, label: str) -> tuple[str, str]:
    """A Harvest v3 API credential with every scope Harver needs: Client ID and Secret."""
    client_id = f"sandbox-{secrets.token_hex(6)}"
    client_secret = secrets.token_urlsafe(24)
    harvest.add_client(client_id, client_secret, label=label)
    return client_id, client_secret


def _answer_text(answer: Any) -> str:
    if isinstance(answer, dict):
        return str(answer.get("message") or answer.get("error") or answer)
    return str(answer or "")


def move_application(
    harvest: Harvest,
    application_id: int,
    stage_name: str,
    web_hooks: list[WebHook],
    platform: Platform,
) -> None:
    """The application enters `stage_name`; every web hook hears of it."""
    harvest.move(application_id, stage_name)
    payload = harvest.stage_change_payload(application_id)
    candidate_id = int(payload["payload"]["application"]["candidate"]["id"])
    for web_hook in web_hooks:
        not_sent = {"kind": "problem", "title": f"Web hook {web_hook.name} not sent"}
        if web_hook.secret_key is None:
            harvest.record(
                candidate_id,
                {**not_sent, "text": UNREADABLE_KEY},
                application_id=application_id,
            )
            continue
        sender = WebhookSender(web_hook.endpoint_url, web_hook.secret_key, platform=platform)
        try:
            sent = sender.send(payload)
        except PlatformRefused as error:
            entry = {**not_sent, "text": str(error)}
        else:
            entry = {
                "kind": "web_hook",
                "title": f"Web hook {web_hook.name} answered HTTP {sent.status}",
                "text": _answer_text(sent.answer),
            }
        harvest.record(candidate_id, entry, application_id=application_id)
