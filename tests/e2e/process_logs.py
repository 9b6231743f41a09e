"""The logs of the end-to-end suite's processes carry no candidate's email or name.

Every process the suite starts (gunicorn, Celery workers and beat, `manage.py` commands: see
`tests.processes` and `tests.e2e.delivery_harness`) writes its log to a `*.log` file in its
`VAR_DIR`, under pytest's temporary directory. `ProcessLogs` notes how long each file is when a
test starts; when it ends, it reads only what was written since, and looks there for the
candidates the test made (every candidate assessment in the database, and anyone the test
names, such as a candidate the stand-in ATS made who was never invited). One read per file and
a look at each "@" keep it cheap whatever the number of candidates.

An email is found as written or percent-encoded (a URL's query), in any case; a name as a whole
word, in any case, each word of it on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from assessments.models import CandidateAssessment

# Django's file email backend writes the emails as `*.log` files there: mail, not a log.
MAIL_DIRECTORY = "mail"
WORD = re.compile(r"\w+")
# An email's local part (at most 64 characters) ending where its "@" (or "%40") starts, and
# its domain starting after it.
LOCAL_PART = re.compile(r"[\w.+%-]+\Z")
DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")
LOCAL_PART_MAX = 64


def emails_in(text: str) -> set[str]:
    """The emails in lowercased `text`, as written or percent-encoded; found from each "@"
    (a regex for the whole address would try every position of a long log)."""
    found: set[str] = set()
    for separator in ("@", "%40"):
        at = text.find(separator)
        while at != -1:
            local = LOCAL_PART.search(text, max(0, at - LOCAL_PART_MAX), at)
            domain = DOMAIN.match(text, at + len(separator))
            if local and domain:
                address = unquote(f"{local.group()}@{domain.group()}")
                # and each address it ends with (`cand-jane@example.com` holds `jane@…`)
                found.update(
                    address[start + 1 :]
                    for start, character in enumerate(address.partition("@")[0])
                    if not character.isalnum()
                )
                found.add(address)
            at = text.find(separator, at + 1)
    return found


def words_in(text: str, words: set[str]) -> set[str]:
    """Which of `words` lowercased `text` holds as whole words."""
    return {
        word
        for word in words
        if word in text and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)
    }


@dataclass
class ProcessLogs:
    """The log files under `root`, from where each stood when the test started."""

    root: Path
    started_at: dict[Path, int] = field(default_factory=dict)
    emails: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.started_at = {path: path.stat().st_size for path in self.files()}

    def files(self) -> list[Path]:
        return sorted(
            path
            for path in self.root.rglob("*.log")
            if MAIL_DIRECTORY not in path.relative_to(self.root).parts[:-1]
        )

    def add(self, *, email: str = "", names: tuple[str, ...] = ()) -> None:
        """A person the test made outside the database (the stand-in ATS's candidate)."""
        if email:
            self.emails.add(email.lower())
        self.names.update(word for name in names for word in WORD.findall(name.lower()))

    def written(self) -> dict[Path, str]:
        """What each log file got since the test started."""
        texts = {}
        for path in self.files():
            with path.open("rb") as log:
                log.seek(self.started_at.get(path, 0))
                texts[path] = log.read().decode(errors="replace")
        return texts

    def candidates_of_the_test(self) -> None:
        """Everyone the test invited, from the database (before the test's tables are emptied)."""
        for email, first_name, last_name in CandidateAssessment.objects.values_list(
            "email", "first_name", "last_name"
        ):
            self.add(email=email, names=(first_name, last_name))

    def leaks(self) -> list[str]:
        """Each log file that names one of the test's candidates, and what it names."""
        self.candidates_of_the_test()
        found = []
        for path, text in self.written().items():
            lowered = text.lower()
            named = sorted(self.emails & emails_in(lowered)) + sorted(words_in(lowered, self.names))
            if named:
                found.append(f"{path.relative_to(self.root)}: {', '.join(named)}")
        return found
