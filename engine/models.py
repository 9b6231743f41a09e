"""What the external assessment engine needs here: its API keys, and the events it has sent.

An engine API key belongs to one account and only ever reaches that account's candidate
assessments. Only the key's SHA-256 is stored, so it is shown once. Every accepted event is kept
with the answer it got, unique per account and `event_id`: a repeat gets the same answer and
changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Account
from assessments.models import CandidateAssessment


class EngineApiKeyQuerySet(models.QuerySet["EngineApiKey"]):
    def active(self) -> EngineApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class EngineApiKey(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="engine_api_keys")
    name = models.CharField(
        max_length=100,
        blank=True,
        help_text="What uses this key, e.g. 'Harver engine, EU region'.",
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_last4 = models.CharField("key ends with", max_length=4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EngineApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "engine API key"
        ordering = ["account", "-created_at"]
        indexes = [
            models.Index(
                fields=["account"], condition=Q(revoked_at__isnull=True), name="engine_key_active"
            )
        ]

    def __str__(self) -> str:
        label = self.name or "Engine API key"
        state = "revoked" if self.revoked_at else "active"
        return f"{label} …{self.key_last4} ({state})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class EngineEvent(models.Model):
    """One event the engine sent, with the answer it got; replayed for a repeated `event_id`."""

    class Type(models.TextChoices):
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Expired"
        REJECTED = "rejected", "Rejected"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="engine_events")
    event_id = models.CharField(max_length=200, help_text="The engine's id of this event.")
    candidate_assessment = models.ForeignKey(
        CandidateAssessment, on_delete=models.CASCADE, related_name="engine_events"
    )
    api_key = models.ForeignKey(
        EngineApiKey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        help_text="The key the event came with.",
    )
    type = models.CharField(max_length=20, choices=Type.choices)
    payload = models.JSONField(help_text="The body as the engine sent it.")
    fingerprint = models.CharField(
        max_length=64,
        help_text="SHA-256 of the assessment id and the body: tells a retry from a reused id.",
    )
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "event_id"], name="engine_event_id_unique_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} event {self.event_id}"
