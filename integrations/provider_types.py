"""The plain types a provider declares and returns, with no model or registry behind them.

Models and providers both import these, so neither has to import the other for them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models

# Names the core itself uses next to the credential fields (CLI JSON, service keywords).
RESERVED_FIELD_NAMES = frozenset({"integration", "expires_on", "clear_expiry", "verified_at"})


class Pattern(models.TextChoices):
    """How candidates enter: the ATS asks and Harver emails a link, or the ATS embeds Harver."""

    ATS_FIRST_AD_HOC = "ats_first_ad_hoc", "ATS First Ad-Hoc"
    ATS_FIRST_INLINE = "ats_first_inline", "ATS First Inline"


@dataclass(frozen=True)
class CredentialCheck:
    """What asking the ATS about the stored credentials found, for the admin to read.

    `findings` are plain sentences (each scope, the members, the fields); `members` are the ATS
    users (id, label) the provider's `member_field` may be set to.
    """

    problems: list[str]
    findings: list[str]
    members: list[tuple[str, str]]

    @property
    def ok(self) -> bool:
        return not self.problems


def _has_control_character(value: str) -> bool:
    return any(unicodedata.category(character)[0] == "C" for character in value)


@dataclass(frozen=True)
class CredentialField:
    """One value of a provider's "Harver to ATS" credentials, as the core stores and shows it.

    A secret is stored encrypted and is write-only: pages and the command line show only whether
    it is set (and its last four characters when it is long enough). `required` makes a missing
    value an enable problem. `validate` returns a problem sentence, or None for a good value;
    `normalize` (e.g. lowercasing) runs before it. `cli_flag` is the provider's own option of
    `integrations set-credentials` (a secret's reads standard input). `expiry_label` marks the
    one secret whose expiry the admin records (e.g. "token expiry"). `keeps_previous` keeps the
    value a secret replaced (encrypted) with the moment it was replaced, for a secret the ATS
    goes on using until the customer has changed it on both sides (a signing key).
    """

    name: str
    label: str
    secret: bool = False
    required: bool = True
    help_text: str = ""
    max_length: int = 255
    validate: Callable[[str], str | None] | None = None
    normalize: Callable[[str], str] | None = None
    cli_flag: str = ""
    expiry_label: str = ""
    keeps_previous: bool = False

    def clean(self, raw: str) -> str:
        """The value as it is stored: stripped, then normalized."""
        value = raw.strip()
        return self.normalize(value) if self.normalize else value

    def problem(self, value: str) -> str | None:
        """Why a cleaned value cannot be stored, in one sentence; None when it can."""
        if self.secret and not value:
            return f"The {self.label} is empty."
        if len(value) > self.max_length:
            return f"The {self.label} is longer than {self.max_length} characters."
        if self.secret and any(character.isspace() for character in value):
            return (
                f"The {self.label} contains spaces or line breaks; paste the one {self.label} "
                "exactly as the ATS shows it."
            )
        if _has_control_character(value):
            return f"The {self.label} contains control characters; type or paste it again."
        if value and self.validate is not None:
            return self.validate(value)
        return None


@dataclass(frozen=True)
class StageOptions:
    """What the ATS offers the stage picker: its stage names and its jobs (id, name)."""

    stages: list[str] = field(default_factory=list)
    jobs: list[tuple[str, str]] = field(default_factory=list)
