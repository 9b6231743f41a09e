"""The Celery app shared by the web processes (which publish) and the workers and scheduler.

Database connections in workers live as they do in the web processes. Celery's Django fix-up
closes every connection before and after each task, so each task paid for a new PostgreSQL
connection: most of a delivery's cost (docs/performance.md). Its closing is turned off here
(`db_reuse_max`); instead Django's own rule runs around each task, as around each web request:
a connection is dropped when it outlived CONN_MAX_AGE or an error left it unusable, and is
health-checked before reuse (CONN_HEALTH_CHECKS), so a restarted PostgreSQL costs one reconnect.
"""

import os
from typing import Any

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harver_integration.settings")

app = Celery("harver_integration")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery closes the connections only after this many tasks (twice over): never, in practice.
app.conf.CELERY_DB_REUSE_MAX = 10**9
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(task: Task[Any, Any] | None = None, **kwargs: Any) -> None:
    """Django's per-request rule, per task; eager tasks run inside their caller's transaction."""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
