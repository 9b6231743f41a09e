"""Publishing Celery tasks after commit, without ever failing the request that caused them.

The database is the source of truth: every task published here is also found by a periodic
sweeper from the rows it works on. So a broker that is down costs latency, never work, and the
request that committed the rows still answers at once.
"""

import datetime
import logging
import math
from typing import Any

from celery import Task
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def publish_now(task: Task[Any, Any], *args: Any) -> bool:
    try:
        task.apply_async(args=args, retry=False)
    except Exception as error:
        logger.warning(
            "Could not publish %s%r (%s); the sweeper will pick it up.",
            task.name,
            args,
            type(error).__name__,
        )
        return False
    return True


def publish_after_commit(task: Task[Any, Any], *args: Any) -> None:
    """Publish once the current transaction commits; nothing is published if it rolls back."""
    transaction.on_commit(lambda: publish_now(task, *args))


def schedule_options(
    task: Task[Any, Any], eta: datetime.datetime | None, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The `apply_async` options that run `task` at `eta` (none: at once) on its app's broker.

    On quorum queues (RabbitMQ) Celery delays messages in whole seconds through the broker and
    refuses a wait under one second (it raises, as if the broker were down). There the wait is
    rounded up to whole seconds: a task may run up to a second late, never early, never refused.
    """
    if eta is None:
        return {}
    if task.app.conf.task_default_queue_type != "quorum":
        return {"eta": eta}
    seconds = math.ceil((eta - (now or timezone.now())).total_seconds())
    return {"countdown": seconds} if seconds > 0 else {}
