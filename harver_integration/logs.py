"""Logging helpers: a quiet log by default.

Celery logs three INFO lines for every run of a periodic task (beat sending it, the worker
receiving it, the worker finishing it): with the delivery sweep every few seconds, that is most of
an idle platform's log. `PeriodicTaskBookkeeping` moves those lines to DEBUG for the tasks of the
beat schedule; a sweep that finds work says so itself, at INFO. Every other task keeps its lines.
"""

from __future__ import annotations

import logging
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
