"""Reminder emails: the scheduler finds the reminders that came due and sends each one once.

Which reminders are due is `deadlines.due_reminders`. Sending one happens under the candidate
assessment's row lock, after re-checking it is still due (not completed, expired, withdrawn or
erased meanwhile, deadline unchanged), and the `Reminder` row inserted in the same transaction
is the claim: its unique constraint lets one scheduler send it even when two run by mistake.
The email is sent inside that transaction, as the invitation is, so a failed send leaves no claim
and the next run tries again.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from assessments.deadlines import DueReminder, due_reminders
from assessments.invitations import LIVE_STATUSES, issue_link
from assessments.models import CandidateAssessment, CandidateLink, Reminder

logger = logging.getLogger(__name__)


def _due_for(
    candidate_assessment: CandidateAssessment, now: datetime.datetime
) -> list[DueReminder]:
    if (
        candidate_assessment.status not in LIVE_STATUSES
        or candidate_assessment.erased_at is not None
        or candidate_assessment.anonymised_at is not None
    ):
        return []
    assessment = candidate_assessment.assessment
    return due_reminders(
        hours_before=assessment.reminder_hours_before,
        days_after=assessment.reminder_days_after,
        invitation_sent_at=candidate_assessment.invitation_sent_at,
        deadline=candidate_assessment.expires_at,
        now=now,
    )


def _reminded(now: datetime.datetime) -> Iterator[tuple[int, DueReminder]]:
    """Every (candidate assessment id, reminder) due by `now` and not yet claimed."""
    live = (
        CandidateAssessment.objects.filter(
            status__in=LIVE_STATUSES,
            invitation_sent_at__isnull=False,
            expires_at__gt=now,
            erased_at__isnull=True,
            anonymised_at__isnull=True,
        )
        .filter(
            Q(assessment__reminder_days_after__isnull=False)
            | ~Q(assessment__reminder_hours_before=[])
        )
        .select_related("assessment")
        .prefetch_related("reminders")
        .order_by("pk")
    )
    for candidate_assessment in live.iterator(chunk_size=500):
        claimed = {(row.rule, row.due_at) for row in candidate_assessment.reminders.all()}
        for reminder in _due_for(candidate_assessment, now):
            if (reminder.rule, reminder.due_at) not in claimed:
                yield candidate_assessment.pk, reminder


def send_reminder(candidate_assessment_id: int, reminder: DueReminder) -> bool:
    """Send one reminder if it is still due and nobody claimed it; returns whether it went."""
    now = timezone.now()
    with transaction.atomic():
        candidate_assessment = (
            CandidateAssessment.objects.select_for_update()
            .select_related("assessment", "account")
            .filter(pk=candidate_assessment_id)
            .first()
        )
        if candidate_assessment is None or reminder not in _due_for(candidate_assessment, now):
            return False
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    candidate_assessment=candidate_assessment,
                    rule=reminder.rule,
                    due_at=reminder.due_at,
                    sent_at=now,
                )
        except IntegrityError:
            return False  # another scheduler claimed it first
        _email(candidate_assessment)
    logger.info("Reminder %s of invitation %s emailed.", reminder.rule, candidate_assessment_id)
    return True


def _email(candidate_assessment: CandidateAssessment) -> None:
    assessment = candidate_assessment.assessment
    context = {
        "candidate_assessment": candidate_assessment,
        "link": issue_link(candidate_assessment, CandidateLink.IssuedTo.EMAIL),
        "company": candidate_assessment.account.name,
        "assessment": assessment,
    }
    with translation.override(assessment.language):
        subject = gettext("%(company)s: a reminder about your %(assessment)s") % {
            "company": context["company"],
            "assessment": assessment.name,
        }
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("assessments/email/reminder.txt", context),
            to=[candidate_assessment.email],
        )
        message.attach_alternative(
            render_to_string("assessments/email/reminder.html", context), "text/html"
        )
    message.send()


def send_due_reminders() -> int:
    """The scheduler's run: send what came due, at most REMINDER_BATCH_SIZE; returns how many."""
    sent = 0
    for candidate_assessment_id, reminder in _reminded(timezone.now()):
        if sent >= settings.REMINDER_BATCH_SIZE:
            break
        if send_reminder(candidate_assessment_id, reminder):
            sent += 1
    return sent
