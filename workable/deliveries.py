"""What Workable is owed for a status change, and how each of those deliveries is sent.

`record_status_change` runs inside the status change's transaction (through the provider hook)
and writes the deliveries with their exact bodies, built from the database state at that moment
(contract §3, §4): the `PUT callback_url`; on `completed` also the timeline note with the
recommendation and the enabled report links, and one custom-attribute write per enabled field
mapping. `connect` opens the sender the outbox uses for a claimed batch of one integration's
deliveries: it reads the token only then, keeps one HTTP session for the batch, and takes every
request's slot from the per-token rate limit.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, Value, When

from assessments.lifecycle import StatusChange, status_rank
from assessments.models import CandidateAssessment
from harver_integration.crypto import SecretDecryptionError
from integrations.http import RateBudget
from integrations.models import (
    AssessmentFieldMapping,
    AtsCredential,
    AtsInvitation,
    Delivery,
    Integration,
    ReportSettings,
)
from integrations.outbox import sending, writing
from integrations.ratelimit import limiter_key
from integrations.report_links import ReportLinks, report_links
from integrations.transport import (
    CredentialsUnusable,
    Exchange,
    PermanentError,
    TransientError,
)
from workable.client import WorkableClient, rate_limiter

logger = logging.getLogger(__name__)

Status = CandidateAssessment.Status
Kind = Delivery.Kind

# The statuses Workable knows (contract §3); `started` is ours alone.
SENT_STATUSES = (Status.PENDING, Status.COMPLETED, Status.EXPIRED, Status.REJECTED)
GRADES = {
    CandidateAssessment.Recommendation.GREAT_FIT: "excelled",
    CandidateAssessment.Recommendation.GOOD_FIT: "passed",
    CandidateAssessment.Recommendation.POOR_FIT: "failed",
}


# --- Writing what is owed -------------------------------------------------------------------


def record_status_change(invitation: AtsInvitation, change: StatusChange) -> list[Delivery]:
    """The deliveries a status change causes; call inside the change's transaction."""
    return writing.add(invitation.integration, _owed(invitation, change))


def record_status_changes(owed: Sequence[tuple[AtsInvitation, StatusChange]]) -> list[Delivery]:
    """`record_status_change` for many changes at once: a status other than `completed` costs
    no query of its own, so a bulk action's deliveries are written in the same few queries."""
    return writing.add_many(
        [(invitation.integration, _owed(invitation, change)) for invitation, change in owed]
    )


def _owed(invitation: AtsInvitation, change: StatusChange) -> list[Delivery]:
    if change.current not in SENT_STATUSES:
        return []
    candidate_assessment = change.candidate_assessment
    integration = invitation.integration
    deliveries = [status_delivery(invitation, candidate_assessment, change.current)]
    if change.current == Status.COMPLETED:
        links = _links(integration, candidate_assessment)
        deliveries.append(comment_delivery(candidate_assessment, links))
        deliveries.extend(field_deliveries(integration, candidate_assessment))
    return deliveries


def record_repeated_invitation(invitation: AtsInvitation) -> list[Delivery]:
    """Workable asked again for a completed assessment: its result goes to the new callback."""
    candidate_assessment = invitation.candidate_assessment
    if candidate_assessment.status != Status.COMPLETED:
        return []
    delivery = status_delivery(invitation, candidate_assessment, Status.COMPLETED)
    return writing.add(invitation.integration, [delivery])


def _links(integration: Integration, candidate_assessment: CandidateAssessment) -> ReportLinks:
    report_settings = ReportSettings.objects.filter(integration=integration).first()
    return report_links(
        report_settings or ReportSettings(integration=integration), candidate_assessment
    )


def _duration(value: datetime.timedelta | None) -> str:
    seconds = int(value.total_seconds()) if value else 0
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _recommendation(candidate_assessment: CandidateAssessment) -> str:
    return str(candidate_assessment.get_recommendation_display())


def summary(candidate_assessment: CandidateAssessment) -> str:
    if candidate_assessment.summary:
        return candidate_assessment.summary
    scores = candidate_assessment.competency_scores or {}
    text = f"{_recommendation(candidate_assessment)}."
    if scores:
        name, score = max(scores.items(), key=lambda item: item[1])
        text += f" Strongest: {name} ({score})."
    return text


def completed_body(candidate_assessment: CandidateAssessment, links: ReportLinks) -> dict[str, Any]:
    """The exact body of the `completed` results callback (contract §3)."""
    recommendation = CandidateAssessment.Recommendation(candidate_assessment.recommendation)
    return {
        "status": "completed",
        "results_url": links.results_url,
        "assessment": {
            "score": str(candidate_assessment.score),
            "grade": GRADES[recommendation],
            "summary": summary(candidate_assessment),
            "details": dict(candidate_assessment.competency_scores or {}),
            "duration": _duration(candidate_assessment.duration),
        },
        "attachments": [link.as_attachment() for link in links.attachments],
    }


