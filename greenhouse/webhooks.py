"""What a Greenhouse web hook delivery comes to: recorded at once, invited in a worker.

The view records every delivery it accepts as an inbound event (its body as it arrived), keyed by
`Greenhouse-Event-ID`, so a repeat is found and not stored again. What needs no question to
Greenhouse is settled on the spot (a ping, an action we ignore, a stage that is not mapped, a
disabled integration); a stage change worth inviting for waits for a worker, which decides again
with the mappings of that moment, asks Harvest whether the application still sits in that stage
and is active (Greenhouse documents no ordering), and only then invites. The invitation is
unique per application and assessment while it is live, so however often Greenhouse repeats
itself the candidate gets one email.

A stage change also withdraws: when an application with a live invitation is rejected, or moves
to a stage that does not map to that invitation's assessment, the worker asks Harvest whether
it really is no longer active, or still sits in the stage the web hook names (not moved again
since), and then voids the invitation (`inbound.withdraw`): its link stops working, no reminder
goes, and the status field, if mapped, says `Withdrawn`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from assessments.models import Assessment
from greenhouse import connection
from greenhouse.decisions import Ignore, Invite, JobCodes, StageMapping, decide
from greenhouse.invitations import invitation_refs
from greenhouse.payloads import (
    STAGE_CHANGE,
    OtherAction,
    Ping,
    StageChange,
    Unreadable,
    Webhook,
    parse_webhook,
)
from greenhouse.unconfirmed import (
    ACTIVE_APPLICATION_STATUSES,
    STAGE_CHANGE_EVENT,
    trigger_stage_matches,
)
from harver_integration.ids import parse_id
from integrations import inbound, inbound_events
from integrations.inbound_events import EventOutcome, Recorded
from integrations.models import AtsCredential, AtsInvitation, InboundEvent, Integration
from integrations.models import StageMapping as StoredStageMapping

logger = logging.getLogger(__name__)

State = InboundEvent.State
PING = "ping"


def _text(body: bytes) -> str:
    # The body parsed as JSON, so it is UTF-8 without a NUL byte: stored as it arrived.
    return body.decode("utf-8")


def mappings(integration: Integration) -> list[StageMapping]:
    """The integration's stage mappings; one for a job id Greenhouse cannot have (not a number)
    applies to no job, rather than to every job."""
    found = []
    for row in StoredStageMapping.objects.filter(integration=integration):
        job_id = parse_id(row.job_id)
        if row.job_id and job_id is None:
            continue
        found.append(
            StageMapping(stage_name=row.stage_name, job_id=job_id, assessment_id=row.assessment_id)
        )
    return found


def job_codes(integration: Integration) -> JobCodes:
    """The job code field the admin named (none: job codes are not used), and the offered
    assessments by job code."""
    credential = AtsCredential.objects.filter(integration=integration).first()
    key = credential.value("job_code_field") if credential else ""
    if not key:
        return JobCodes()
    return JobCodes(
        field_key=key,
        assessments={
            assessment.job_code.strip().casefold(): assessment.pk
            for assessment in inbound.offered_assessments(integration)
            if assessment.job_code.strip()
        },
    )


def record_ping(
    integration: Integration, ping: Ping, *, event_id: str, signed: bool, body: bytes
) -> Recorded:
    """A ping is answered 200 whatever its signature; what it said is kept for the checklist."""
    stage_change = ping.event.strip().casefold() == STAGE_CHANGE_EVENT.casefold()
    outcome = "Greenhouse reached Harver (a ping)"
    outcome += "; the Secret Key matches." if signed else "; the Secret Key does not match."
    if ping.event and not stage_change:
        outcome += f' The web hook is for "{ping.event}", not "{STAGE_CHANGE_EVENT}".'
    return inbound_events.record(
        integration,
        event_id=event_id,
        action=PING,
        body=_text(body),
        state=State.DONE,
        outcome=outcome,
        details={
            "web_hook_id": ping.web_hook_id,
            "event": ping.event,
            "signature_matched": signed,
        },
    )


def _settled_on_arrival(integration: Integration, webhook: Webhook) -> EventOutcome | None:
    """What a signed delivery comes to without asking Greenhouse, or None to leave it to a
    worker."""
    if isinstance(webhook, OtherAction):
        return EventOutcome(State.IGNORED, f'Greenhouse\'s "{webhook.action}" is not used.')
    if isinstance(webhook, Unreadable):
        fields = ", ".join(sorted(webhook.errors))
        return EventOutcome(
            State.ATTENTION,
            f"The stage change could not be read ({fields}).",
            details={"errors": webhook.errors},
        )
    if not integration.is_enabled:
        return EventOutcome(State.IGNORED, "The integration is not enabled.")
    if isinstance(webhook, StageChange):
        decision = decide(webhook, mappings(integration), job_codes(integration))
        if isinstance(decision, Ignore) and not _left_behind(integration, webhook, decision):
            return _ignored(decision)
    return None


def _left_behind(
    integration: Integration, change: StageChange, decision: Invite | Ignore
) -> list[AtsInvitation]:
    """The application's live invitations this change leaves: all of them when it invites to
    nothing, else those to another assessment."""
    kept = decision.assessment_id if isinstance(decision, Invite) else None
    return [
        invitation
        for invitation in inbound.live_invitations(integration, invitation_refs(change))
        if invitation.assessment_id != kept
    ]


def _withdraw(integration: Integration, change: StageChange, left: list[AtsInvitation]) -> str:
    """Void the invitations the application left, once Harvest confirms it; says what it did
    ("" when it voided none)."""
    where = _whereabouts(integration, change)
    if not where.inactive and not where.in_stage:
        return ""  # moved again since: the web hook of that move decides
    withdrawn = [invitation for invitation in left if inbound.withdraw(invitation)]
    if not withdrawn:
        return ""
    names = ", ".join(f'"{row.candidate_assessment.assessment.name}"' for row in withdrawn)
    why = where.inactive or f'The application moved to "{change.stage_name}"'
    return f"Withdrew the invitation to {names}: {why}."


def _ignored(decision: Ignore) -> EventOutcome:
    return EventOutcome(State.ATTENTION if decision.for_admin else State.IGNORED, decision.reason)


def record_delivery(
    integration: Integration, webhook: Webhook, *, event_id: str, body: bytes
) -> Recorded:
    """Store a signed delivery: settled at once when that needs no question to Greenhouse."""
    action = webhook.action if isinstance(webhook, OtherAction | Unreadable) else STAGE_CHANGE
    settled = _settled_on_arrival(integration, webhook)
    if settled is None:
        return inbound_events.record(
            integration, event_id=event_id, action=action, body=_text(body)
        )
    return inbound_events.record(
        integration,
        event_id=event_id,
        action=action,
        body=_text(body),
        state=settled.state,
        outcome=settled.message,
        details=settled.details,
    )


def process(event: InboundEvent) -> EventOutcome:
    """The worker's part of a stage change: decide again, check Harvest, invite once."""
    integration = event.integration
    try:
        webhook = parse_webhook(event.body.encode())
    except ValueError as error:
        return EventOutcome(State.FAILED, f"The stored body cannot be read: {error}")
    settled = _settled_on_arrival(integration, webhook)
    if settled is not None:
        return settled
    if not isinstance(webhook, StageChange):
        return EventOutcome(State.IGNORED, "Not a stage change.")
    decision = decide(webhook, mappings(integration), job_codes(integration))
    left = _left_behind(integration, webhook, decision)
    withdrawn = _withdraw(integration, webhook, left) if left else ""
    if isinstance(decision, Ignore):
        if withdrawn:
            return EventOutcome(State.DONE, withdrawn)
        return _ignored(decision)
    assessment = inbound.offered_assessment(integration, str(decision.assessment_id))
    if assessment is None:
        return EventOutcome(
            State.ATTENTION, "The assessment mapped to this stage is no longer offered."
        )
    moved = _moved_on(integration, webhook)
    if moved:
        return EventOutcome(State.IGNORED, moved)
    return _invite(integration, webhook, decision, assessment)


