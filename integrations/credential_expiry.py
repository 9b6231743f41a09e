"""When the provider's expiring secret stops working, as the overview's countdown says it.

The expiry is the date the admin entered when the secret was made (an ATS that asks for one when
a token is generated shows it then); a provider whose ATS tells the expiry may store it the same
way. A secret without a recorded expiry is itself worth a warning: nobody would know.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from integrations.models import AtsCredential
from integrations.providers import Provider

# Within this many days the countdown turns into a warning (the first expiry reminder).
WARN_DAYS = 30


@dataclass(frozen=True)
class Expiry:
    """The countdown: `level` is ok, warning or error (for the page's colour)."""

    expires_on: datetime.date | None
    days_left: int | None
    level: str
    message: str


def credential_expiry(
    provider: Provider, credential: AtsCredential | None, *, today: datetime.date
) -> Expiry | None:
    """The expiring secret's countdown; None when this ATS's credentials do not expire or the
    secret is not set yet."""
    field = provider.expiring_field
    if field is None or credential is None or not credential.has_secret(field.name):
        return None
    label = field.label
    replace = "Replace it (Replace the credential) with one generated in " + provider.label + "."
    if credential.expires_on is None:
        return Expiry(
            None,
            None,
            "warning",
            f"No {field.expiry_label} is recorded, so nobody is warned before the {label} stops "
            f"working: enter the expiry {provider.label} showed when it was generated.",
        )
    days = (credential.expires_on - today).days
    when = credential.expires_on.isoformat()
    if days < 0:
        return Expiry(
            credential.expires_on,
            days,
            "error",
            f"The {label} expired on {when}, {-days} day(s) ago. {replace}",
        )
    if days == 0:
        return Expiry(credential.expires_on, 0, "error", f"The {label} expires today. {replace}")
    if days <= WARN_DAYS:
        return Expiry(
            credential.expires_on,
            days,
            "warning",
            f"The {label} expires on {when}: in {days} day(s). {replace}",
        )
    return Expiry(
        credential.expires_on, days, "ok", f"The {label} expires on {when}, in {days} days."
    )
