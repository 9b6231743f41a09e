"""Background set-up of a new integration, so the admin watches it progress instead of waiting.

The task takes the integration's id (and the id of the user who asked for it: the one the new
token is shown to), records each step on the row (the setup page polls it),
and is safe to deliver twice: a run claims the integration first, and a second delivery that finds
it claimed or ready does nothing.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from integrations import inbound_events, issue_checks, issue_mail, issues, services, token_reveal
from integrations.models import Integration
from integrations.outbox import requeue

logger = logging.getLogger(__name__)

SetupState = Integration.SetupState


def record_setup_step(integration_id: int, key: str, label: str) -> None:
    """Make the step visible to the setup page at once (autocommit, no surrounding transaction)."""
    Integration.objects.filter(pk=integration_id).update(setup_step=key, updated_at=timezone.now())


def _claim(integration_id: int) -> bool:
    """Take the set-up for this run; a run abandoned by a dead worker may be taken over."""
    now = timezone.now()
    abandoned_before = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimable = Q(setup_state__in=[SetupState.PENDING, SetupState.FAILED]) | Q(
        setup_state=SetupState.RUNNING, updated_at__lt=abandoned_before
    )
    claimed = Integration.objects.filter(claimable, pk=integration_id).update(
        setup_state=SetupState.RUNNING, setup_step="", updated_at=now
    )
    return claimed == 1


@shared_task(ignore_result=True)
def run_integration_setup(integration_id: int, minted_by: int | None = None) -> None:
    if not _claim(integration_id):
        logger.info("Set-up of integration %s is running or done; nothing to do", integration_id)
        return
    integration = Integration.objects.get(pk=integration_id)
    try:
        services.run_setup(
            integration,
            on_step=partial(record_setup_step, integration_id),
            on_token=partial(token_reveal.stash, integration_id, minted_by=minted_by),
        )
    except Exception:
        Integration.objects.filter(pk=integration_id).update(
            setup_state=SetupState.FAILED, updated_at=timezone.now()
        )
        logger.exception("Set-up of integration %s failed", integration_id)
        return
    logger.info("Set-up of integration %s finished", integration_id)


@shared_task(ignore_result=True)
def sweep_deliveries() -> None:
    """The delivery sweeper (beat): re-queue deliveries that are due, lost or stuck."""
    counts = requeue.sweep()
    if counts:
        logger.info("Delivery sweep: %s", counts)


@shared_task(ignore_result=True)
def process_inbound_event(event_id: int) -> None:
    """Handle one stored call of an ATS (safe to run twice: the event is claimed first)."""
    inbound_events.process(event_id)


@shared_task(ignore_result=True)
def sweep_inbound_events() -> None:
    """The inbound sweeper (beat): publish events whose task was lost or whose worker died."""
    published = inbound_events.sweep()
    if published:
        logger.info("Inbound event sweep: %d published", published)


def _run_alone(name: str, seconds: float) -> bool:
    """Take the cluster-wide turn for a periodic job; False while another scheduler's run holds
    it (two schedulers stay safe without it: this only saves the double work)."""
    return bool(cache.add(f"periodic-run:{name}", "1", timeout=max(int(seconds), 1)))


@shared_task(ignore_result=True)
def scan_issues() -> None:
    """The issue scan (beat, every ISSUE_SCAN_SECONDS): open, update and resolve issues, mail
    new ones once, send due digests, forget old inbound counts."""
    if not _run_alone("scan-issues", settings.ISSUE_SCAN_SECONDS * 0.9):
        return
    now = timezone.now()
    counts = issues.scan(issue_checks.FREQUENT_CHECKS, now=now)
    mailed = issue_mail.notify_new(now)
    digests = issue_mail.send_digests(now)
    issues.prune_inbound_counts(now)
    if counts.opened or counts.resolved or counts.reopened or mailed or digests:
        logger.info("Issue scan: %s; %d mailed, %d digest(s)", counts, mailed, digests)


@shared_task(ignore_result=True)
def check_ats_drift() -> None:
    """The nightly drift check (beat): mapped fields and note authors the ATS no longer has."""
    if not _run_alone("check-ats-drift", 3600):
        return
    now = timezone.now()
    counts = issues.scan([issue_checks.ats_drift], now=now)
    mailed = issue_mail.notify_new(now)
    logger.info("ATS drift check: %s; %d mailed", counts, mailed)
