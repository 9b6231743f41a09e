"""An integration's Greenhouse credentials, read for one use, and the client they open.

Deliveries, the webhook worker, the verification and the pickers all open their client here, so
the credentials are read (and decrypted) in one place, only when a call is about to be made.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from greenhouse.client import GreenhouseClient
from greenhouse.ratelimit import LearntRateLimiter
from harver_integration.crypto import SecretDecryptionError
from integrations.http import Budget, RateBudget, WaitingBudget
from integrations.models import AtsCredential, Integration
from integrations.transport import CredentialsUnusable, PermanentError

# An interactive check (a page the admin waits for) waits at most this long for slots in all.
INTERACTIVE_WAIT_SECONDS = 10.0
MISSING = (
    "Enter the Greenhouse Client ID, Client Secret and acting user first (Credentials, "
    "Harver to ATS)."
)


@dataclass(frozen=True)
class Credentials:
    credential: AtsCredential
    client_id: str
    client_secret: str
    user_id: str
    sandbox: bool  # connected to the sandbox: every call goes there


def credentials(integration: Integration) -> Credentials:
    """The stored credentials; PermanentError when one is missing, CredentialsUnusable when no
    key decrypts the Client Secret."""
    credential = AtsCredential.objects.filter(integration=integration).first()
    if (
        credential is None
        or not credential.value("client_id")
        or not credential.value("user_id")
        or not credential.has_secret("client_secret")
    ):
        raise PermanentError(MISSING)
    try:
        client_secret = credential.secret("client_secret")
    except SecretDecryptionError as error:
        raise CredentialsUnusable(str(error)) from None
    return Credentials(
        credential,
        credential.value("client_id"),
        client_secret,
        credential.value("user_id"),
        sandbox=integration.is_sandbox,
    )


def open_client(found: Credentials, *, interactive: bool) -> GreenhouseClient:
    """A client for `found`; `interactive` waits briefly for rate-limit slots instead of
    postponing (a page the admin waits for, the webhook worker)."""
    limiter = LearntRateLimiter(found.client_id)
    budget: Budget
    if interactive:
        budget = WaitingBudget(limiter.key, limiter, max_wait=INTERACTIVE_WAIT_SECONDS)
    else:
        budget = RateBudget(
            limiter.key,
            limiter,
            max_wait=settings.GREENHOUSE_RATE_LIMIT_WAIT_SECONDS,
            counted_within=settings.GREENHOUSE_RATE_LIMIT_MARGIN_SECONDS / 2,
        )
    return GreenhouseClient(
        client_id=found.client_id,
        client_secret=found.client_secret,
        user_id=found.user_id,
        budget=budget,
        limiter=limiter,
        sandbox=found.sandbox,
    )
