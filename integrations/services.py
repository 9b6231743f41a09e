"""What can be done to an integration: set-up, credentials, tokens, mappings, enabling.

The admin, the command line and the API all come through here, so every rule lives once.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from assessments.models import Assessment
from assessments.reports import ReportType
from harver_integration.tokens import ATS_TOKEN, hash_token
from integrations.models import (
    AssessmentFieldMapping,
    AtsCredential,
    InboundToken,
    Integration,
    ReportSettings,
    UnreadableSecretError,
)
from integrations.outbox import requeue
from integrations.provider_types import Pattern
from integrations.providers import Provider, get_provider


class IntegrationError(Exception):
    """A request that cannot be carried out; `problems` says why, one plain sentence each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


@dataclass
class SetupResult:
    integration: Integration
    inbound_token: str
    steps: list[str] = field(default_factory=list)


SETUP_STEPS: list[tuple[str, str]] = [
    ("settings", "Creating the integration settings"),
    ("token", "Minting the ATS to Harver token"),
    ("assessments", "Listing the account's assessments"),
    ("reports", "Applying the default report settings"),
]


def create_integration(account: Account, provider_key: str) -> Integration:
    provider = get_provider(provider_key)
    return Integration.objects.create(
        account=account, provider=provider_key, pattern=provider.default_pattern
    )


def set_pattern(integration: Integration, pattern: str) -> Integration:
    """Choose how candidates enter; only a pattern the ATS supports is accepted."""
    provider = integration.provider_impl
    if pattern not in provider.allowed_patterns:
        allowed = ", ".join(Pattern(allowed).label for allowed in provider.allowed_patterns)
        raise IntegrationError(
            [f"{provider.label} does not support that pattern; choose {allowed}."]
        )
    integration.pattern = pattern
    integration.save(update_fields=["pattern", "updated_at"])
    return integration


def run_setup(
    integration: Integration,
    *,
    on_step: Callable[[str, str], None] | None = None,
    on_token: Callable[[str], None] | None = None,
) -> SetupResult:
    """Create what a new integration needs, step by step; safe to run again.

    `on_token` receives a freshly minted "ATS to Harver" token before the set-up is marked
    ready, so a caller can keep it for its one-time display without a window in which the
    integration looks ready but the token is not yet available.
    """
    Integration.objects.filter(pk=integration.pk).update(setup_state=Integration.SetupState.RUNNING)
    done: list[str] = []
    token = ""
    for key, label in SETUP_STEPS:
        if on_step:
            on_step(key, label)
        if key == "settings":
            AtsCredential.objects.get_or_create(integration=integration)
        elif key == "token":
            if not integration.inbound_tokens.active().exists():
                token = rotate_inbound_token(integration)
                if on_token:
                    on_token(token)
        elif key == "assessments":
            sync_field_mappings(integration)
        elif key == "reports":
            ReportSettings.objects.get_or_create(integration=integration)
        done.append(key)
    integration.setup_state = Integration.SetupState.READY
    integration.save(update_fields=["setup_state", "updated_at"])
    return SetupResult(integration=integration, inbound_token=token, steps=done)


def sync_field_mappings(integration: Integration) -> int:
    """Give each score of each account assessment a row on the Assessments tab; count new rows."""
    existing = set(
        integration.field_mappings.values_list("assessment_id", "score", "competency_id")
    )
    wanted: list[AssessmentFieldMapping] = []
    assessments = Assessment.objects.filter(account_id=integration.account_id).prefetch_related(
        "competencies"
    )
    score = AssessmentFieldMapping.Score
    for assessment in assessments:
        keys = [(score.OVERALL, None), (score.RECOMMENDATION, None)] + [
            (score.COMPETENCY, competency.pk) for competency in assessment.competencies.all()
        ]
        wanted.extend(
            AssessmentFieldMapping(
                integration=integration,
                assessment=assessment,
                score=kind,
                competency_id=competency_id,
            )
            for kind, competency_id in keys
            if (assessment.pk, kind.value, competency_id) not in existing
        )
    AssessmentFieldMapping.objects.bulk_create(wanted)
    return len(wanted)


def rotate_inbound_token(integration: Integration, *, actor: User | None = None) -> str:
    """Mint a new "ATS to Harver" token; the previous one stops working at once.

    Returns the plaintext, which is never stored and so can be shown only this once.
    """
    token = ATS_TOKEN.mint()
    now = timezone.now()
    with transaction.atomic():
        Integration.objects.select_for_update().filter(pk=integration.pk).first()
        for old in integration.inbound_tokens.active():
            old.revoked_at = now
            old.save(update_fields=["revoked_at", "updated_at"])
        InboundToken.objects.create(
            integration=integration,
            token_hash=hash_token(token),
            token_last4=token[-4:],
            created_by=actor,
        )
    return token


