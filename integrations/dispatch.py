"""The integrations side of the status seam: hand each candidate status change to its ATS provider.

Registered once, in `IntegrationsConfig.ready`, with `assessments.lifecycle`: one change at a
time (`on_candidate_status_change`), and many at once (`BATCH`), which does the same to each in
a number of queries that does not grow with them.
"""

from collections.abc import Sequence

from django.db.models import Exists, OuterRef
from django.utils import timezone

from assessments.lifecycle import BatchStatusListener, StatusChange, StatusTransitionError
from assessments.models import CandidateAssessment
from integrations.models import AtsInvitation
from integrations.providers import get_provider

FINISHED_WITHOUT_RESULT = (CandidateAssessment.Status.EXPIRED, CandidateAssessment.Status.REJECTED)


def _invitation(candidate_assessment: CandidateAssessment) -> AtsInvitation | None:
    # An invitation created by an ATS call is already attached (with its integration) to the
    # candidate assessment it creates: no need to read it back.
    if CandidateAssessment.ats_invitation.is_cached(candidate_assessment):
        cached: AtsInvitation | None = getattr(candidate_assessment, "ats_invitation", None)
        return cached
    return (
        AtsInvitation.objects.select_related("integration")
        .filter(candidate_assessment_id=candidate_assessment.pk)
        .first()
    )


NEWER_INVITATION = (
    "The ATS has invited this candidate to this assessment again since: re-invite or extend "
    "that newer invitation instead."
)


def _make_live_again(invitation: AtsInvitation) -> None:
    """A reopened invitation is the live one of its identity again, unless a newer one is."""
    newer = AtsInvitation.objects.filter(
        integration_id=invitation.integration_id,
        assessment_id=invitation.assessment_id,
        identity_key=invitation.identity_key,
        is_live=True,
    ).exclude(pk=invitation.pk)
    if newer.exists():
        raise StatusTransitionError(NEWER_INVITATION)
    invitation.is_live = True
    invitation.save(update_fields=["is_live", "updated_at"])


def on_candidate_status_change(change: StatusChange) -> None:
    invitation = _invitation(change.candidate_assessment)
    if invitation is None:
        return
    if change.current in FINISHED_WITHOUT_RESULT and invitation.is_live:
        invitation.is_live = False
        invitation.save(update_fields=["is_live", "updated_at"])
    if change.context.get("reopened") and not invitation.is_live:
        _make_live_again(invitation)
    invitation.integration.provider_impl.on_status_change(invitation, change)


def _invitations_of(changes: Sequence[StatusChange]) -> dict[int, AtsInvitation]:
    """{candidate assessment id: its ATS invitation} for the changes that have one."""
    return {
        invitation.candidate_assessment_id: invitation
        for invitation in AtsInvitation.objects.select_related("integration").filter(
            candidate_assessment_id__in=[change.candidate_assessment.pk for change in changes]
        )
    }


def _refusals(changes: Sequence[StatusChange]) -> dict[int, str]:
    """A reopened invitation cannot be live again where a newer one of its identity is, nor
    where an earlier one of the same batch just became it (as one by one, in the batch's order).
    """
    reopened = [
        change.candidate_assessment.pk for change in changes if change.context.get("reopened")
    ]
    if not reopened:
        return {}
    live_elsewhere = AtsInvitation.objects.filter(
        integration_id=OuterRef("integration_id"),
        assessment_id=OuterRef("assessment_id"),
        identity_key=OuterRef("identity_key"),
        is_live=True,
    ).exclude(pk=OuterRef("pk"))
    dead = AtsInvitation.objects.filter(
        candidate_assessment_id__in=reopened, is_live=False
    ).annotate(has_newer=Exists(live_elsewhere))
    order = {pk: index for index, pk in enumerate(reopened)}
    refused: dict[int, str] = {}
    taken: set[tuple[int, int, str]] = set()
    for invitation in sorted(dead, key=lambda row: order[row.candidate_assessment_id]):
        identity = (invitation.integration_id, invitation.assessment_id, invitation.identity_key)
        if invitation.has_newer or identity in taken:
            refused[invitation.candidate_assessment_id] = NEWER_INVITATION
        taken.add(identity)
    return refused


def _record(changes: Sequence[StatusChange]) -> None:
    """What `on_candidate_status_change` does to each change: one update per liveness flip, and
    each provider's deliveries for all of its changes at once."""
    invitations = _invitations_of(changes)
    ended: list[int] = []
    live_again: list[int] = []
    by_provider: dict[str, list[tuple[AtsInvitation, StatusChange]]] = {}
    for change in changes:
        invitation = invitations.get(change.candidate_assessment.pk)
        if invitation is None:
            continue
        if change.current in FINISHED_WITHOUT_RESULT and invitation.is_live:
            invitation.is_live = False
            ended.append(invitation.pk)
        if change.context.get("reopened") and not invitation.is_live:
            invitation.is_live = True
            live_again.append(invitation.pk)
        by_provider.setdefault(invitation.integration.provider, []).append((invitation, change))
    now = timezone.now()
    AtsInvitation.objects.filter(pk__in=ended).update(is_live=False, updated_at=now)
    AtsInvitation.objects.filter(pk__in=live_again).update(is_live=True, updated_at=now)
    for provider, owed in by_provider.items():
        get_provider(provider).on_status_changes(owed)


BATCH = BatchStatusListener(refusals=_refusals, record=_record)
