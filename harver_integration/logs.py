"""Logging helpers: a quiet log by default.

No token we issue reaches a log, wherever it travelled: Django logs the path of every request it
answers with a 4xx or 5xx (`django.request`), and an ATS that carries our token in its URL (a
webhook URL) would leave it there; `RedactIssuedTokens` replaces each issued token, recognised by
its prefix, before any handler sees the record.

Celery logs three INFO lines for every run of a periodic task (beat sending it, the worker
receiving it, the worker finishing it): with the delivery sweep every few seconds, that is most of
an idle platform's log. `PeriodicTaskBookkeeping` moves those lines to DEBUG for the tasks of the
beat schedule; a sweep that finds work says so itself, at INFO. Every other task keeps its lines.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from django.conf import settings

# The Celery loggers that write the per-run lines, and where each keeps the task's name.
BEAT_LOGGER = "celery.beat"
TASK_LOGGERS = ("celery.app.trace", "celery.worker.strategy")


def periodic_task_names() -> set[str]:
    return {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def _task_name(record: logging.LogRecord) -> str | None:
    arguments = record.args
    if record.name in TASK_LOGGERS and isinstance(arguments, Mapping):
        name = arguments.get("name")
        return name if isinstance(name, str) else None
    if record.name == BEAT_LOGGER and isinstance(arguments, tuple) and len(arguments) == 2:
        name = arguments[1]
        return name if isinstance(name, str) else None
    return None


class PeriodicTaskBookkeeping(logging.Filter):
    """Celery's per-run INFO lines of periodic tasks become DEBUG lines (dropped unless the
    logger is at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or _task_name(record) not in periodic_task_names():
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


# `hvr_<kind>_` and the token's base62 body (see harver_integration.tokens).
ISSUED_TOKEN = re.compile(r"\b(hvr_[a-z]+)_[0-9A-Za-z]{8,}")


def redact_issued_tokens(text: str) -> str:
    return ISSUED_TOKEN.sub(lambda match: f"{match.group(1)}_[redacted]", text)


class RedactIssuedTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_issued_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