def credential_input_problems(provider: Provider, values: Mapping[str, object]) -> list[str]:
    """Why each of `values` (provider field name → input) cannot be stored; [] when all can.

    Each problem starts with the field's name, as the command line's JSON input names it.
    """
    known = {field.name: field for field in provider.credential_fields}
    problems = []
    for name, raw in values.items():
        credential_field = known.get(name)
        if credential_field is None:
            names = ", ".join(known) or "none"
            problems.append(f"{name}: not a credential of {provider.label} (its fields: {names}).")
        elif raw is not None and not isinstance(raw, str):
            problems.append(f"{name}: must be text, not {type(raw).__name__}.")
        elif isinstance(raw, str):
            problem = credential_field.problem(credential_field.clean(raw))
            if problem:
                problems.append(f"{name}: {problem}")
    return problems


def set_ats_credentials(
    integration: Integration,
    *,
    expires_on: datetime.date | None = None,
    clear_expiry: bool = False,
    **values: object,
) -> AtsCredential:
    """Update the "Harver to ATS" credentials: the provider's fields, by name.

    A field left out (or None) is kept; a blank non-secret value clears it; a new secret is
    stored encrypted and clears the last verification. `expires_on` sets the expiry of the
    provider's expiring secret, `clear_expiry` removes it (None keeps it; not both). Nothing is
    stored unless every value is valid.
    """
    provider = integration.provider_impl
    problems = credential_input_problems(provider, values)
    expiring = provider.expiring_field
    if clear_expiry and expires_on is not None:
        label = expiring.expiry_label if expiring else "expiry"
        problems.append(f"Give the {label} a new date or clear it, not both.")
    elif (clear_expiry or expires_on is not None) and expiring is None:
        problems.append(f"{provider.label} credentials have no expiry.")
    if problems:
        raise IntegrationError(problems)
    credential, _ = AtsCredential.objects.get_or_create(integration=integration)
    now = timezone.now()
    for name, raw in values.items():
        if not isinstance(raw, str):
            continue
        credential_field = provider.credential_field(name)
        value = credential_field.clean(raw)
        if credential_field.secret:
            credential.set_secret(name, value, now=now)
            credential.verified_at = None
            credential.verification = {}
        else:
            credential.set_value(name, value)
    if expires_on is not None:
        credential.expires_on = expires_on
    elif clear_expiry:
        credential.expires_on = None
    credential.save()
    return credential


def map_field(
    integration: Integration,
    *,
    assessment: Assessment,
    score: str,
    ats_field_id: str,
    send_status: bool = True,
) -> AssessmentFieldMapping:
    """Point one score (overall, recommendation or a competency name) at an ATS field."""
    if assessment.account_id != integration.account_id:
        raise IntegrationError([f"Assessment {assessment.pk} belongs to another account."])
    sync_field_mappings(integration)
    mappings = integration.field_mappings.filter(assessment=assessment)
    if score in (AssessmentFieldMapping.Score.OVERALL, AssessmentFieldMapping.Score.RECOMMENDATION):
        mapping = mappings.get(score=score)
    else:
        mapping_or_none = mappings.filter(competency__name__iexact=score).first()
        if mapping_or_none is None:
            names = ", ".join(assessment.competencies.values_list("name", flat=True))
            raise IntegrationError(
                [
                    f"'{score}' is not a score of {assessment.name}: use overall, "
                    f"recommendation or one of its competencies ({names or 'none'})."
                ]
            )
        mapping = mapping_or_none
    ats_field_id = ats_field_id.strip()
    if send_status and not ats_field_id:
        raise IntegrationError(["The ATS Field Id is empty."])
    problem = integration.provider_impl.ats_field_problem(ats_field_id) if ats_field_id else None
    if problem:
        raise IntegrationError([problem])
    mapping.ats_field_id = ats_field_id
    mapping.send_status = send_status
    mapping.save(update_fields=["ats_field_id", "send_status", "updated_at"])
    return mapping


def configure_reports(
    integration: Integration,
    *,
    enabled: Iterable[ReportType],
    results_link: ReportType,
    link_lifetime_days: int | None = None,
    hide_personal_data: bool | None = None,
) -> ReportSettings:
    enabled = set(enabled)
    if results_link not in enabled:
        raise IntegrationError(
            [f"The results link ({results_link.label}) must be one of the enabled report types."]
        )
    report_settings, _ = ReportSettings.objects.get_or_create(integration=integration)
    for report_type in ReportType:
        setattr(report_settings, report_type.value, report_type in enabled)
    report_settings.results_link = results_link
    if link_lifetime_days is not None:
        if not 1 <= link_lifetime_days <= 3650:
            raise IntegrationError(["The link lifetime must be between 1 and 3650 days."])
        report_settings.link_lifetime_days = link_lifetime_days
    if hide_personal_data is not None:
        report_settings.hide_personal_data = hide_personal_data
    report_settings.save()
    return report_settings


