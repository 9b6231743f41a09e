"""Calls from an ATS: whose bearer token it is, the invitations it creates, and those it voids."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments import lifecycle
from assessments.models import Assessment, CandidateAssessment
from assessments.tasks import send_invitation_email
from harver_integration.ids import parse_id
from harver_integration.queueing import publish_after_commit
from harver_integration.tokens import ATS_TOKEN, hash_token, hashes_match
from integrations import inbound_counts
from integrations.models import AtsInvitation, InboundToken, Integration
from integrations.provider_types import Pattern

# Recording every use would add a write to every call; once a minute is enough to show activity.
LAST_USED_RESOLUTION = datetime.timedelta(seconds=60)


def integration_for_token(token: str) -> Integration | None:
    """The integration whose active "ATS to Harver" token this is, or None.

    A token of the wrong shape is refused before any query; the lookup is by SHA-256, so no
    comparison of secrets happens in Python except the constant-time check of the hash.
    """
    if not ATS_TOKEN.is_well_formed(token):
        return None
    inbound_token = (
        InboundToken.objects.active()
        .select_related("integration__account")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if inbound_token is None or not hashes_match(token, inbound_token.token_hash):
        return None
    inbound_counts.note_caller(inbound_token.integration_id)
    now = timezone.now()
    if (
        inbound_token.last_used_at is None
        or now - inbound_token.last_used_at > LAST_USED_RESOLUTION
    ):
        InboundToken.objects.filter(pk=inbound_token.pk).update(last_used_at=now)
    return inbound_token.integration


def offered_assessments(integration: Integration) -> list[Assessment]:
    return list(
        Assessment.objects.filter(account_id=integration.account_id)
        .offered()
        .order_by("name", "pk")
    )


def offered_assessment(integration: Integration, test_id: str) -> Assessment | None:
    assessment_id = parse_id(test_id)
    if assessment_id is None:
        return None
    # One row by primary key: no ordering (the model's default order joins the account table).
    return (
        Assessment.objects.filter(account_id=integration.account_id, pk=assessment_id)
        .offered()
        .order_by()
        .first()
    )


@dataclass(frozen=True)
class InvitationRequest:
    """An ATS's request to invite a candidate.

    `refs` are the ATS's own references, stored with the invitation for its provider to read
    (where results go, which job or application); the provider says which of them, with the
    email, make the invitation unique (`Provider.invitation_identity`).
    """

    assessment: Assessment
    email: str
    refs: Mapping[str, str] = field(default_factory=dict)
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    resume_url: str = ""


@dataclass(frozen=True)
class InvitationOutcome:
    candidate_assessment: CandidateAssessment
    created: bool


def identity_key(integration: Integration, request: InvitationRequest) -> str:
    """The stored identity of the invitation `request` asks for, as its provider defines it."""
    identity = integration.provider_impl.invitation_identity(request.refs, request.email)
    return AtsInvitation.identity_key_of(identity)


def _live_invitation(
    integration: Integration, request: InvitationRequest, key: str
) -> AtsInvitation | None:
    return (
        AtsInvitation.objects.select_related("candidate_assessment")
        .filter(
            integration=integration,
            assessment=request.assessment,
            identity_key=key,
            is_live=True,
        )
        .first()
    )


def _repeat(
    integration: Integration, invitation: AtsInvitation, refs: Mapping[str, str]
) -> InvitationOutcome:
    """Answer a repeat with the live invitation; the ATS's newest references win."""
    with transaction.atomic():
        merged = {**invitation.refs, **refs}
        if merged != invitation.refs:
            invitation.refs = merged
            invitation.save(update_fields=["refs", "updated_at"])
        integration.provider_impl.on_repeated_invitation(invitation)
    return InvitationOutcome(invitation.candidate_assessment, created=False)


def invite(integration: Integration, request: InvitationRequest) -> InvitationOutcome:
    """Create the invitation, or return the live one the ATS asked for before.

    The candidate assessment, its ATS side and everything they cause (the invitation email, the
    statuses owed to the ATS) are written in one transaction; the email task is published only
    after it commits. A repeat is found by the unique constraint on live invitations, not by a
    query first: new invitations are the common case, and the constraint decides under
    concurrency anyway.
    """
    key = identity_key(integration, request)

    def attach(candidate_assessment: CandidateAssessment) -> None:
        AtsInvitation.objects.create(
            integration=integration,
            candidate_assessment=candidate_assessment,
            assessment=request.assessment,
            email_key=request.email.lower(),
            identity_key=key,
            refs=dict(request.refs),
        )

    try:
        with transaction.atomic():
            candidate_assessment = lifecycle.create_candidate_assessment(
                assessment=request.assessment,
                email=request.email,
                first_name=request.first_name,
                last_name=request.last_name,
                phone=request.phone,
                resume_url=request.resume_url,
                source=integration.provider,
                attach=attach,
            )
            if integration.pattern == Pattern.ATS_FIRST_AD_HOC:
                publish_after_commit(send_invitation_email, candidate_assessment.pk)
    except IntegrityError:
        # The ATS asked for this invitation before (perhaps at the same moment): answer with it.
        existing = _live_invitation(integration, request, key)
        if existing is None:
            raise
        return _repeat(integration, existing, request.refs)
    return InvitationOutcome(candidate_assessment, created=True)


def live_invitations(integration: Integration, refs: Mapping[str, str]) -> list[AtsInvitation]:
    """The integration's live invitations with the identity these references make, one per
    assessment at most (the identity is the provider's, e.g. an application)."""
    identity = integration.provider_impl.invitation_identity(refs, "")
    return list(
        AtsInvitation.objects.select_related("candidate_assessment__assessment").filter(
            integration=integration,
            identity_key=AtsInvitation.identity_key_of(identity),
            is_live=True,
        )
    )


def withdraw(invitation: AtsInvitation) -> bool:
    """The ATS voided this invitation: it becomes `rejected` (its links stop working, no
    reminder goes, and the provider is owed what any status change owes it). False when it had
    closed already."""
    try:
        change = lifecycle.record_status(
            invitation.candidate_assessment_id,
            CandidateAssessment.Status.REJECTED,
            source=invitation.integration.provider,
        )
    except lifecycle.StatusTransitionError:
        return False
    return change is not None
