"""Celery tasks that talk to Workable; they take a delivery id only, never a secret."""

from typing import Any

from celery import Task, shared_task

from integrations import outbox
from workable import deliveries


@shared_task(bind=True, ignore_result=True)
def send_delivery(self: Task[Any, Any], delivery_id: int) -> None:
    """Send one delivery if it is still due and no other worker has it (safe to run twice)."""
    outbox.process(delivery_id, deliveries.send, task_id=self.request.id or "")