def status_delivery(
    invitation: AtsInvitation, candidate_assessment: CandidateAssessment, status: str
) -> Delivery:
    if status == Status.COMPLETED:
        links = _links(invitation.integration, candidate_assessment)
        body = completed_body(candidate_assessment, links)
    else:
        body = {"status": str(status)}
    return Delivery(
        candidate_assessment=candidate_assessment,
        kind=Kind.STATUS,
        label=f"Status {status}",
        url=invitation.refs["callback_url"],
        payload=body,
        rank=status_rank(candidate_assessment, status),
    )


def comment_body(candidate_assessment: CandidateAssessment, links: ReportLinks) -> str:
    lines = [
        f'Harver assessment "{candidate_assessment.assessment.name}" completed: '
        f"{_recommendation(candidate_assessment)}, matching score "
        f"{candidate_assessment.score}/100.",
        summary(candidate_assessment),
        *(f"{link.description}: {link.url}" for link in links.note_links),
    ]
    return "\n".join(lines)


def comment_delivery(candidate_assessment: CandidateAssessment, links: ReportLinks) -> Delivery:
    """The timeline note; its author (member_id) is added when sending, so a fix applies."""
    return Delivery(
        candidate_assessment=candidate_assessment,
        kind=Kind.COMMENT,
        label="Timeline note",
        payload={
            "comment": {
                "body": comment_body(candidate_assessment, links),
                "policy": list(settings.WORKABLE_COMMENT_POLICY),
            }
        },
    )


def field_value(mapping: AssessmentFieldMapping, candidate_assessment: CandidateAssessment) -> str:
    if mapping.score == AssessmentFieldMapping.Score.OVERALL:
        return str(candidate_assessment.score)
    if mapping.score == AssessmentFieldMapping.Score.RECOMMENDATION:
        return _recommendation(candidate_assessment)
    name = mapping.competency.name if mapping.competency else ""
    score = (candidate_assessment.competency_scores or {}).get(name)
    return "" if score is None else str(score)


def field_deliveries(
    integration: Integration, candidate_assessment: CandidateAssessment
) -> list[Delivery]:
    mappings = (
        AssessmentFieldMapping.objects.filter(
            integration=integration,
            assessment_id=candidate_assessment.assessment_id,
            send_status=True,
        )
        .exclude(ats_field_id="")
        .select_related("competency", "assessment")
    )
    deliveries = []
    for mapping in mappings:
        value = field_value(mapping, candidate_assessment)
        if not value:
            continue
        deliveries.append(
            Delivery(
                candidate_assessment=candidate_assessment,
                kind=Kind.FIELD,
                label=f"Field {mapping.ats_field_id} ({mapping.score_label})",
                payload={"custom_attribute_key": mapping.ats_field_id, "value": value},
            )
        )
    return deliveries


# --- Sending one delivery -------------------------------------------------------------------


def _credential(integration: Integration) -> tuple[AtsCredential, str]:
    try:
        credential = integration.ats_credential
    except AtsCredential.DoesNotExist:
        credential = None
    if (
        credential is None
        or not credential.has_secret("token")
        or not credential.value("subdomain")
    ):
        raise PermanentError("No Workable subdomain and API token are set (Credentials).")
    try:
        token = credential.secret("token")
    except SecretDecryptionError as error:
        raise CredentialsUnusable(str(error)) from None
    return credential, token


@dataclass(frozen=True)
class Lookup:
    """A batch's candidates: email and job by candidate assessment, and the ids found so far."""

    emails_and_jobs: dict[int, tuple[str, str]]
    found_ids: dict[int, str]


def _lookups(batch: list[Delivery]) -> dict[int, tuple[str, str]]:
    needed = {
        d.candidate_assessment_id for d in batch if d.kind != Kind.STATUS and not d.remote_ref
    }
    if not needed:
        return {}
    rows = CandidateAssessment.objects.filter(pk__in=needed).values_list(
        "pk", "email", "ats_invitation__refs__job_shortcode"
    )
    return {pk: (email, shortcode or "") for pk, email, shortcode in rows}


def _matches(candidate: dict[str, Any], email: str, shortcode: str) -> bool:
    """Is this search hit our candidate: the same email (case aside) and, if known, job?"""
    if str(candidate.get("email") or "").strip().casefold() != email.strip().casefold():
        return False
    if not shortcode:
        return True
    job = candidate.get("job")
    job_shortcode = str(job.get("shortcode") or "") if isinstance(job, dict) else ""
    return job_shortcode.casefold() == shortcode.casefold()