def credential_problems(
    provider: Provider, credential: AtsCredential | None, *, today: datetime.date
) -> list[str]:
    """What the stored credentials lack against the provider's fields, without asking the ATS:
    a required field not set, a secret no key can read, the expiring secret past its expiry."""
    ats = provider.label
    problems = []
    unreadable = {field.name for field in credential.unreadable_fields()} if credential else set()
    for credential_field in provider.credential_fields:
        if credential is None or not credential.is_set(credential_field):
            if credential_field.required:
                problems.append(
                    f"No {ats} {credential_field.label} is set (Credentials, Harver to ATS)."
                )
        elif credential_field.name in unreadable:
            problems.append(str(UnreadableSecretError(credential_field)))
        elif (
            credential_field.expiry_label
            and credential.expires_on is not None
            and credential.expires_on <= today
        ):
            problems.append(
                f"The {ats} {credential_field.label} expired on "
                f"{credential.expires_on.isoformat()}; generate a new one in {ats} and paste it "
                "on the Harver to ATS tab."
            )
    return problems


def local_problems(integration: Integration, *, today: datetime.date | None = None) -> list[str]:
    """Everything that stops an integration from working, found without asking the ATS."""
    today = today or timezone.localdate()
    provider = integration.provider_impl
    ats = provider.label
    problems: list[str] = []
    if integration.setup_state != Integration.SetupState.READY:
        problems.append("The integration's set-up has not finished.")
    if integration.pattern not in provider.allowed_patterns:
        allowed = ", ".join(Pattern(pattern).label for pattern in provider.allowed_patterns)
        problems.append(
            f"{ats} does not support the {Pattern(integration.pattern).label} pattern; "
            f"choose {allowed}."
        )
    credential = AtsCredential.objects.filter(integration=integration).first()
    problems.extend(credential_problems(provider, credential, today=today))
    problems.extend(provider.local_problems(integration, credential))
    if not integration.inbound_tokens.active().exists():
        problems.append("No ATS to Harver token has been minted (Credentials, ATS to Harver).")
    if not Assessment.objects.filter(account_id=integration.account_id).offered().exists():
        problems.append(f"{integration.account} has no active assessment to offer to {ats}.")
    report_settings = ReportSettings.objects.filter(integration=integration).first()
    enabled_reports = report_settings.enabled_types() if report_settings else []
    if not enabled_reports:
        problems.append("No report type is enabled (Harver to ATS, Reports).")
    elif report_settings and report_settings.results_link not in enabled_reports:
        label = ReportType(report_settings.results_link).label
        problems.append(
            f"The results link ({label}) is not an enabled report type (Harver to ATS, Reports)."
        )
    incomplete = integration.field_mappings.filter(
        send_status=True, ats_field_id=""
    ).select_related("assessment", "competency")
    problems.extend(
        f"{mapping.assessment.name}, {mapping.score_label}: sending is on but the ATS Field Id "
        "is empty (Harver to ATS, Assessments)."
        for mapping in incomplete
    )
    if provider.invites_by_stage and not integration.stage_mappings.exists():
        problems.append("No stage is mapped to an assessment (Harver to ATS, Assessments).")
    return problems


@dataclass
class EnableOutcome:
    enabled: bool
    problems: list[str]


def enable_integration(integration: Integration) -> EnableOutcome:
    """Enable only when every check passes; otherwise change nothing and name every problem."""
    problems = local_problems(integration)
    if not problems:
        problems = integration.provider_impl.remote_problems(integration)
    if problems:
        return EnableOutcome(enabled=False, problems=problems)
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        problems = local_problems(locked)
        if problems:
            return EnableOutcome(enabled=False, problems=problems)
        locked.is_enabled = True
        locked.save(update_fields=["is_enabled", "updated_at"])
        requeue.release(locked)
    integration.refresh_from_db()
    return EnableOutcome(enabled=True, problems=[])


def set_sandbox(integration: Integration, *, on: bool) -> Integration:
    """Connect the integration to the built-in sandbox ATS (every call goes there, never to a
    real ATS), or back to the real one. The calls go elsewhere from now on, so what the last
    verification found about the credentials no longer holds and is cleared."""
    with transaction.atomic():
        integration.is_sandbox = on
        integration.save(update_fields=["is_sandbox", "updated_at"])
        AtsCredential.objects.filter(integration=integration).update(
            verified_at=None, verification={}
        )
    return integration


def disable_integration(integration: Integration) -> None:
    """Stop the integration; what it owes the ATS is held, not lost, until it is enabled again."""
    with transaction.atomic():
        integration.is_enabled = False
        integration.save(update_fields=["is_enabled", "updated_at"])
        requeue.hold(integration)
