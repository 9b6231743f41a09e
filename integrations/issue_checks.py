"""What the issue scan looks for: each check finds, for every enabled integration at once, the
problems of its issue types, in a few aggregate queries over indexed ranges.

A check returns its findings and the issues it decides: those of its types (and subject prefix)
for the integrations it covered. The scan (`integrations.issues`) resolves an unresolved issue a
check decides but no longer finds; issues of integrations a check could not look at are left as
they are.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery, Sum
from django.urls import reverse

from integrations import credential_expiry as expiry_countdown
from integrations.models import (
    AssessmentFieldMapping,
    AtsCredential,
    Delivery,
    DeliveryAttempt,
    InboundRequestCount,
    Integration,
    Issue,
    PauseCause,
)
from integrations.transport import DeliveryError

logger = logging.getLogger(__name__)

Type = Issue.Type
REFUSED_STATUSES = (401, 403)
# Deliveries not delivered yet and not held by a disabled integration.
UNDELIVERED_STATES = (Delivery.State.PENDING, Delivery.State.SENDING)
# Attempts that sent something and got an answer (or none): not dropped, not paused.
SENT_OUTCOMES = (DeliveryAttempt.Outcome.SUCCEEDED, *DeliveryAttempt.FAILURES)
DELIVERY_SUBJECT = "delivery:"
DRIFT_SUBJECT = "drift:"


@dataclass(frozen=True)
class Finding:
    integration_id: int
    type: str
    message: str
    evidence_url: str
    subject: str = ""


@dataclass
class CheckResult:
    """Findings, and which unresolved issues this check decides: those of `types` whose subject
    starts with `subject_prefix`, of the integrations in `covered` (None: every integration)."""

    types: tuple[str, ...]
    findings: list[Finding] = field(default_factory=list)
    subject_prefix: str = ""
    covered: set[int] | None = None

    def decides(self, issue: Issue) -> bool:
        return (
            issue.type in self.types
            and issue.subject.startswith(self.subject_prefix)
            and (self.covered is None or issue.integration_id in self.covered)
        )


def overview_path(integration_id: int) -> str:
    return reverse("admin:integrations_integration_overview", args=[integration_id])


def timeline_path(integration_id: int) -> str:
    return f"{reverse('admin:integrations_delivery_timeline')}?integration={integration_id}"


def _enabled() -> dict[int, str]:
    """Enabled integrations: id → the ATS's label."""
    rows = Integration.objects.filter(is_enabled=True).values_list("pk", "provider")
    return {pk: Integration(provider=provider).provider_impl.label for pk, provider in rows}


def credentials_refused(now: datetime.datetime) -> CheckResult:
    """The ATS refused the credentials: the integration's deliveries are paused for it, or it
    answered 401/403 and nothing since shows the credentials work again (no success after it,
    no credential entered after it)."""
    enabled = _enabled()
    since = now - datetime.timedelta(days=settings.ISSUE_CREDENTIALS_LOOKBACK_DAYS)
    refused = dict(
        DeliveryAttempt.objects.filter(
            integration_id__in=enabled, started_at__gte=since, http_status__in=REFUSED_STATUSES
        )
        .order_by()
        .values("integration_id")
        .annotate(last=Max("started_at"))
        .values_list("integration_id", "last")
    )
    newest_success = (
        DeliveryAttempt.objects.filter(
            integration=OuterRef("pk"), outcome=DeliveryAttempt.Outcome.SUCCEEDED
        )
        .order_by("-started_at")
        .values("started_at")[:1]
    )
    # One index lookup per refused integration, not an aggregate over all its successes.
    succeeded = dict(
        Integration.objects.filter(pk__in=refused)
        .order_by()
        .annotate(last=Subquery(newest_success))
        .values_list("pk", "last")
    )
    credential_changed = dict(
        AtsCredential.objects.filter(integration_id__in=refused).values_list(
            "integration_id", "updated_at"
        )
    )
    result = CheckResult(types=(Type.CREDENTIALS_REFUSED,))
    paused = Integration.objects.filter(
        pk__in=enabled, pause_cause=PauseCause.CREDENTIALS_REFUSED
    ).values_list("pk", "paused_reason")
    for integration_id, reason in paused:
        result.findings.append(
            Finding(
                integration_id,
                Type.CREDENTIALS_REFUSED,
                f"{reason or enabled[integration_id] + ' refused the credentials.'} Its deliveries "
                "are paused: enter a working credential on the Harver to ATS tab.",
                timeline_path(integration_id),
            )
        )
    for integration_id, last_refusal in refused.items():
        if integration_id in {finding.integration_id for finding in result.findings}:
            continue
        later = [succeeded.get(integration_id), credential_changed.get(integration_id)]
        if any(moment and moment > last_refusal for moment in later):
            continue
        label = enabled[integration_id]
        result.findings.append(
            Finding(
                integration_id,
                Type.CREDENTIALS_REFUSED,
                f"{label} refused the credentials (HTTP 401/403), last at "
                f"{last_refusal:%Y-%m-%d %H:%M} UTC: enter a working token on the Harver to ATS "
                "tab and verify it.",
                timeline_path(integration_id),
            )
        )
    return result