def _candidate_id(client: WorkableClient, delivery: Delivery, lookup: Lookup) -> str:
    """Workable's id of the candidate, found by email and job once and kept for the others.

    A search hit counts only when its email and (when known) its job are the candidate's: a
    search that finds only others is "not found yet" (retried, and in the end the failure's
    reason), and nothing is written to anyone else. Kept in `lookup` for the rest of this
    batch, and in the database when the batch ends.
    """
    if delivery.remote_ref:
        return delivery.remote_ref
    candidate_assessment_id = delivery.candidate_assessment_id
    if candidate_assessment_id in lookup.found_ids:
        delivery.remote_ref = lookup.found_ids[candidate_assessment_id]
        return delivery.remote_ref
    email, shortcode = lookup.emails_and_jobs[candidate_assessment_id]
    found = client.find_candidates(email=email, shortcode=shortcode)
    match = next((hit for hit in found if _matches(hit, email, shortcode)), None)
    candidate_id = str(match.get("id") or "") if match is not None else ""
    if not candidate_id:
        job = f" in job {shortcode}" if shortcode else ""
        if found:
            raise TransientError(
                f"Workable's search found {len(found)} candidate(s), none with this candidate's "
                f"email{job}; nothing was written to them."
            )
        raise TransientError(f"Workable has no candidate with this email{job} yet.")
    delivery.remote_ref = lookup.found_ids[candidate_assessment_id] = candidate_id
    return candidate_id


def _keep_candidate_ids(found_ids: dict[int, str]) -> None:
    """Store the Workable ids a batch found on every note and field delivery of those candidates
    (one statement), so later retries and deliveries need no lookup."""
    if not found_ids:
        return
    Delivery.objects.filter(
        candidate_assessment_id__in=found_ids, kind__in=[Kind.COMMENT, Kind.FIELD], remote_ref=""
    ).update(
        remote_ref=Case(
            *(When(candidate_assessment_id=pk, then=Value(ref)) for pk, ref in found_ids.items()),
            default=Value(""),
        )
    )


def writes_proven(credential: AtsCredential) -> None:
    """A write succeeded, so the token has w_candidates (contract §4: proven only this way)."""
    verification = dict(credential.verification or {})
    scopes = dict(verification.get("scopes") or {})
    if scopes.get("w_candidates") == "verified":
        return
    scopes["w_candidates"] = "verified"
    verification["scopes"] = scopes
    AtsCredential.objects.filter(pk=credential.pk).update(verification=verification)
    credential.verification = verification


@contextmanager
def connect(integration: Integration, batch: list[Delivery]) -> Iterator[sending.Sender]:
    """The sender for a batch of `integration`'s deliveries: one token, one HTTP session.

    Credentials that cannot be used fail each delivery with the reason (a permanent error; a
    token no key decrypts also flags the integration).
    The email and job of every candidate the batch may have to look up are read at once.
    """
    try:
        credential, token = _credential(integration)
    except PermanentError as error:
        reason, unusable = str(error), isinstance(error, CredentialsUnusable)

        def refuse(delivery: Delivery) -> Exchange:
            raise CredentialsUnusable(reason) if unusable else PermanentError(reason)

        yield refuse
        return
    lookup = Lookup(_lookups(batch), found_ids={})
    budget = RateBudget(
        limiter_key(token),
        rate_limiter(),
        max_wait=settings.WORKABLE_RATE_LIMIT_WAIT_SECONDS,
        late_after=settings.WORKABLE_RATE_LIMIT_MARGIN_SECONDS / 2,
        counted_within=settings.WORKABLE_RATE_LIMIT_MARGIN_SECONDS / 2,
    )
    subdomain = credential.value("subdomain")
    with WorkableClient(
        subdomain=subdomain, token=token, budget=budget, sandbox=integration.is_sandbox
    ) as client:

        def send(delivery: Delivery) -> Exchange:
            exchange = _send(client, credential, delivery, lookup)
            writes_proven(credential)
            return exchange

        yield send
    _keep_candidate_ids(lookup.found_ids)


def _send(
    client: WorkableClient,
    credential: AtsCredential,
    delivery: Delivery,
    lookup: Lookup,
) -> Exchange:
    """Send one claimed delivery; raise a transport error when it did not land."""
    if delivery.kind == Kind.STATUS:
        return client.put_assessment_result(delivery.url, delivery.payload)
    candidate_id = _candidate_id(client, delivery, lookup)
    if delivery.kind == Kind.COMMENT:
        member_id = credential.value("note_author_member_id")
        if not member_id:
            raise PermanentError("No timeline note author is chosen (Credentials, Harver to ATS).")
        comment = delivery.payload.get("comment") or {}
        return client.create_comment(
            candidate_id,
            member_id=member_id,
            body=str(comment.get("body", "")),
            policy=list(comment.get("policy") or []),
        )
    return client.update_custom_attribute_value(
        candidate_id,
        key=str(delivery.payload["custom_attribute_key"]),
        value=str(delivery.payload["value"]),
    )
