"""A quiet log: Celery's per-run lines of the periodic sweeps go to DEBUG, nothing else does."""

from __future__ import annotations

import logging

import pytest

from harver_integration.logs import PeriodicTaskBookkeeping

SWEEP = "integrations.tasks.sweep_deliveries"
OTHER = "assessments.tasks.send_invitation_email"


def record(logger: str, message: str, args: object, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord(logger, level, __file__, 1, message, args, None)  # type: ignore[arg-type]


def beat_line(task: str) -> logging.LogRecord:
    return record("celery.beat", "Scheduler: Sending due task %s (%s)", ("entry", task))


def worker_line(logger: str, task: str) -> logging.LogRecord:
    return record(logger, "Task %(name)s[%(id)s] received", ({"name": task, "id": "1"},))


@pytest.fixture
def celery_loggers_at(request):
    names = ["celery.beat", "celery.app.trace", "celery.worker.strategy"]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(request.param)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("celery_loggers_at", [logging.INFO], indirect=True)
@pytest.mark.parametrize("logger", ["celery.app.trace", "celery.worker.strategy"])
def test_sweep_runs_are_dropped_at_info(celery_loggers_at, logger):
    quiet = PeriodicTaskBookkeeping()

    assert quiet.filter(beat_line(SWEEP)) is False
    assert quiet.filter(worker_line(logger, SWEEP)) is False


@pytest.mark.parametrize("celery_loggers_at", [logging.DEBUG], indirect=True)
def test_sweep_runs_show_at_debug(celery_loggers_at):
    line = beat_line(SWEEP)

    assert PeriodicTaskBookkeeping().filter(line) is True
    assert line.levelname == "DEBUG"


@pytest.mark.parametrize("celery_loggers_at", [logging.INFO], indirect=True)
def test_other_tasks_and_other_levels_are_left_alone(celery_loggers_at):
    quiet = PeriodicTaskBookkeeping()
    failed = record("celery.app.trace", "Task %(name)s failed", ({"name": SWEEP},), logging.ERROR)

    assert quiet.filter(worker_line("celery.app.trace", OTHER)) is True
    assert quiet.filter(beat_line(OTHER)) is True
    assert quiet.filter(failed) is True
    assert failed.levelname == "ERROR"
