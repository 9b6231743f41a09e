"""Tasks due later are published so that every broker accepts them and none runs early."""

import datetime
from typing import Any

import pytest
from celery import Celery, Task

from harver_integration.queueing import schedule_options

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


def task_on(queue_type: str) -> Task[Any, Any]:
    app = Celery(set_as_current=False)
    app.conf.task_default_queue_type = queue_type

    @app.task
    def ring() -> None:
        """A stand-in doorbell."""

    return ring


def later(seconds: float) -> datetime.datetime:
    return NOW + datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize(("seconds", "countdown"), [(0.4, 1), (1.0, 1), (1.2, 2), (59.01, 60)])
def test_on_quorum_queues_a_wait_is_rounded_up_to_whole_seconds(
    seconds: float, countdown: int
) -> None:
    assert schedule_options(task_on("quorum"), later(seconds), NOW) == {"countdown": countdown}


@pytest.mark.parametrize("seconds", [0, -3])
def test_on_quorum_queues_a_task_already_due_goes_at_once(seconds: float) -> None:
    assert schedule_options(task_on("quorum"), later(seconds), NOW) == {}


def test_other_brokers_keep_the_exact_moment() -> None:
    assert schedule_options(task_on("classic"), later(0.4), NOW) == {"eta": later(0.4)}


def test_without_a_moment_the_task_goes_at_once() -> None:
    assert schedule_options(task_on("quorum"), None, NOW) == {}
