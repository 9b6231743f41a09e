"""One account's connection to one ATS instance, and everything configured on it."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Account
from assessments.models import Assessment, CandidateAssessment, Competency
from assessments.reports import ReportType
from harver_integration.crypto import (
    EncryptedValuesField,
    SecretDecryptionError,
    decrypt,
    encrypt,
)
from integrations.provider_types import CredentialField, Pattern
from integrations.providers import Provider, get_provider, provider_choices

DEFAULT_LINK_LIFETIME_DAYS = 365


class IntegrationQuerySet(models.QuerySet["Integration"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> IntegrationQuerySet:
        return self.filter(account__in=Account.objects.visible_to(user))


class PauseCause(models.TextChoices):
    """Why an integration's deliveries wait (`Integration.deliveries_paused_at`)."""

    CREDENTIALS_REFUSED = "credentials_refused", "The ATS refused the credentials (HTTP 401)"
    ROTATING = "rotating", "The credentials are being replaced"


class Integration(models.Model):
    class SetupState(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Setting up"
        READY = "ready", "Ready"
        FAILED = "failed", "Setup failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="integrations")
    provider = models.CharField("ATS", max_length=40, choices=provider_choices)
    pattern = models.CharField(
        "integration pattern",
        max_length=40,
        choices=Pattern.choices,
        default=Pattern.ATS_FIRST_AD_HOC,
        help_text="How candidates enter the assessment; each ATS allows only some patterns.",
    )
    is_enabled = models.BooleanField("enabled", default=False)
    is_sandbox = models.BooleanField(
        "sandbox",
        default=False,
        help_text=(
            "Connected to the built-in sandbox ATS: every call goes to the sandbox, whatever the "
            "credentials or callback URLs say, so it can never reach a real ATS."
        ),
    )
    setup_state = models.CharField(
        max_length=20, choices=SetupState.choices, default=SetupState.PENDING
    )
    setup_step = models.CharField(
        max_length=40,
        blank=True,
        editable=False,
        help_text="The set-up step running now, or the one that failed; shown on the setup page.",
    )
    last_error = models.TextField(blank=True, help_text="The last problem talking to the ATS.")
    last_error_at = models.DateTimeField(null=True, blank=True)
    deliveries_paused_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=(
            "Set while the deliveries wait (the ATS refused the credentials, or they are being "
            "replaced): nothing is sent, nothing fails, no retry is used up."
        ),
    )
    pause_cause = models.CharField(
        max_length=40, choices=PauseCause.choices, blank=True, editable=False
    )
    paused_reason = models.TextField(
        blank=True, editable=False, help_text="Why the deliveries wait, in plain words."
    )
    go_live_checked_at = models.DateTimeField(
        "last go-live check", null=True, blank=True, editable=False
    )
    go_live_report = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="The last go-live check: {'ok': bool, 'live': bool, 'steps': [...], ...}.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IntegrationQuerySet.as_manager()

    class Meta:
        ordering = ["account", "provider", "id"]
        indexes = [models.Index(fields=["provider", "is_enabled"], name="integration_provider_on")]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} integration for {self.account}"

    @property
    def provider_impl(self) -> Provider:
        return get_provider(self.provider)

    @property
    def deliveries_paused(self) -> bool:
        return self.deliveries_paused_at is not None


# A secret this short keeps even its last four characters to itself.
MIN_HINTED_SECRET_LENGTH = 12


@dataclass(frozen=True)
class SecretHint:
    """What may be shown of a stored secret: its last four characters ("" for a short one) and
    when it was set."""

    last4: str
    set_at: datetime.datetime | None


class UnreadableSecretError(SecretDecryptionError):
    """A stored secret that no configured key decrypts, named for the admin by its field."""

    def __init__(self, credential_field: CredentialField) -> None:
        self.credential_field = credential_field
        super().__init__(f"The stored {credential_field.label} cannot be read: enter it again.")


# The key under which a secret that `keeps_previous` keeps the value it replaced.
PREVIOUS = "previous:"


