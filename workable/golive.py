"""The live go-live check in Workable: a test candidate on a test job gets what the next result
would write, is read back, and is cleaned up as far as Workable's API allows.

The writes are exactly the dry run's (the preview's timeline note and field values), sent with
the stored token and note author through the same client, time-outs and rate limit as the
deliveries; each request is a step with its evidence (method, URL, HTTP status), as a delivery
attempt records it. A note or field written proves the w_candidates scope, as a delivery does.

Workable takes an assessment's status only on the callback URL of an assessment it requested
itself, and no API call of ours can make Workable request one; so the live check sends no
status: the dry run shows the completed body exactly, and the first real invitation sends it.
Workable's API cannot delete a candidate either: the test candidate is disqualified, with a
reason that names the check, and the last step says so.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from harver_integration.crypto import SecretDecryptionError
from integrations.golive_preview import Preview, PreviewDelivery
from integrations.http import WaitingBudget
from integrations.models import AtsCredential, Delivery, Integration
from integrations.provider_types import GoLiveStep
from integrations.ratelimit import limiter_key
from integrations.transport import DeliveryError, Exchange
from workable.client import WorkableClient, rate_limiter
from workable.deliveries import writes_proven

# The check waits this long, in total, for rate-limit slots that deliveries are using.
MAX_WAIT_SECONDS = 20.0
CANDIDATE_NAME = "Harver Go-Live Check"
DISQUALIFY_REASON = "Synthetic candidate of the Harver go-live check"


def _evidence(exchange: Exchange) -> dict[str, object]:
    return {"request": exchange.request, "http_status": exchange.http_status}


def _failed(name: str, error: DeliveryError) -> GoLiveStep:
    return GoLiveStep(name, False, f"{error}", _evidence(error.exchange))


def jobs(integration: Integration) -> list[tuple[str, str]]:
    """Workable's jobs, as (shortcode, "title (shortcode)"), for the test job picker; [] when
    the credentials cannot be used yet (the admin types the shortcode)."""
    try:
        opened = _client(integration)
    except (AtsCredential.DoesNotExist, SecretDecryptionError):
        return []
    with opened as client:
        listed = client.list_jobs(limit=100)
    return [
        (str(job["shortcode"]), f"{job.get('title') or job['shortcode']} ({job['shortcode']})")
        for job in listed
        if job.get("shortcode")
    ]


def _client(integration: Integration) -> WorkableClient:
    credential = AtsCredential.objects.get(integration=integration)
    token = credential.secret("token")
    budget = WaitingBudget(limiter_key(token), rate_limiter(), max_wait=MAX_WAIT_SECONDS)
    return WorkableClient(
        subdomain=credential.value("subdomain"),
        token=token,
        budget=budget,
        sandbox=integration.is_sandbox,
    )


def round_trip(integration: Integration, preview: Preview, job: str) -> list[GoLiveStep]:
    credential = AtsCredential.objects.get(integration=integration)
    member_id = credential.value("note_author_member_id")
    email = f"go-live-check+{timezone.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}@harver.example"
    steps: list[GoLiveStep] = []
    with _client(integration) as client:
        name = f"Test candidate added to job {job}"
        try:
            candidate_id, exchange = client.create_candidate(job, name=CANDIDATE_NAME, email=email)
        except DeliveryError as error:
            return [_failed(name, error)]
        if not candidate_id:
            return [
                GoLiveStep(name, False, "Workable created no candidate id.", _evidence(exchange))
            ]
        steps.append(
            GoLiveStep(
                name,
                True,
                f"Workable added {CANDIDATE_NAME} ({email}) as {candidate_id}.",
                _evidence(exchange),
            )
        )
        written = _write(client, credential, candidate_id, member_id, preview.deliveries, steps)
        steps.append(_read_back(client, candidate_id, written))
        steps.append(_clean_up(client, candidate_id, member_id, job))
    return steps


def _write(
    client: WorkableClient,
    credential: AtsCredential,
    candidate_id: str,
    member_id: str,
    deliveries: list[PreviewDelivery],
    steps: list[GoLiveStep],
) -> dict[str, Any]:
    """Send the preview's note and field values; what was written, for the read-back."""
    written: dict[str, Any] = {"note": "", "fields": {}}
    for delivery in deliveries:
        try:
            if delivery.kind == Delivery.Kind.COMMENT.label:
                comment = delivery.payload.get("comment") or {}
                body = str(comment.get("body", ""))
                exchange = client.create_comment(
                    candidate_id,
                    member_id=member_id,
                    body=body,
                    policy=list(comment.get("policy") or []),
                )
                written["note"] = body
            elif delivery.kind == Delivery.Kind.FIELD.label:
                key = str(delivery.payload["custom_attribute_key"])
                value = str(delivery.payload["value"])
                exchange = client.update_custom_attribute_value(candidate_id, key=key, value=value)
                written["fields"][key] = value
            else:
                continue
        except DeliveryError as error:
            steps.append(_failed(f"{delivery.label} written", error))
            continue
        writes_proven(credential)
        steps.append(
            GoLiveStep(f"{delivery.label} written", True, "Workable took it.", _evidence(exchange))
        )
    return written


def _read_back(client: WorkableClient, candidate_id: str, written: dict[str, Any]) -> GoLiveStep:
    name = "Note and fields read back"
    try:
        candidate, exchange = client.candidate(candidate_id)
        comments = client.candidate_comments(candidate_id)
    except DeliveryError as error:
        return _failed(name, error)
    values = candidate.get("custom_attributes")
    values = values if isinstance(values, dict) else {}
    problems = [
        f"{key} reads {values.get(key)!r}, not {value!r}."
        for key, value in written["fields"].items()
        if str(values.get(key)) != value
    ]
    if written["note"] and not any(
        str(comment.get("body")) == written["note"] for comment in comments
    ):
        problems.append("The timeline note is not on the candidate.")
    if problems:
        return GoLiveStep(name, False, " ".join(problems), _evidence(exchange))
    fields = len(written["fields"])
    return GoLiveStep(
        name,
        True,
        f"The note{'' if written['note'] else ' (none sent)'} and {fields} field value(s) read "
        "back as written.",
        _evidence(exchange),
    )


def _clean_up(client: WorkableClient, candidate_id: str, member_id: str, job: str) -> GoLiveStep:
    name = "Test candidate cleaned up"
    try:
        exchange = client.disqualify(candidate_id, member_id=member_id, reason=DISQUALIFY_REASON)
    except DeliveryError as error:
        return _failed(name, error)
    return GoLiveStep(
        name,
        True,
        f"Workable's API cannot delete a candidate: {CANDIDATE_NAME} ({candidate_id}) was "
        f"disqualified on job {job} with the reason “{DISQUALIFY_REASON}”; delete it there by "
        "hand if you like.",
        _evidence(exchange),
    )
