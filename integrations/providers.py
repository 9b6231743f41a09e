"""The Provider interface, and the lookup of a registered provider by its key.

The providers themselves are listed in `integrations.registry`; each is imported lazily by its
dotted path, so nothing here imports a provider module directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from integrations import registry
from integrations.provider_types import (
    RESERVED_FIELD_NAMES,
    CredentialCheck,
    CredentialField,
    GoLiveStep,
    InboundProbe,
    Pattern,
    StageOptions,
)

if TYPE_CHECKING:
    from assessments.lifecycle import StatusChange
    from integrations.golive_preview import Preview
    from integrations.inbound_events import EventOutcome
    from integrations.models import AtsCredential, AtsInvitation, InboundEvent, Integration


class Provider:
    """What every ATS provider declares and may do.

    Subclasses set `key`, `label`, `allowed_patterns` and `credential_fields` (the "Harver to
    ATS" credentials the core stores, validates, renders and checks for them); they override
    `inbound_setup` (what the admin pastes into the ATS), `local_problems` and `remote_problems`
    (their own enable checks), and the `on_*` hooks to record what the ATS is owed.
    """

    key: str
    label: str
    allowed_patterns: tuple[Pattern, ...]
    credential_fields: tuple[CredentialField, ...] = ()
    # Dotted path of the Celery task that sends one delivery (by id) of this provider.
    delivery_task: str = ""
    # True for an ATS that invites when an application enters a stage the admin maps to an
    # assessment (the stage mappings of the Assessments tab); others refuse stage mappings.
    invites_by_stage: bool = False
    # The Credentials screens' words for this ATS: where its credentials come from, where the
    # admin pastes what Harver shows, and what "Verify credentials" asks it.
    credentials_intro: str = ""
    inbound_instructions: str = ""
    verification_intro: str = ""
    # The credential field a verification's member list fills (the Verify page offers the
    # members to choose from); "" when the ATS has none.
    member_field: str = ""

    @property
    def default_pattern(self) -> Pattern:
        return self.allowed_patterns[0]

    def credential_field(self, name: str) -> CredentialField:
        for credential_field in self.credential_fields:
            if credential_field.name == name:
                return credential_field
        raise KeyError(name)

    @property
    def expiring_field(self) -> CredentialField | None:
        """The secret whose expiry the admin records, if this ATS's credentials expire."""
        return next((field for field in self.credential_fields if field.expiry_label), None)

    def declaration_problems(self) -> list[str]:
        """What is wrong with this provider's declarations (a system check reports them)."""
        names = [credential_field.name for credential_field in self.credential_fields]
        twice = sorted({name for name in names if names.count(name) > 1})
        problems = [f"{name}: declared twice." for name in twice]
        problems += [
            f"{name}: a name the core uses." for name in names if name in RESERVED_FIELD_NAMES
        ]
        problems += [
            f"{field.name}: only a secret can expire."
            for field in self.credential_fields
            if field.expiry_label and not field.secret
        ]
        if sum(1 for field in self.credential_fields if field.expiry_label) > 1:
            problems.append("Only one credential field can have an expiry.")
        if self.member_field and self.member_field not in names:
            problems.append(f"member_field {self.member_field!r} is not a credential field.")
        return problems

    def inbound_base_url(self) -> str:
        """Where this provider's inbound endpoints are mounted (`api/<key>/`), as a full URL."""
        return f"{settings.PUBLIC_BASE_URL}/api/{self.key}"

    def inbound_setup(
        self, integration: Integration, inbound_token: str | None
    ) -> list[tuple[str, str]]:
        """What the admin pastes into the ATS, as (label, value) pairs, e.g. a base URL and the
        token, or one webhook URL. `inbound_token` is given only when it was just minted (it is
        shown once); without it, leave out whatever contains it."""
        return []

    def local_problems(
        self, integration: Integration, credential: AtsCredential | None
    ) -> list[str]:
        """This provider's own enable checks that need no network, in plain words.

        The core has already checked the declared fields (required ones set, secrets readable,
        the expiry not passed); the base provider adds nothing.
        """
        return []

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

    # --- The go-live check (`integrations.golive`) ----------------------------------------------
    # Its credential, scope, note author and field steps are `verify_credentials`'s topics.

    # True for an ATS where `--live` can send a synthetic candidate through the real tenant.
    offers_live_check: bool = False
    # Why `--live` is not offered, for an ATS that does not offer it.
    no_live_check_reason: str = ""

    def go_live_sample_refs(self, integration: Integration) -> dict[str, str]:
        """The ATS references of the synthetic invitation a dry run completes (rolled back)."""
        return {}

    def inbound_probe(self, wrong_token: str) -> InboundProbe | None:
        """The token check the go-live check sends to the public inbound base URL; None when
        the ATS calls no endpoint of ours."""
        return None

    def live_check_jobs(self, integration: Integration) -> list[tuple[str, str]]:
        """The ATS jobs (id, label) a live check may put its test candidate on; may ask the ATS
        (and raise a `DeliveryError`)."""
        return []

    def go_live_round_trip(
        self, integration: Integration, preview: Preview, job: str
    ) -> list[GoLiveStep]:
        """`--live`: a synthetic candidate on `job` of the real tenant receives what `preview`
        shows, is read back and cleaned up; one step per request, with its evidence. Only a
        provider that `offers_live_check` implements it."""
        raise NotImplementedError(self.no_live_check_reason or f"{self.label}: no live check.")

    def on_status_change(self, invitation: AtsInvitation, change: StatusChange) -> None:
        """Record what the ATS is owed for this change; runs inside the change's transaction."""

    def on_status_changes(self, owed: Sequence[tuple[AtsInvitation, StatusChange]]) -> None:
        """`on_status_change` for many changes of a bulk action, inside their transaction.

        The base provider hands each to `on_status_change`; a provider whose deliveries need no
        query per change writes them at once (`outbox.writing.add_many`), so that a bulk
        action's cost does not grow with its candidates.
        """
        for invitation, change in owed:
            self.on_status_change(invitation, change)

    def on_repeated_invitation(self, invitation: AtsInvitation) -> None:
        """The ATS asked again for a live invitation, maybe with a new callback URL."""

    def invitation_identity(self, refs: Mapping[str, str], email: str) -> str:
        """What makes a live invitation unique for this ATS, as one string.

        Two requests with the same identity (for the same integration and test) while the first
        invitation is live are one invitation: the second is answered as a repeat. The core
        stores only the string's SHA-256. The base provider: the candidate's email.
        """
        return email.lower()

    def job_label(self, refs: Mapping[str, str]) -> str:
        """The ATS job an invitation is for, as the report pages name it; "" when unknown."""
        return ""

    def ats_field_problem(self, ats_field_id: str) -> str | None:
        """Why `ats_field_id` cannot name a field of this ATS (a plain sentence), or None.

        The base provider takes any non-empty key.
        """
        return None

    def field_options(self, integration: Integration) -> list[tuple[str, str]]:
        """The ATS fields that can hold a Harver value, as (ATS Field Id, label), for the
        Assessments tab's picker; [] lets the admin type any id. May ask the ATS (and raise a
        `DeliveryError` the page shows)."""
        return []

    def stage_options(self, integration: Integration) -> StageOptions:
        """The ATS's stage names and jobs, for the stage picker of an ATS that invites by
        stage. May ask the ATS (and raise a `DeliveryError` the page shows)."""
        return StageOptions()

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


@checks.register()
def check_providers(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every registered provider's declarations hold together (`manage.py check`)."""
    errors: list[checks.CheckMessage] = []
    for key in registry.PROVIDERS:
        provider = get_provider(key)
        errors.extend(
            checks.Error(f"Provider {key!r}: {problem}", id="integrations.E001")
            for problem in provider.declaration_problems()
        )
    return errors