@dataclass(frozen=True)
class PreviousSecret:
    value: str
    replaced_at: datetime.datetime


class AtsCredential(models.Model):
    """The "Harver to ATS" credentials: what we send when we call the ATS.

    The provider declares the fields (`Provider.credential_fields`); `integrations.services`
    validates every value against them before it is stored. Values that are not secret live in
    `values`; secrets, Fernet-encrypted, in `secrets`, which loading a row never decrypts; of
    each secret only a hint (`secret_hints`) is readable, and that is what the history records.
    """

    integration = models.OneToOneField(
        Integration, on_delete=models.CASCADE, related_name="ats_credential"
    )
    values = models.JSONField(
        default=dict,
        blank=True,
        help_text="The provider's credential fields that are not secret, by name.",
    )
    secrets = EncryptedValuesField(
        default=dict,
        blank=True,
        editable=False,
        help_text="The provider's secret fields, by name, each Fernet-encrypted.",
    )
    secret_hints = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text=(
            "Of each secret, what may be shown: its last four characters (when it is long "
            "enough) and when it was set."
        ),
    )
    expires_on = models.DateField(
        "expiry",
        null=True,
        blank=True,
        help_text="The expiry chosen when the provider's expiring secret was made.",
    )
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    verification = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="What the last verification found: {'ok': bool, 'problems': [...], ...}.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Harver to ATS credential"

    def __str__(self) -> str:
        return f"Harver to ATS credential of {self.integration}"

    @property
    def provider(self) -> Provider:
        return get_provider(self.integration.provider)

    def value(self, name: str) -> str:
        """A non-secret field's value; "" when it is not set."""
        return str(self.values.get(name) or "")

    def set_value(self, name: str, value: str) -> None:
        if value:
            self.values[name] = value
        else:
            self.values.pop(name, None)

    def has_secret(self, name: str) -> bool:
        return name in self.secrets

    def secret(self, name: str) -> str:
        """A secret field's value, decrypted; "" when it is not set.

        Raises `UnreadableSecretError` (a `SecretDecryptionError`) when no key decrypts it,
        never returns the ciphertext.
        """
        ciphertext = self.secrets.get(name)
        if ciphertext is None:
            return ""
        try:
            return decrypt(ciphertext)
        except SecretDecryptionError:
            raise UnreadableSecretError(self.provider.credential_field(name)) from None

    def set_secret(self, name: str, value: str, *, now: datetime.datetime) -> None:
        """Replace a secret; only its hint stays readable.

        A field that `keeps_previous` keeps the value it replaces, for `previous_secret`.
        """
        old = self.secrets.get(name)
        if old is not None and self.provider.credential_field(name).keeps_previous:
            try:
                replaced = decrypt(old) != value
            except SecretDecryptionError:
                replaced = False  # unreadable: nothing worth keeping
            if replaced:
                self.secrets[PREVIOUS + name] = old
                self.secret_hints[PREVIOUS + name] = {"replaced_at": now.isoformat()}
        self.secrets[name] = encrypt(value)
        last4 = value[-4:] if len(value) >= MIN_HINTED_SECRET_LENGTH else ""
        self.secret_hints[name] = {"last4": last4, "set_at": now.isoformat()}

    def previous_secret(self, name: str) -> PreviousSecret | None:
        """The value this secret replaced and when (for a field that `keeps_previous`); None
        when there is none, or when no key can read it."""
        ciphertext = self.secrets.get(PREVIOUS + name)
        replaced_at = (self.secret_hints.get(PREVIOUS + name) or {}).get("replaced_at")
        if ciphertext is None or not replaced_at:
            return None
        try:
            value = decrypt(ciphertext)
        except SecretDecryptionError:
            return None
        return PreviousSecret(value, datetime.datetime.fromisoformat(replaced_at))

    def hint(self, name: str) -> SecretHint | None:
        """What may be shown of a stored secret; None when it is not set."""
        if name not in self.secrets:
            return None
        hint = self.secret_hints.get(name) or {}
        set_at = hint.get("set_at")
        return SecretHint(
            last4=str(hint.get("last4") or ""),
            set_at=datetime.datetime.fromisoformat(set_at) if set_at else None,
        )

    def is_set(self, credential_field: CredentialField) -> bool:
        if credential_field.secret:
            return self.has_secret(credential_field.name)
        return bool(self.value(credential_field.name))

    def unreadable_fields(self) -> list[CredentialField]:
        """The provider's secret fields that are stored but that no configured key decrypts."""
        unreadable = []
        for credential_field in self.provider.credential_fields:
            if credential_field.secret and self.has_secret(credential_field.name):
                try:
                    decrypt(self.secrets[credential_field.name])
                except SecretDecryptionError:
                    unreadable.append(credential_field)
        return unreadable


