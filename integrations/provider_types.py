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


class CheckTopic(models.TextChoices):
    """What a credential check asks the ATS about; each is a step of the go-live check."""

    CREDENTIALS = "credentials", "Credentials accepted"
    SCOPES = "scopes", "Every scope the platform uses"
    NOTE_AUTHOR = "note_author", "Note author exists and is active"
    FIELDS = "fields", "Mapped ATS fields exist and can hold their values"


@dataclass(frozen=True)
class CredentialCheck:
    """What asking the ATS about the stored credentials found, for the admin to read.

    `findings` are plain sentences (each scope, the members, the fields); `members` are the ATS
    users (id, label) the provider's `member_field` may be set to. `topic_problems` files each
    problem under the `CheckTopic` it is about, `confirmed` says what a topic that passed was
    found to be; a topic in neither was not reached (an earlier problem stopped the check).
    """

    problems: list[str]
    findings: list[str]
    members: list[tuple[str, str]]
    topic_problems: dict[str, list[str]] = field(default_factory=dict)
    confirmed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class TopicProblems:
    """Problems collected while checking, each under its topic, in the order found."""

    def __init__(self) -> None:
        self.by_topic: dict[str, list[str]] = {}
        self.all: list[str] = []

    def add(self, topic: CheckTopic, problem: str) -> None:
        self.by_topic.setdefault(topic.value, []).append(problem)
        self.all.append(problem)

    def extend(self, topic: CheckTopic, problems: list[str]) -> None:
        for problem in problems:
            self.add(topic, problem)


@dataclass(frozen=True)
class GoLiveStep:
    """One step of the go-live check: its name, whether it passed, and a plain sentence saying
    what was found and, when it failed, what to do. `evidence` is the request and answer of a
    live step (method and URL, HTTP status), as a delivery attempt records them."""

    name: str
    ok: bool
    message: str
    evidence: dict[str, object] = field(default_factory=dict)


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


@dataclass(frozen=True)
class InboundProbe:
    """A request to the provider's inbound endpoints that carries a token (one no integration
    has) and the status the endpoint refuses it with: the go-live check sends it to the public
    address, as the ATS would, to see that the endpoint answers from outside and checks tokens."""

    method: str
    path: str  # below the provider's inbound base URL
    headers: dict[str, str]
    refused_status: int
