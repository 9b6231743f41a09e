"""Telling people about issues: each new issue mailed once, repeats in a digest.

Recipients are the account's contacts and HARVER_SUPPORT_EMAIL. A mail is claimed before it is
sent (a conditional update of `notified_at`, or of `mailed_at` for a digest), so two schedulers
never send the same one; a mail that cannot be sent gives its claim back and goes with the next
scan. Nothing is ever sent per failed delivery: only per new issue, and per digest.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import AccountContact
from integrations.models import Issue, IssueEvent

logger = logging.getLogger(__name__)

State = Issue.State


def recipients(account_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each account's contacts, then Harver support."""
    found: dict[int, list[str]] = defaultdict(list)
    for account_id, email in AccountContact.objects.filter(account_id__in=account_ids).values_list(
        "account_id", "email"
    ):
        found[account_id].append(email)
    support = [settings.HARVER_SUPPORT_EMAIL] if settings.HARVER_SUPPORT_EMAIL else []
    return {account_id: [*found.get(account_id, []), *support] for account_id in account_ids}


def _send(subject: str, template: str, context: dict[str, object], to: list[str]) -> None:
    body = render_to_string(template, {**context, "base_url": settings.PUBLIC_BASE_URL})
    EmailMessage(subject=subject, body=body, to=to).send()


def notify_new(now: datetime.datetime | None = None) -> int:
    """Mail every open issue not mailed yet, once each; the number sent."""
    now = now or timezone.now()
    issues = list(
        Issue.objects.filter(state=State.OPEN, notified_at__isnull=True).select_related(
            "integration__account"
        )
    )
    addresses = recipients({issue.integration.account_id for issue in issues})
    sent = 0
    for issue in issues:
        claimed = Issue.objects.filter(pk=issue.pk, notified_at__isnull=True).update(
            notified_at=now, mailed_at=now
        )
        if not claimed:
            continue
        to = addresses[issue.integration.account_id]
        try:
            if to:
                _send(
                    f"[Harver] {issue.get_type_display()}: {issue.integration}",
                    "integrations/email/issue.txt",
                    {"issue": issue},
                    to,
                )
        except Exception:
            logger.exception("Issue %s: the mail could not be sent; retried next scan", issue.pk)
            Issue.objects.filter(pk=issue.pk, notified_at=now).update(
                notified_at=None, mailed_at=None
            )
            continue
        IssueEvent.objects.create(
            issue=issue, action=IssueEvent.Action.MAILED, at=now, note=", ".join(to)
        )
        sent += 1
    return sent


def send_digests(now: datetime.datetime | None = None) -> int:
    """One mail per account listing its open issues seen again since they were last mailed,
    at most every ISSUE_DIGEST_HOURS; the number of digests sent."""
    now = now or timezone.now()
    due_before = now - datetime.timedelta(hours=settings.ISSUE_DIGEST_HOURS)
    issues = list(
        Issue.objects.filter(
            Q(state=State.OPEN),
            notified_at__isnull=False,
            mailed_at__lte=due_before,
            last_seen_at__gt=F("mailed_at"),
        )
        .select_related("integration__account")
        .order_by("integration__account_id", "integration_id", "type")
    )
    by_account: dict[int, list[Issue]] = defaultdict(list)
    for issue in issues:
        by_account[issue.integration.account_id].append(issue)
    addresses = recipients(by_account)
    sent = 0
    for account_id, account_issues in by_account.items():
        claimed = [
            issue
            for issue in account_issues
            if Issue.objects.filter(pk=issue.pk, mailed_at=issue.mailed_at).update(mailed_at=now)
        ]
        if not claimed:
            continue
        to = addresses[account_id]
        try:
            if to:
                _send(
                    f"[Harver] {len(claimed)} open integration issue(s) for "
                    f"{claimed[0].integration.account}",
                    "integrations/email/digest.txt",
                    {"issues": claimed, "account": claimed[0].integration.account},
                    to,
                )
        except Exception:
            logger.exception("Account %s: the issue digest could not be sent", account_id)
            for issue in claimed:
                Issue.objects.filter(pk=issue.pk, mailed_at=now).update(mailed_at=issue.mailed_at)
            continue
        IssueEvent.objects.bulk_create(
            IssueEvent(issue=issue, action=IssueEvent.Action.DIGESTED, at=now, note=", ".join(to))
            for issue in claimed
        )
        sent += 1
    return sent
