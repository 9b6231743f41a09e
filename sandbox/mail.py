"""The email the platform sent, read back from where the email backend keeps it.

The file backend (`EMAIL_URL=filemail://`, the embedded run's default) appends each message to
a file under EMAIL_FILE_PATH, followed by a line of 79 dashes; the in-memory backend (tests)
keeps them in `django.core.mail.outbox`. Any other backend (SMTP) keeps nothing to show.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.core import mail

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
MEMORY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
LINK = re.compile(r"https?://[^\s<>\"']+")
MAX_MESSAGES = 50


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    sent: str
    text: str

    @property
    def links(self) -> list[str]:
        return list(dict.fromkeys(LINK.findall(self.text)))


def kept() -> bool:
    """Does the configured backend keep the messages where this page can read them?"""
    return settings.EMAIL_BACKEND in (FILE_BACKEND, MEMORY_BACKEND)


def _parsed(message: EmailMessage) -> Mail:
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    return Mail(
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        sent=str(message.get("Date", "")),
        text=str(text),
    )


def _from_files(folder: Path) -> list[EmailMessage]:
    if not folder.is_dir():
        return []
    messages = []
    for path in sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                parsed = email.message_from_bytes(chunk, policy=email.policy.default)
                if isinstance(parsed, EmailMessage):
                    messages.append(parsed)
    return messages


def sent_mail(recipients: set[str]) -> list[Mail]:
    """The newest messages to any of `recipients` (case aside), newest first."""
    if settings.EMAIL_BACKEND == FILE_BACKEND:
        messages = _from_files(Path(settings.EMAIL_FILE_PATH))
    elif settings.EMAIL_BACKEND == MEMORY_BACKEND:
        outbox = getattr(mail, "outbox", [])
        messages = [
            email.message_from_bytes(item.message().as_bytes(), policy=email.policy.default)
            for item in outbox
        ]
    else:
        return []
    found = []
    for message in reversed(messages):
        addresses = {
            address.casefold()
            for _, address in email.utils.getaddresses([str(message.get("To", ""))])
        }
        if addresses & recipients:
            found.append(_parsed(message))
        if len(found) == MAX_MESSAGES:
            break
    return found
