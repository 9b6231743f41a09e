"""Opening, updating and resolving issues from what the checks find, and the admin's snooze and
resolve.

Safe when two schedulers run the scan at once: the partial unique constraint allows one
unresolved issue per integration, type and subject, so the slower scan's insert fails and it
updates the issue the other one opened; every state change is a conditional update.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from integrations.issue_checks import CheckResult, Finding
from integrations.models import InboundRequestCount, Issue, IssueEvent

logger = logging.getLogger(__name__)

State = Issue.State
Action = IssueEvent.Action
UNRESOLVED = (State.OPEN, State.SNOOZED)


@dataclass(frozen=True)
class ScanCounts:
    opened: int = 0
    reopened: int = 0
    resolved: int = 0
    seen: int = 0


def _event(issue: Issue, action: str, at: datetime.datetime, actor: User | None = None) -> None:
    IssueEvent.objects.create(issue=issue, action=action, actor=actor, at=at)


def scan(
    checks: Iterable[Callable[[datetime.datetime], CheckResult]],
    *,
    now: datetime.datetime | None = None,
) -> ScanCounts:
    """Run the checks; open what they find, update what is still found, resolve what is gone."""
    now = now or timezone.now()
    results = [check(now) for check in checks]
    types = {issue_type for result in results for issue_type in result.types}
    unresolved = {
        (issue.integration_id, issue.type, issue.subject): issue
        for issue in Issue.objects.filter(state__in=UNRESOLVED, type__in=types)
    }
    findings = {
        (finding.integration_id, finding.type, finding.subject): finding
        for result in results
        for finding in result.findings
    }
    opened = reopened = seen = resolved = 0
    still_found = []
    for key, finding in findings.items():
        issue = unresolved.get(key)
        if issue is not None:
            if not _wakes(issue, finding, now):
                still_found.append((issue, finding))
            seen += 1
        elif _reopen(finding, now):
            reopened += 1
        elif _open(finding, now):
            opened += 1
        else:
            seen += 1
    _record_sightings(still_found, now)
    for key, issue in unresolved.items():
        if key not in findings and any(result.decides(issue) for result in results):
            resolved += resolve(issue, now=now)
    return ScanCounts(opened=opened, reopened=reopened, resolved=resolved, seen=seen)


# Every issue found again, in one statement. The state is not written: an issue resolved by
# hand meanwhile stays resolved.
RECORD_SIGHTINGS_SQL = """
UPDATE {table} AS issue
   SET last_seen_at = %(now)s, count = issue.count + 1,
       message = found.message, evidence_url = found.evidence_url
  FROM unnest(%(ids)s::bigint[], %(messages)s::text[], %(urls)s::varchar[])
       AS found(id, message, evidence_url)
 WHERE issue.id = found.id
"""


def _record_sightings(sightings: list[tuple[Issue, Finding]], now: datetime.datetime) -> None:
    if not sightings:
        return
    if connection.vendor != "postgresql":
        # The embedded SQLite database: few issues, one statement each.
        for issue, finding in sightings:
            Issue.objects.filter(pk=issue.pk).update(
                last_seen_at=now,
                count=F("count") + 1,
                message=finding.message,
                evidence_url=finding.evidence_url,
            )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            RECORD_SIGHTINGS_SQL.format(table=Issue._meta.db_table),
            {
                "now": now,
                "ids": [issue.pk for issue, _ in sightings],
                "messages": [finding.message for _, finding in sightings],
                "urls": [finding.evidence_url for _, finding in sightings],
            },
        )


def _wakes(issue: Issue, finding: Finding, now: datetime.datetime) -> bool:
    """A snoozed issue whose snooze ended and that is still found is open again."""
    if issue.state != State.SNOOZED or not issue.snoozed_until or issue.snoozed_until > now:
        return False
    woke = Issue.objects.filter(pk=issue.pk, state=State.SNOOZED).update(
        state=State.OPEN,
        snoozed_until=None,
        last_seen_at=now,
        count=F("count") + 1,
        message=finding.message,
        evidence_url=finding.evidence_url,
    )
    if woke:
        _event(issue, Action.WOKE, now)
    return True


def _reopen(finding: Finding, now: datetime.datetime) -> bool:
    """A problem back soon after its issue was resolved reopens that issue: no second mail."""
    quiet_since = now - datetime.timedelta(hours=settings.ISSUE_REOPEN_QUIET_HOURS)
    recent = (
        Issue.objects.filter(
            integration_id=finding.integration_id,
            type=finding.type,
            subject=finding.subject,
            state=State.RESOLVED,
            resolved_at__gte=quiet_since,
        )
        .order_by("-resolved_at")
        .first()
    )
    if recent is None:
        return False
    try:
        with transaction.atomic():
            reopened = Issue.objects.filter(pk=recent.pk, state=State.RESOLVED).update(
                state=State.OPEN,
                resolved_at=None,
                resolved_by=None,
                last_seen_at=now,
                count=F("count") + 1,
                message=finding.message,
                evidence_url=finding.evidence_url,
            )
            if reopened:
                _event(recent, Action.REOPENED, now)
    except IntegrityError:
        return False  # another scan opened it meanwhile
    return bool(reopened)


def _open(finding: Finding, now: datetime.datetime) -> bool:
    try:
        with transaction.atomic():
            issue = Issue.objects.create(
                integration_id=finding.integration_id,
                type=finding.type,
                subject=finding.subject,
                message=finding.message,
                evidence_url=finding.evidence_url,
                first_seen_at=now,
                last_seen_at=now,
            )
            _event(issue, Action.OPENED, now)
    except IntegrityError:
        # Another scan opened it first: count this sighting on that one.
        Issue.objects.filter(
            integration_id=finding.integration_id,
            type=finding.type,
            subject=finding.subject,
            state__in=UNRESOLVED,
        ).update(last_seen_at=now, count=F("count") + 1)
        return False
    logger.warning(
        "Issue %s opened for integration %s: %s", issue.pk, issue.integration_id, issue.message
    )
    return True


def resolve(
    issue: Issue, *, now: datetime.datetime | None = None, actor: User | None = None
) -> int:
    """Resolve an unresolved issue (by `actor`, or by the scan when None); 1 if it was."""
    now = now or timezone.now()
    with transaction.atomic():
        done = Issue.objects.filter(pk=issue.pk, state__in=UNRESOLVED).update(
            state=State.RESOLVED, resolved_at=now, resolved_by=actor, snoozed_until=None
        )
        if done:
            _event(issue, Action.RESOLVED, now, actor)
    return done


def snooze(
    issue: Issue, until: datetime.datetime, *, actor: User | None, now: datetime.datetime | None
) -> int:
    """Snooze an unresolved issue until `until`: no digest lists it meanwhile; 1 if it was."""
    now = now or timezone.now()
    with transaction.atomic():
        done = Issue.objects.filter(pk=issue.pk, state__in=UNRESOLVED).update(
            state=State.SNOOZED, snoozed_until=until
        )
        if done:
            IssueEvent.objects.create(
                issue=issue,
                action=Action.SNOOZED,
                actor=actor,
                at=now,
                note=f"until {until:%Y-%m-%d %H:%M} UTC",
            )
    return done


def prune_inbound_counts(now: datetime.datetime) -> int:
    """Delete inbound call counts older than INBOUND_COUNT_RETENTION_DAYS."""
    before = now - datetime.timedelta(days=settings.INBOUND_COUNT_RETENTION_DAYS)
    deleted, _ = InboundRequestCount.objects.filter(hour__lt=before).delete()
    return deleted
