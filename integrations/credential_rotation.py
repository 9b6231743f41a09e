"""Replacing a credential with no gap: new value, verified with the ATS, then switched.

While the new value is stored and verified, the integration's deliveries wait
(`outbox.pausing`, cause `rotating`): deliveries due during the switch are neither sent with a
half-changed credential nor failed. If the ATS accepts the new value, the switch stands and the
waiting deliveries go, in order; if it refuses it, the old value (its ciphertext, hint and
expiry, as they were) is put back and deliveries go on with it. Only the credential itself
decides: the credential and scope steps of the provider's check (other findings, such as a
mapped field, are reported but do not undo the switch).

A pause for refused credentials (a 401) ends the same way: entering a working credential,
through this form or the Harver to ATS tab or the command line (`resume_if_credentials_work`),
resumes the waiting deliveries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from harver_integration import history
from integrations import services
from integrations.models import AtsCredential, Integration, PauseCause
from integrations.outbox import pausing, requeue
from integrations.provider_types import CheckTopic, CredentialCheck

DECIDING_TOPICS = (CheckTopic.CREDENTIALS, CheckTopic.SCOPES)
ROTATING_REASON = "The credentials are being replaced: deliveries wait for the switch."


@dataclass(frozen=True)
class RotationOutcome:
    switched: bool
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    resumed: int = 0


def _refusals(check: CredentialCheck | None) -> list[str]:
    if check is None:
        return []
    return [problem for topic in DECIDING_TOPICS for problem in check.topic_problems.get(topic, [])]


def replace_credentials(
    integration: Integration,
    *,
    expires_on: datetime.date | None = None,
    **values: object,
) -> RotationOutcome:
    """Store `values` (the provider's fields, by name) if the ATS accepts them; see the module.

    Raises `services.IntegrationError` for a value that cannot be stored at all.
    """
    provider = integration.provider_impl
    problems = services.credential_input_problems(provider, values)
    if problems:
        raise services.IntegrationError(problems)
    credential, _ = AtsCredential.objects.get_or_create(integration=integration)
    before = _Snapshot.of(credential)
    pausing.pause(integration, PauseCause.ROTATING, ROTATING_REASON)
    try:
        services.set_ats_credentials(
            integration, expires_on=expires_on, clear_expiry=False, **values
        )
        check = provider.verify_credentials(integration)
    except Exception:
        before.restore(credential)
        _end_rotation(integration)
        raise
    refusals = _refusals(check)
    if refusals:
        before.restore(credential)
        _end_rotation(integration)
        history.record(integration, {"credentials replaced": ("", "refused by the ATS; kept")})
        return RotationOutcome(switched=False, problems=refusals)
    resumed = requeue.resume(integration)
    history.record(integration, {"credentials replaced": ("", "verified and switched")})
    warnings = [p for p in (check.problems if check else []) if p not in refusals]
    return RotationOutcome(switched=True, warnings=warnings, resumed=resumed)


def resume_if_credentials_work(integration: Integration) -> int | None:
    """After a credential was entered: if deliveries wait for refused credentials and the ATS
    now accepts them, send them (how many); None when nothing waited or they are still refused."""
    integration.refresh_from_db(fields=["deliveries_paused_at", "pause_cause", "paused_reason"])
    if integration.pause_cause != PauseCause.CREDENTIALS_REFUSED:
        return None
    check = integration.provider_impl.verify_credentials(integration)
    if check is None or _refusals(check):
        return None
    return requeue.resume(integration)


def _end_rotation(integration: Integration) -> None:
    """Deliveries go on with the old credential, unless a 401 meanwhile paused them for good."""
    integration.refresh_from_db(fields=["deliveries_paused_at", "pause_cause", "paused_reason"])
    if integration.pause_cause == PauseCause.ROTATING:
        requeue.resume(integration)


@dataclass(frozen=True)
class _Snapshot:
    """A credential row's stored state, ciphertexts included, to put back unchanged."""

    values: dict[str, object]
    secrets: dict[str, str]
    secret_hints: dict[str, object]
    expires_on: datetime.date | None
    verification: dict[str, object]
    verified_at: datetime.datetime | None

    @classmethod
    def of(cls, credential: AtsCredential) -> _Snapshot:
        return cls(
            dict(credential.values),
            dict(credential.secrets),
            dict(credential.secret_hints),
            credential.expires_on,
            dict(credential.verification or {}),
            credential.verified_at,
        )

    def restore(self, credential: AtsCredential) -> None:
        credential.refresh_from_db()
        credential.values = dict(self.values)
        credential.secrets = dict(self.secrets)
        credential.secret_hints = dict(self.secret_hints)
        credential.expires_on = self.expires_on
        credential.verification = dict(self.verification)
        credential.verified_at = self.verified_at
        credential.save()
