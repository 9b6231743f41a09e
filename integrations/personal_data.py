"""What the integrations keep about candidates: the ATS's references, the deliveries (bodies and
attempts), the calls the ATS made (inbound event bodies), and free text that may quote them (an
integration's last error, an issue's message). Exported in full; on removal the
rows stay for the delivery statistics but lose every body, address and reference.

Deliveries not yet sent are cancelled before anything else: a cancelled delivery is `dropped`,
and a worker sending one at that moment loses its lease, so its result is never recorded.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db.models import Q, QuerySet

from assessments.personal_data.holders import Holder, Removal
from assessments.personal_data.redaction import redact
from integrations.models import (
    AtsInvitation,
    Delivery,
    DeliveryAttempt,
    InboundEvent,
    Integration,
    Issue,
)

State = Delivery.State
UNSENT_STATES = (State.PENDING, State.SENDING, State.HELD)
CANCELLED_ON_ERASURE = "Cancelled: the candidate's personal data was erased."
CANCELLED_ON_RETENTION = "Cancelled: the candidate's data retention period ended."


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _body(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def export(candidate_assessment_ids: list[int]) -> dict[str, Any]:
    invitations = AtsInvitation.objects.filter(
        candidate_assessment_id__in=candidate_assessment_ids
    ).select_related("integration")
    deliveries = Delivery.objects.filter(
        candidate_assessment_id__in=candidate_assessment_ids
    ).prefetch_related("attempts")
    events = InboundEvent.objects.filter(candidate_assessment_id__in=candidate_assessment_ids)
    return {
        "ats_invitations": [
            {
                "candidate_assessment": invitation.candidate_assessment_id,
                "integration": invitation.integration_id,
                "ats": invitation.integration.get_provider_display(),
                "email": invitation.email_key,
                "ats_references": invitation.refs,
                "live": invitation.is_live,
                "created_at": _iso(invitation.created_at),
            }
            for invitation in invitations
        ],
        "deliveries": [
            {
                "candidate_assessment": delivery.candidate_assessment_id,
                "what": delivery.label,
                "state": delivery.state,
                "url": delivery.url,
                "body": delivery.payload,
                "created_at": _iso(delivery.created_at),
                "finished_at": _iso(delivery.finished_at),
                "last_error": delivery.last_error,
                "attempts": [
                    {
                        "number": attempt.number,
                        "started_at": _iso(attempt.started_at),
                        "outcome": attempt.outcome,
                        "request": attempt.request,
                        "http_status": attempt.http_status,
                        "response": attempt.response_excerpt,
                        "error": attempt.error,
                    }
                    for attempt in delivery.attempts.all()
                ],
            }
            for delivery in deliveries
        ],
        "ats_calls": [
            {
                "candidate_assessment": event.candidate_assessment_id,
                "action": event.action,
                "received_at": _iso(event.received_at),
                "outcome": event.outcome,
                "body": _body(event.body),
            }
            for event in events
        ],
    }


def _cancel_unsent(removal: Removal) -> int:
    return Delivery.objects.filter(
        candidate_assessment_id__in=removal.candidate_assessment_ids, state__in=UNSENT_STATES
    ).update(
        state=State.DROPPED,
        locked_until=None,
        finished_at=removal.now,
        last_error=CANCELLED_ON_ERASURE if removal.erasure else CANCELLED_ON_RETENTION,
        updated_at=removal.now,
    )


def _inbound_events(removal: Removal) -> Q:
    """The ATS calls about these candidates: linked to them, or (on erasure) naming their email,
    or (on retention) older than the account's retention period."""
    found = Q(candidate_assessment_id__in=removal.candidate_assessment_ids)
    of_account = Q(integration__account=removal.account)
    if removal.erasure:
        for value in removal.values:
            if "@" in value:
                found |= of_account & Q(body__icontains=value)
    else:
        cutoff = removal.now - datetime.timedelta(days=removal.account.retention_days)
        found |= of_account & Q(received_at__lte=cutoff) & ~Q(body="")
    return found


def remove(removal: Removal) -> dict[str, int]:
    ids = removal.candidate_assessment_ids
    counts = {"deliveries cancelled before sending": _cancel_unsent(removal)}
    counts["delivery bodies removed"] = Delivery.objects.filter(
        candidate_assessment_id__in=ids
    ).update(payload={}, url="", remote_ref="", updated_at=removal.now)
    counts["delivery attempts cleared"] = DeliveryAttempt.objects.filter(
        delivery__candidate_assessment_id__in=ids
    ).update(request="", response_excerpt="", error="")
    counts["ATS references removed"] = AtsInvitation.objects.filter(
        candidate_assessment_id__in=ids
    ).update(email_key="", identity_key="", refs={}, is_live=False, updated_at=removal.now)
    events = 0
    for event in InboundEvent.objects.filter(_inbound_events(removal)):
        event.body, event.details = "", {}
        event.outcome = redact(event.outcome, removal.values)
        event.save(update_fields=["body", "details", "outcome"])
        events += 1
    counts["ATS call bodies removed"] = events
    of_account = Integration.objects.filter(account=removal.account)
    if errors := _redact_free_text(of_account, ("last_error",), removal.values):
        counts["integration errors redacted"] = errors
    issues = Issue.objects.filter(integration__account=removal.account)
    if redacted := _redact_free_text(issues, ("subject", "message"), removal.values):
        counts["issue messages redacted"] = redacted
    return counts


def _redact_free_text(rows: QuerySet[Any], fields: tuple[str, ...], values: list[str]) -> int:
    """Replace the candidates' values in these text fields of the rows naming them; how many."""
    if not values:
        return 0
    naming = Q()
    for field in fields:
        for value in values:
            naming |= Q(**{f"{field}__icontains": value})
    changed = 0
    for row in rows.filter(naming):
        rows.filter(pk=row.pk).update(
            **{field: redact(getattr(row, field), values) for field in fields}
        )
        changed += 1
    return changed


HOLDER = Holder(name="integrations", export=export, remove=remove)