def credential_expiry(now: datetime.datetime) -> CheckResult:
    """The stored expiry is within a warning step: one issue per step, so each step mails."""
    steps = settings.ISSUE_EXPIRY_WARNING_DAYS
    result = CheckResult(types=(Type.CREDENTIAL_EXPIRING,))
    if not steps:
        return result
    today = now.date()
    credentials = AtsCredential.objects.filter(
        integration__is_enabled=True,
        expires_on__isnull=False,
        expires_on__lte=today + datetime.timedelta(days=steps[0]),
    ).select_related("integration")
    for credential in credentials:
        expiry = expiry_countdown.credential_expiry(
            credential.integration.provider_impl, credential, today=today
        )
        if expiry is None or expiry.expires_on is None or expiry.days_left is None:
            continue  # the expiring secret is not set
        days = expiry.days_left
        step = min(step for step in steps if step >= days) if days > 0 else 0
        result.findings.append(
            Finding(
                credential.integration_id,
                Type.CREDENTIAL_EXPIRING,
                expiry.message,
                overview_path(credential.integration_id),
                subject=f"{expiry.expires_on:%Y-%m-%d}:{step}",
            )
        )
    return result


def credential_unreadable(now: datetime.datetime) -> CheckResult:
    """A stored secret no configured key decrypts (the encryption keys changed without it)."""
    result = CheckResult(types=(Type.CREDENTIAL_UNREADABLE,))
    credentials = AtsCredential.objects.filter(integration__is_enabled=True).select_related(
        "integration"
    )
    for credential in credentials:
        fields = credential.unreadable_fields()
        if fields:
            names = ", ".join(credential_field.label for credential_field in fields)
            result.findings.append(
                Finding(
                    credential.integration_id,
                    Type.CREDENTIAL_UNREADABLE,
                    f"The stored {names} cannot be read with the configured encryption keys: "
                    "enter it again on the Harver to ATS tab.",
                    overview_path(credential.integration_id),
                )
            )
    return result


def deliveries_failing(now: datetime.datetime) -> CheckResult:
    """At least ISSUE_FAILING_RATIO of at least ISSUE_FAILING_MIN_ATTEMPTS attempts failed."""
    since = now - datetime.timedelta(hours=settings.ISSUE_FAILING_WINDOW_HOURS)
    rows = (
        DeliveryAttempt.objects.filter(started_at__gte=since, integration__is_enabled=True)
        .order_by()
        .values("integration_id")
        .annotate(
            total=Count("pk", filter=Q(outcome__in=SENT_OUTCOMES)),
            failed=Count("pk", filter=Q(outcome__in=DeliveryAttempt.FAILURES)),
        )
        .filter(total__gte=settings.ISSUE_FAILING_MIN_ATTEMPTS)
    )
    result = CheckResult(types=(Type.DELIVERIES_FAILING,))
    for row in rows:
        if row["failed"] >= settings.ISSUE_FAILING_RATIO * row["total"]:
            result.findings.append(
                Finding(
                    row["integration_id"],
                    Type.DELIVERIES_FAILING,
                    f"{row['failed']} of {row['total']} delivery attempts failed in the last "
                    f"{settings.ISSUE_FAILING_WINDOW_HOURS} h: read the errors on the timeline.",
                    timeline_path(row["integration_id"]),
                )
            )
    return result


