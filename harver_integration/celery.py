"""The Celery app shared by the web processes (which publish) and the workers and scheduler.

Database connections in workers live as they do in the web processes. Celery's Django fix-up
closes every connection before and after each task, so each task paid for a new PostgreSQL
connection: most of a delivery's cost (docs/performance.md). Its closing is turned off here
(`db_reuse_max`); instead Django's own rule runs around each task, as around each web request:
a connection is dropped when it outlived CONN_MAX_AGE or an error left it unusable, and is
health-checked before reuse (CONN_HEALTH_CHECKS), so a restarted PostgreSQL costs one reconnect.

Celery reads its options from the CELERY_* Django settings through a plain dict (`DjangoSettings`),
not through the lazy settings object itself: Celery looks every option up under several names in
several places, and on the lazy object each miss is a Python attribute lookup that raises. That
was a fifth of the CPU of publishing a task, paid twice by every invitation (docs/performance.md).
The dict holds each option under Celery's own name (CELERY_TASK_SERIALIZER as task_serializer):
read with the CELERY namespace from anything but `django.conf:settings`, Celery takes the three
namespaced names that equal pre-4.0 ones (CELERY_TIMEZONE, CELERY_TASK_SERIALIZER,
CELERY_ACCEPT_CONTENT) for old settings and warns at every worker start.
"""

import os
from typing import Any

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun
from django.core.signals import setting_changed
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harver_integration.settings")


CELERY_PREFIX = "CELERY_"


class DjangoSettings(dict[str, Any]):
    """The CELERY_* Django settings as a dict, each under Celery's name for it: the values Celery
    saw when it read `django.conf:settings` with the CELERY namespace.

    Filled when Celery loads its configuration and again on `setting_changed`, so a test's
    `override_settings` still reaches Celery as before.
    """

    def refresh(self, **kwargs: Any) -> None:
        from django.conf import settings

        values = {
            name.removeprefix(CELERY_PREFIX).lower(): getattr(settings, name)
            for name in dir(settings)
            if name.startswith(CELERY_PREFIX)
        }
        # Updated in place, never emptied: a lookup meanwhile finds the old value or the new.
        self.update(values)
        for name in self.keys() - values.keys():
            del self[name]


django_settings = DjangoSettings()
setting_changed.connect(django_settings.refresh, weak=False)

app = Celery("harver_integration")
app.on_configure.connect(django_settings.refresh, weak=False)
app.config_from_object(django_settings)
# Celery closes the connections only after this many tasks (twice over): never, in practice.
app.conf.CELERY_DB_REUSE_MAX = 10**9
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(task: Task[Any, Any] | None = None, **kwargs: Any) -> None:
    """Django's per-request rule, per task; eager tasks run inside their caller's transaction."""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
