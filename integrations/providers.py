"""The Provider interface, and the lookup of a registered provider by its key.

The providers themselves are listed in `integrations.registry`; each is imported lazily by its
dotted path, so nothing here imports a provider module directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.db import models
from django.utils.module_loading import import_string

from integrations import registry

if TYPE_CHECKING:
    from assessments.lifecycle import StatusChange
    from integrations.inbound_events import EventOutcome
    from integrations.models import AtsInvitation, InboundEvent, Integration


class Pattern(models.TextChoices):
    """How candidates enter: the ATS asks and Harver emails a link, or the ATS embeds Harver."""

    ATS_FIRST_AD_HOC = "ats_first_ad_hoc", "ATS First Ad-Hoc"
    ATS_FIRST_INLINE = "ats_first_inline", "ATS First Inline"


@dataclass(frozen=True)
class CredentialCheck:
    """What asking the ATS about the stored credentials found, for the admin to read.

    `findings` are plain sentences (each scope, the members, the fields); `members` are the ATS
    users (id, label) who may author timeline notes.
    """

    problems: list[str]
    findings: list[str]
    members: list[tuple[str, str]]

    @property
    def ok(self) -> bool:
        return not self.problems


class Provider:
    """What every ATS provider declares and may do.

    Subclasses set `key`, `label`, `allowed_patterns` and `api_path`; they override
    `remote_problems` to add the enable checks that must ask the ATS itself, and the two
    `on_*` hooks to record what the ATS is owed.
    """

    key: str
    label: str
    allowed_patterns: tuple[Pattern, ...]
    api_path: str
    # Dotted path of the Celery task that sends one delivery (by id) of this provider.
    delivery_task: str = ""
    # True for an ATS that invites when an application enters a stage the admin maps to an
    # assessment (the stage mappings of the Assessments tab); others refuse stage mappings.
    invites_by_stage: bool = False

    @property
    def default_pattern(self) -> Pattern:
        return self.allowed_patterns[0]

    def remote_problems(self, integration: Integration) -> list[str]:
        """Problems only the ATS can reveal (token refused, scopes missing, …), in plain words.

        Called by the enable service after every local check passed; the base provider has no
        remote checks.
        """
        return []

    def verify_credentials(self, integration: Integration) -> CredentialCheck | None:
        """Ask the ATS whether the stored credentials work (the admin's "Verify credentials").

        None when this provider cannot verify; the base provider cannot.
        """
        return None

    def on_status_change(self, invitation: AtsInvitation, change: StatusChange) -> None:
        """Record what the ATS is owed for this change; runs inside the change's transaction."""

    def on_repeated_invitation(self, invitation: AtsInvitation) -> None:
        """The ATS asked again for a live invitation, maybe with a new callback URL."""

    def ats_field_problem(self, ats_field_id: str) -> str | None:
        """Why `ats_field_id` cannot name a field of this ATS (a plain sentence), or None.

        The base provider takes any non-empty key.
        """
        return None

    def process_inbound_event(self, event: InboundEvent) -> EventOutcome:
        """Do the work of a stored call of the ATS (see `integrations.inbound_events`).

        Runs in a worker, after the ATS was answered; raise a `TransientError` to be tried again
        later. Only providers that record inbound events implement it.
        """
        raise NotImplementedError(f"{self.label} records no inbound events.")


class UnknownProviderError(LookupError):
    pass


def provider_choices() -> list[tuple[str, str]]:
    return [(key, entry.label) for key, entry in registry.PROVIDERS.items()]


@cache
def _load(key: str, path: str) -> Provider:
    provider: Provider = import_string(path)()
    return provider


def get_provider(key: str) -> Provider:
    try:
        entry = registry.PROVIDERS[key]
    except KeyError:
        known = ", ".join(registry.PROVIDERS)
        raise UnknownProviderError(f"Unknown ATS '{key}'; known: {known}.") from None
    return _load(key, entry.provider)
