"""The integrations side of the status seam: hand each candidate status change to its ATS provider.

Registered once, in `IntegrationsConfig.ready`, with `assessments.lifecycle`.
"""

from assessments.lifecycle import StatusChange
from assessments.models import CandidateAssessment
from integrations.models import AtsInvitation

FINISHED_WITHOUT_RESULT = (CandidateAssessment.Status.EXPIRED, CandidateAssessment.Status.REJECTED)


def on_candidate_status_change(change: StatusChange) -> None:
    invitation = (
        AtsInvitation.objects.select_related("integration")
        .filter(candidate_assessment_id=change.candidate_assessment.pk)
        .first()
    )
    if invitation is None:
        return
    if change.current in FINISHED_WITHOUT_RESULT and invitation.is_live:
        invitation.is_live = False
        invitation.save(update_fields=["is_live", "updated_at"])
    invitation.integration.provider_impl.on_status_change(invitation, change)