class InboundTokenQuerySet(models.QuerySet["InboundToken"]):
    def active(self) -> InboundTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class InboundToken(models.Model):
    """The "ATS to Harver" token: we mint it, the ATS sends it; only its hash is kept."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="inbound_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_last4 = models.CharField("token ends with", max_length=4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InboundTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "ATS to Harver token"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_inbound_token_per_integration",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"ATS to Harver token …{self.token_last4} ({state})"


class ReportSettings(models.Model):
    """The Reports tab: which report links go back to the ATS, and how long they work."""

    integration = models.OneToOneField(
        Integration, on_delete=models.CASCADE, related_name="report_settings"
    )
    candidate_details_page = models.BooleanField(
        ReportType.CANDIDATE_DETAILS_PAGE.label, default=False
    )
    readonly_candidate_details_page = models.BooleanField(
        ReportType.READONLY_CANDIDATE_DETAILS_PAGE.label, default=True
    )
    pdf_report = models.BooleanField(ReportType.PDF_REPORT.label, default=False)
    signed_report = models.BooleanField(ReportType.SIGNED_REPORT.label, default=True)
    results_link = models.CharField(
        "results link",
        max_length=40,
        choices=ReportType.choices,
        default=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
        help_text="The report the ATS shows as the assessment's result link (results_url).",
    )
    link_lifetime_days = models.PositiveIntegerField(
        "link lifetime (days)",
        default=DEFAULT_LINK_LIFETIME_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="How long report links sent to the ATS keep working.",
    )
    hide_personal_data = models.BooleanField(
        default=False,
        help_text="Leave name, email and phone out of the read-only Candidate Details Page.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "report settings"
        verbose_name_plural = "report settings"

    def __str__(self) -> str:
        return f"Report settings of {self.integration}"

    def enabled_types(self) -> list[ReportType]:
        return [report_type for report_type in ReportType if getattr(self, report_type.value)]


class AssessmentFieldMapping(models.Model):
    """The Assessments tab: one score of one assessment, and the ATS field it is written to."""

    class Score(models.TextChoices):
        OVERALL = "overall", "Overall matching score"
        RECOMMENDATION = "recommendation", "Recommendation"
        COMPETENCY = "competency", "Competency score"

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="field_mappings"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="field_mappings"
    )
    score = models.CharField(max_length=20, choices=Score.choices)
    competency = models.ForeignKey(
        Competency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="field_mappings",
        help_text="Only for competency scores.",
    )
    send_status = models.BooleanField(
        "send to ATS", default=False, help_text="Write this score into the ATS field."
    )
    ats_field_id = models.CharField(
        "ATS Field Id",
        max_length=128,
        blank=True,
        help_text="The ATS custom attribute (key) that receives this score.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["integration", "assessment", "score", "competency__position"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(score="competency") & Q(competency__isnull=False))
                | (~Q(score="competency") & Q(competency__isnull=True)),
                name="field_mapping_competency_iff_competency_score",
            ),
            models.UniqueConstraint(
                fields=["integration", "assessment", "score"],
                condition=Q(competency__isnull=True),
                name="field_mapping_unique_score",
            ),
            models.UniqueConstraint(
                fields=["integration", "competency"],
                condition=Q(competency__isnull=False),
                name="field_mapping_unique_competency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment.name}: {self.score_label}"

    @property
    def score_label(self) -> str:
        if self.competency_id is not None:
            return self.competency.name  # type: ignore[union-attr]
        return self.get_score_display()


class AtsInvitation(models.Model):
    """The ATS side of a candidate assessment: which integration asked, and the ATS's references.

    `refs` are the provider's own references (where results go, which job or application);
    `identity_key` is the SHA-256 of what makes a live invitation unique for that provider
    (`Provider.invitation_identity`). The partial unique constraint makes a repeated request for
    a live invitation impossible to store twice, whatever the concurrency.
    """

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="invitations"
    )
    candidate_assessment = models.OneToOneField(
        CandidateAssessment, on_delete=models.CASCADE, related_name="ats_invitation"
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    email_key = models.CharField(max_length=254, help_text="The candidate's email, lowercased.")
    identity_key = models.CharField(
        max_length=64,
        editable=False,
        help_text="SHA-256 of what makes a live invitation unique for this ATS.",
    )
    refs = models.JSONField(
        "ATS references",
        default=dict,
        blank=True,
        help_text="The ATS's own references for this invitation (callback, job, application).",
    )
    is_live = models.BooleanField(
        default=True, help_text="False once the candidate assessment expired or was rejected."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "assessment", "identity_key"],
                condition=Q(is_live=True),
                name="one_live_invitation_per_identity_and_test",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email_key} to assessment {self.assessment_id}"

    @staticmethod
    def identity_key_of(identity: str) -> str:
        """The stored form of a provider's invitation identity."""
        return hashlib.sha256(identity.encode()).hexdigest()


