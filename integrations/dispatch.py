"""The integrations side of the status seam: hand each candidate status change to its ATS provider.

Registered once, in `IntegrationsConfig.ready`, with `assessments.lifecycle`.
"""

from assessments.lifecycle import StatusChange, StatusTransitionError
from assessments.models import CandidateAssessment
from integrations.models import AtsInvitation

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


def _make_live_again(invitation: AtsInvitation) -> None:
    """A reopened invitation is the live one of its identity again, unless a newer one is."""
    newer = AtsInvitation.objects.filter(
        integration_id=invitation.integration_id,
        assessment_id=invitation.assessment_id,
        identity_key=invitation.identity_key,
        is_live=True,
    ).exclude(pk=invitation.pk)
    if newer.exists():
        raise StatusTransitionError(
            "The ATS has invited this candidate to this assessment again since: re-invite or "
            "extend that newer invitation instead."
        )
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