@dataclass(frozen=True)
class Whereabouts:
    """Where Harvest says the application is now: why it is not active ("" when it is), and
    whether it still sits in the stage the web hook names."""

    inactive: str
    in_stage: bool


def _whereabouts(integration: Integration, change: StageChange) -> Whereabouts:
    found = connection.credentials(integration)
    application_id = str(change.application_id)
    with connection.open_client(found, interactive=True) as client:
        application = client.application(application_id)
        if application is None:
            return Whereabouts(f"Greenhouse no longer shows application {application_id}", False)
        status = str(application.get("status") or "").strip().lower()
        if status not in ACTIVE_APPLICATION_STATUSES:
            return Whereabouts(f"The application is {status or 'without a status'} now", False)
        current = client.current_stage(application_id)
    stage_id = current.get("job_interview_stage_id") if current else None
    in_stage = trigger_stage_matches(
        change.stage_id, stage_id if isinstance(stage_id, int) else None
    )
    return Whereabouts("", in_stage)


def _moved_on(integration: Integration, change: StageChange) -> str:
    """Why the application is no longer where the web hook said ("" when it still is)."""
    where = _whereabouts(integration, change)
    if where.inactive:
        return f"{where.inactive}; nothing was sent."
    if not where.in_stage:
        return (
            f'The application moved on from "{change.stage_name}" before the invitation; '
            "nothing was sent."
        )
    return ""


def _invite(
    integration: Integration, change: StageChange, decision: Invite, assessment: Assessment
) -> EventOutcome:
    outcome = inbound.invite(
        integration,
        inbound.InvitationRequest(
            assessment=assessment,
            email=decision.email,
            refs=invitation_refs(change),
            first_name=decision.first_name,
            last_name=decision.last_name,
            phone=decision.phone,
        ),
    )
    details = {"application_id": change.application_id, "candidate_id": change.candidate_id}
    if outcome.created:
        return EventOutcome(
            State.DONE,
            f'Invited to "{assessment.name}"; the email is on its way.',
            candidate_assessment=outcome.candidate_assessment,
            details=details,
        )
    return EventOutcome(
        State.DONE,
        f'Application {change.application_id} already has a live invitation to "'
        f'{assessment.name}"; nothing more was sent.',
        candidate_assessment=outcome.candidate_assessment,
        details=details,
    )
