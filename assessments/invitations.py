"""The candidate's invitation: their personal link, the email that carries it, and expiry.

A link's token is stored only as its SHA-256, so it is minted when it is handed out: for the
email as the email is sent (in the transaction that records the sending), for the ATS each time
it asks for the candidate's link. Every link minted keeps working until the assessment closes.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from assessments import languages
from assessments.lifecycle import StatusTransitionError, record_status
from assessments.models import CandidateAssessment, CandidateLink, new_candidate_token
from harver_integration.tokens import hash_token

logger = logging.getLogger(__name__)

LIVE_STATUSES = (CandidateAssessment.Status.PENDING, CandidateAssessment.Status.STARTED)


def issue_link(candidate_assessment: CandidateAssessment, issued_to: CandidateLink.IssuedTo) -> str:
    """A new personal link to the candidate's assessment; the URL is never stored."""
    token = new_candidate_token()
    CandidateLink.objects.create(
        candidate_assessment=candidate_assessment,
        token_hash=hash_token(token),
        issued_to=issued_to,
    )
    path = reverse("candidate:start", args=[token])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def send_invitations(candidate_assessment_ids: Sequence[int]) -> int:
    """`send_invitation` for each, through one mail connection (a bulk re-invitation's hundreds
    of emails share one SMTP session); returns how many went out now."""
    with get_connection() as connection:
        return sum(send_invitation(pk, connection=connection) for pk in candidate_assessment_ids)


def send_invitation(
    candidate_assessment_id: int, *, connection: BaseEmailBackend | None = None
) -> bool:
    """Email the candidate their link once; returns whether an email went out now.

    The row lock makes two workers handling the same invitation send one email, not two.
    """
    with transaction.atomic():
        candidate_assessment = (
            CandidateAssessment.objects.select_for_update()
            .select_related("assessment", "account")
            .filter(pk=candidate_assessment_id)
            .first()
        )
        if candidate_assessment is None:
            logger.warning("Invitation %s no longer exists; nothing sent.", candidate_assessment_id)
            return False
        if (
            candidate_assessment.invitation_sent_at
            or candidate_assessment.status not in LIVE_STATUSES
        ):
            return False
        context = {
            "candidate_assessment": candidate_assessment,
            "link": issue_link(candidate_assessment, CandidateLink.IssuedTo.EMAIL),
            "company": candidate_assessment.account.name,
            "assessment": candidate_assessment.assessment,
        }
        with languages.speaking(languages.of_assessment(candidate_assessment.assessment)):
            subject = gettext("%(company)s: your %(assessment)s") % {
                "company": context["company"],
                "assessment": candidate_assessment.assessment.name,
            }
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("assessments/email/invitation.txt", context),
                to=[candidate_assessment.email],
                connection=connection,
            )
            message.attach_alternative(
                render_to_string("assessments/email/invitation.html", context), "text/html"
            )
        message.send()
        candidate_assessment.invitation_sent_at = timezone.now()
        candidate_assessment.save(update_fields=["invitation_sent_at", "updated_at"])
    logger.info("Invitation %s emailed.", candidate_assessment_id)
    return True


def unsent_invitation_ids(older_than_seconds: int) -> list[int]:
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    return list(
        CandidateAssessment.objects.filter(
            invitation_sent_at__isnull=True, status__in=LIVE_STATUSES, created_at__lte=cutoff
        ).values_list("pk", flat=True)[:500]
    )


def expire_due_invitations() -> int:
    """Mark every live invitation past its expiry `expired`; returns how many."""
    due = CandidateAssessment.objects.filter(
        status__in=LIVE_STATUSES, expires_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    expired = 0
    for candidate_assessment_id in list(due[:1000]):
        try:
            if record_status(candidate_assessment_id, "expired", source="expiry"):
                expired += 1
        except StatusTransitionError:
            continue
    return expired