def backlog(now: datetime.datetime) -> CheckResult:
    """The oldest delivery not delivered yet waits longer than ISSUE_BACKLOG_MINUTES."""
    oldest_allowed = now - datetime.timedelta(minutes=settings.ISSUE_BACKLOG_MINUTES)
    rows = (
        Delivery.objects.filter(state__in=UNDELIVERED_STATES, integration__is_enabled=True)
        .order_by()
        .values("integration_id")
        .annotate(waiting=Count("pk"), oldest=Min("created_at"))
        .filter(oldest__lt=oldest_allowed)
    )
    result = CheckResult(types=(Type.BACKLOG,))
    for row in rows:
        age = int((now - row["oldest"]).total_seconds() // 60)
        result.findings.append(
            Finding(
                row["integration_id"],
                Type.BACKLOG,
                f"{row['waiting']} deliveries wait; the oldest for {age} minutes (more than "
                f"{settings.ISSUE_BACKLOG_MINUTES}).",
                timeline_path(row["integration_id"]),
            )
        )
    return result


def field_deliveries_failing(now: datetime.datetime) -> CheckResult:
    """A field delivery failed for good in the window and no later one of it succeeded: the
    ATS no longer takes that field (renamed, deleted, or of another type)."""
    since = now - datetime.timedelta(hours=settings.ISSUE_FAILING_WINDOW_HOURS)
    field_rows = Delivery.objects.filter(
        kind=Delivery.Kind.FIELD, finished_at__gte=since, integration__is_enabled=True
    ).order_by()
    failed = {
        (row["integration_id"], row["label"]): row
        for row in field_rows.filter(state=Delivery.State.FAILED)
        .values("integration_id", "label")
        .annotate(last=Max("finished_at"), failures=Count("pk"))
    }
    succeeded = {
        (row["integration_id"], row["label"]): row["last"]
        for row in field_rows.filter(
            state=Delivery.State.SUCCEEDED, integration_id__in={key[0] for key in failed}
        )
        .values("integration_id", "label")
        .annotate(last=Max("finished_at"))
    }
    result = CheckResult(types=(Type.FIELD_GONE,), subject_prefix=DELIVERY_SUBJECT)
    for (integration_id, label), row in failed.items():
        last_success = succeeded.get((integration_id, label))
        if last_success and last_success > row["last"]:
            continue
        result.findings.append(
            Finding(
                integration_id,
                Type.FIELD_GONE,
                f"{row['failures']} delivery(ies) of {label} failed for good in the last "
                f"{settings.ISSUE_FAILING_WINDOW_HOURS} h: check that the field still exists "
                "in the ATS and can hold the value, or map another field.",
                timeline_path(integration_id),
                subject=f"{DELIVERY_SUBJECT}{label}"[:255],
            )
        )
    return result


def inbound_errors(now: datetime.datetime) -> CheckResult:
    """One integration's caller got at least ISSUE_INBOUND_ERRORS_PER_HOUR 4xx answers in the
    last full hour or in this one."""
    since = now - datetime.timedelta(hours=1)
    rows = (
        InboundRequestCount.objects.filter(
            hour__gte=since.replace(minute=0, second=0, microsecond=0),
            status__gte=400,
            status__lt=500,
            integration__is_enabled=True,
        )
        .order_by()
        .values("integration_id", "hour")
        .annotate(errors=Sum("count"))
        .filter(errors__gte=settings.ISSUE_INBOUND_ERRORS_PER_HOUR)
    )
    worst: dict[int, int] = {}
    for row in rows:
        worst[row["integration_id"]] = max(worst.get(row["integration_id"], 0), row["errors"])
    result = CheckResult(types=(Type.INBOUND_ERRORS,))
    for integration_id, errors in worst.items():
        result.findings.append(
            Finding(
                integration_id,
                Type.INBOUND_ERRORS,
                f"The ATS's calls to Harver were refused {errors} times in one hour (HTTP 4xx): "
                "check the token and settings pasted into the ATS.",
                overview_path(integration_id),
            )
        )
    return result


FREQUENT_CHECKS: tuple[Callable[[datetime.datetime], CheckResult], ...] = (
    credentials_refused,
    credential_expiry,
    credential_unreadable,
    deliveries_failing,
    backlog,
    field_deliveries_failing,
    inbound_errors,
)


def ats_drift(now: datetime.datetime) -> CheckResult:
    """Ask each enabled integration's ATS, through the provider interface, whether every mapped
    field is still offered for writing and the note author is still an active member.

    An ATS that cannot be asked (refused, down) covers nothing: its drift issues stay as they are
    and the credential or delivery checks report why.
    """
    covered: set[int] = set()
    result = CheckResult(
        types=(Type.FIELD_GONE, Type.NOTE_AUTHOR_GONE),
        subject_prefix=DRIFT_SUBJECT,
        covered=covered,
    )
    integrations = Integration.objects.filter(is_enabled=True).select_related("ats_credential")
    mapped: dict[int, set[str]] = {}
    for integration_id, field_id in (
        AssessmentFieldMapping.objects.filter(integration__is_enabled=True, send_status=True)
        .exclude(ats_field_id="")
        .values_list("integration_id", "ats_field_id")
    ):
        mapped.setdefault(integration_id, set()).add(field_id)
    for integration in integrations:
        try:
            result.findings.extend(_drift_of(integration, mapped.get(integration.pk, set())))
        except DeliveryError as error:
            logger.info("Drift check of integration %s skipped: %s", integration.pk, error)
            continue
        covered.add(integration.pk)
    return result


def _drift_of(integration: Integration, mapped: set[str]) -> list[Finding]:
    provider = integration.provider_impl
    findings = []
    if mapped:
        offered = {field_id for field_id, _label in provider.field_options(integration)}
        # An empty list means the ATS cannot list its fields: nothing to compare with.
        for field_id in sorted(mapped - offered) if offered else []:
            findings.append(
                Finding(
                    integration.pk,
                    Type.FIELD_GONE,
                    f"The mapped {provider.label} field {field_id} is no longer offered for "
                    "writing (renamed, deleted or of another type): map another field on the "
                    "Assessments tab.",
                    overview_path(integration.pk),
                    subject=f"{DRIFT_SUBJECT}{field_id}"[:255],
                )
            )
    author = _note_author(integration)
    if author:
        check = provider.verify_credentials(integration)
        members = {member_id for member_id, _label in check.members} if check else set()
        if check is not None and not members:
            # No member list came back: the verification's problems say why (credentials).
            raise DeliveryError(" ".join(check.problems) or "no member list")
        if members and author not in members:
            findings.append(
                Finding(
                    integration.pk,
                    Type.NOTE_AUTHOR_GONE,
                    f"The note author ({author}) is no longer an active {provider.label} member: "
                    "choose another on the Harver to ATS tab.",
                    overview_path(integration.pk),
                    subject=f"{DRIFT_SUBJECT}{author}"[:255],
                )
            )
    return findings


def _note_author(integration: Integration) -> str:
    member_field = integration.provider_impl.member_field
    try:
        credential: AtsCredential | None = integration.ats_credential
    except AtsCredential.DoesNotExist:
        credential = None
    return credential.value(member_field) if credential and member_field else ""
