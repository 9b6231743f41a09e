"""Publishing Celery tasks after commit, without ever failing the request that caused them.

The database is the source of truth: every task published here is also found by a periodic
sweeper from the rows it works on. So a broker that is down costs latency, never work, and the
request that committed the rows still answers at once.
"""

import logging
from typing import Any

from celery import Task
from django.db import transaction

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