class Delivery(models.Model):
    """One thing an ATS is owed (a status, a timeline note, a field value): the outbox row.

    Written in the transaction of the status change that causes it, with the exact body to send
    (never a secret: the token is read when sending). Workers claim it by a conditional update
    (`pending` and due → `sending` with a lease) and record each attempt; see docs/deliveries.md.
    """

    class Kind(models.TextChoices):
        STATUS = "status", "Status"
        COMMENT = "comment", "Timeline note"
        FIELD = "field", "Field value"

    # Sending one of these twice leaves the ATS as sending it once (a status or a field is set,
    # a note is added): their successes may be recorded together, a note's is recorded at once.
    IDEMPOTENT_KINDS = frozenset({Kind.STATUS, Kind.FIELD})

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        HELD = "held", "Held (integration disabled)"
        DROPPED = "dropped", "Dropped (superseded)"

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="deliveries"
    )
    candidate_assessment = models.ForeignKey(
        CandidateAssessment, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=200, help_text="What is delivered, in plain words.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    url = models.URLField(
        max_length=2000, blank=True, help_text="Where it goes, when known before sending."
    )
    payload = models.JSONField(default=dict, blank=True, help_text="The body to send.")
    rank = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Status order: a lower rank never follows a higher one."
    )
    remote_ref = models.CharField(
        max_length=128, blank=True, help_text="The ATS's id of the target, once found."
    )
    attempt_count = models.PositiveIntegerField("attempts", default=0)
    failures = models.PositiveIntegerField(
        default=0, help_text="Failed attempts since the last success or replay: the retry step."
    )
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When a task for it was last published."
    )
    last_error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["integration", "state", "finished_at"], name="delivery_state"),
            models.Index(fields=["candidate_assessment", "kind"], name="delivery_assessment"),
            # Platform-wide figures over a time range (the health page, the metrics).
            models.Index(fields=["state", "finished_at"], name="delivery_finished"),
            # The admin's lists, newest first: a page is the index's first rows, not a sort of
            # the table (all deliveries; one integration's, as its timeline shows them).
            models.Index(fields=["-created_at", "-id"], name="delivery_newest"),
            models.Index(
                fields=["integration", "-created_at", "-id"], name="delivery_integration_newest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} for {self.candidate_assessment_id} ({self.get_state_display()})"


class DeliveryAttempt(models.Model):
    """One try at a delivery, as the partner answered it; secrets redacted before saving."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        TRANSIENT = "transient", "Failed, will retry"
        TIMEOUT = "timeout", "Timed out"
        PERMANENT = "permanent", "Failed for good"
        INTERRUPTED = "interrupted", "Interrupted (worker lost)"
        DROPPED = "dropped", "Dropped (superseded)"
        PAUSED = "paused", "Credentials refused (waiting, not a failure)"

    FAILURES = (Outcome.TRANSIENT, Outcome.TIMEOUT, Outcome.PERMANENT, Outcome.INTERRUPTED)

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    request = models.CharField(max_length=300, blank=True, help_text="Method and URL, no query.")
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivery", "started_at", "id"]
        indexes = [
            models.Index(
                fields=["integration", "outcome", "started_at"], name="delivery_attempt_health"
            ),
            # Platform-wide figures over a time range, read from the index alone.
            models.Index(
                fields=["started_at", "integration", "outcome"], name="delivery_attempt_time"
            ),
            # The few attempts the ATS refused the credentials for, found without a range scan.
            models.Index(
                fields=["integration", "started_at"],
                condition=Q(http_status__in=[401, 403]),
                name="delivery_attempt_refused",
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}: {self.get_outcome_display()}"


def stage_key(name: str) -> str:
    """How ATS stage names compare: trimmed, ignoring case."""
    return name.strip().casefold()


class StageMapping(models.Model):
    """The Assessments tab of an ATS that invites when an application enters a stage.

    A row maps a stage, by name, to the assessment the candidate is invited to; with a job id it
    applies to that job only and beats a row for every job (blank job id) of the same name.
    Names decide because an ATS copies a job template's stages into every job, each copy with
    its own id.
    """

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="stage_mappings"
    )
    stage_name = models.CharField(max_length=255, help_text="The ATS stage, by name.")
    stage_key = models.CharField(max_length=255, editable=False)
    job_id = models.CharField(
        "ATS job id", max_length=64, blank=True, help_text="Blank: the stage of every job."
    )
    job_name = models.CharField("ATS job", max_length=255, blank=True)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="stage_mappings"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["integration", "stage_key", "job_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "stage_key", "job_id"], name="one_mapping_per_stage_and_job"
            ),
        ]

    def __str__(self) -> str:
        where = f" of {self.job_name or self.job_id}" if self.job_id else ""
        return f'"{self.stage_name}"{where} → {self.assessment.name}'

    def save(self, *args: object, **kwargs: object) -> None:
        self.stage_key = stage_key(self.stage_name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class InboundEvent(models.Model):
    """One call an ATS made to us that is worked on in the background (a webhook delivery).

    Stored, with its body as it arrived, before the ATS is answered; a task then does the work,
    and the sweeper finds any event a lost task left behind. `event_id` is the ATS's own id for
    the delivery: a second delivery with the same id is a repeat and is not stored again.
    """

    class State(models.TextChoices):
        RECEIVED = "received", "Received, waiting"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        IGNORED = "ignored", "Ignored"
        ATTENTION = "attention", "Needs the admin"
        FAILED = "failed", "Failed"

    OPEN_STATES = (State.RECEIVED, State.PROCESSING)

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="inbound_events"
    )
    event_id = models.CharField(
        max_length=128, blank=True, help_text="The ATS's id of this delivery."
    )
    action = models.CharField(max_length=64, help_text="What the ATS says happened.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    outcome = models.TextField(blank=True, help_text="What was done, in plain words.")
    body = models.TextField(blank=True, help_text="The body as it arrived.")
    details = models.JSONField(default=dict, blank=True, help_text="What the provider recorded.")
    candidate_assessment = models.ForeignKey(
        CandidateAssessment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_events",
    )
    attempt_count = models.PositiveIntegerField("attempts", default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "event_id"],
                condition=~Q(event_id=""),
                name="one_inbound_event_per_ats_id",
            ),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="inbound_event_due")]

    def __str__(self) -> str:
        return f"{self.action} {self.event_id or self.pk} ({self.get_state_display()})"


class InboundRequestCount(models.Model):
    """How many calls an ATS made to us in one hour, by answer status; the integration is the
    one the caller's token named (none for an unknown token).

    One row per integration, hour and status, incremented as calls are answered: the issue scan
    and the metrics read hours, never a row per request.
    """

    integration = models.ForeignKey(
        Integration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inbound_request_counts",
    )
    provider = models.CharField(max_length=40, help_text="The ATS whose endpoint was called.")
    hour = models.DateTimeField(help_text="The start of the hour (UTC).")
    status = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "provider", "hour", "status"],
                name="one_inbound_count_per_hour_and_status",
            ),
            models.UniqueConstraint(
                fields=["provider", "hour", "status"],
                condition=Q(integration__isnull=True),
                name="one_anonymous_inbound_count_per_hour_and_status",
            ),
        ]
        indexes = [models.Index(fields=["hour", "status"], name="inbound_count_hour")]

    def __str__(self) -> str:
        return f"{self.count} answers HTTP {self.status} at {self.hour:%Y-%m-%d %H}:00"


class Issue(models.Model):
    """Something wrong with an integration that someone must fix, found by the issue scan.

    At most one unresolved issue exists per integration, type and `subject` (what of that type
    is wrong: a field id, an expiry threshold; "" when the type needs none). The scan opens,
    updates and resolves them; an admin may snooze or resolve one by hand. `notified_at` is set
    once, when the mail about it is sent; `mailed_at` moves with each digest that lists it.
    """

    class Type(models.TextChoices):
        CREDENTIALS_REFUSED = "credentials_refused", "Credentials refused"
        CREDENTIAL_EXPIRING = "credential_expiring", "Credential expiring"
        CREDENTIAL_UNREADABLE = "credential_unreadable", "Credential unreadable"
        DELIVERIES_FAILING = "deliveries_failing", "Deliveries failing"
        BACKLOG = "backlog", "Deliveries waiting too long"
        FIELD_GONE = "field_gone", "Mapped field gone or unwritable"
        NOTE_AUTHOR_GONE = "note_author_gone", "Note author gone"
        INBOUND_ERRORS = "inbound_errors", "Inbound errors from the ATS"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        SNOOZED = "snoozed", "Snoozed"
        RESOLVED = "resolved", "Resolved"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="issues")
    type = models.CharField(max_length=40, choices=Type.choices)
    subject = models.CharField(
        max_length=255, blank=True, help_text="What of this type is wrong, e.g. the field id."
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    message = models.TextField(help_text="What is wrong and what to do, in plain words.")
    evidence_url = models.CharField(
        "evidence", max_length=500, blank=True, help_text="The page that shows what was found."
    )
    first_seen_at = models.DateTimeField("first seen")
    last_seen_at = models.DateTimeField("last seen")
    count = models.PositiveIntegerField(default=1, help_text="How many scans found it.")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the scan found it fixed.",
    )
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    mailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "type", "subject"],
                condition=~Q(state="resolved"),
                name="one_unresolved_issue_per_subject",
            ),
        ]
        indexes = [models.Index(fields=["state", "integration"], name="issue_state")]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.message}"


class IssueEvent(models.Model):
    """The history of an issue: opened, reopened, snoozed, resolved (by whom), mailed."""

    class Action(models.TextChoices):
        OPENED = "opened", "Opened"
        REOPENED = "reopened", "Found again"
        SNOOZED = "snoozed", "Snoozed"
        WOKE = "woke", "Snooze ended"
        RESOLVED = "resolved", "Resolved"
        MAILED = "mailed", "Mailed"
        DIGESTED = "digested", "In a digest"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the scan did it.",
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["issue", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"
