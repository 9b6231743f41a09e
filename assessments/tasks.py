"""Celery tasks of the Harver side: invitation emails, reminders, expiry and data retention; they
take ids, are idempotent."""

from celery import shared_task
from django.conf import settings

from assessments import invitations, reminders
from assessments.personal_data import retention


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def send_invitation_email(candidate_assessment_id: int) -> bool:
    return invitations.send_invitation(candidate_assessment_id)


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def send_invitation_emails(candidate_assessment_ids: list[int]) -> int:
    """Many invitation emails over one mail connection; a retry sends only those not yet sent."""
    return invitations.send_invitations(candidate_assessment_ids)


@shared_task
def send_unsent_invitations() -> int:
    """The sweeper: emails whose task was lost (broker down, worker killed) are sent from here."""
    ids = invitations.unsent_invitation_ids(
        older_than_seconds=settings.INVITATION_SWEEP_GRACE_SECONDS
    )
    for candidate_assessment_id in ids:
        send_invitation_email.delay(candidate_assessment_id)
    return len(ids)


@shared_task
def send_reminders() -> int:
    return reminders.send_due_reminders()


@shared_task
def expire_invitations() -> int:
    return invitations.expire_due_invitations()


@shared_task
def anonymise_expired_candidate_data() -> int:
    return retention.anonymise_expired_data()
