"""Workers keep their database connection between tasks, as web processes do between requests.

Celery's Django fix-up would close it before and after every task (a new PostgreSQL connection
per delivery: bench/delivery measured it as most of a delivery's cost); Django's own rule runs
instead, around every task that a worker runs.
"""

from types import SimpleNamespace
from typing import Any

from celery.fixups.django import DjangoWorkerFixup

import harver_integration.celery as celery_module
from harver_integration.celery import app, close_old_database_connections


def a_task(*, eager: bool) -> Any:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def test_celerys_fixup_leaves_the_connections_open(monkeypatch):
    fixup = DjangoWorkerFixup(app)
    closed = []
    monkeypatch.setattr(fixup, "_close_database", lambda: closed.append(True))

    for _ in range(1000):
        fixup.on_task_prerun(a_task(eager=False))
        fixup.close_database()

    assert closed == []


def test_djangos_rule_runs_around_every_task_a_worker_runs(monkeypatch):
    calls = []
    monkeypatch.setattr(celery_module, "close_old_connections", lambda: calls.append(True))

    close_old_database_connections(task=a_task(eager=False))

    assert calls == [True]


def test_an_eager_task_leaves_its_callers_transaction_alone(monkeypatch):
    calls = []
    monkeypatch.setattr(celery_module, "close_old_connections", lambda: calls.append(True))

    close_old_database_connections(task=a_task(eager=True))

    assert calls == []
