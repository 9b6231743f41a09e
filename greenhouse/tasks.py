"""Celery tasks that talk to Greenhouse; they take a delivery id only, never a secret."""

from typing import Any

from celery import Task, shared_task

from greenhouse import deliveries
from integrations.outbox import sending


@shared_task(bind=True, ignore_result=True)
def send_delivery(self: Task[Any, Any], delivery_id: int) -> None:
    """Send this delivery and the other due ones of its integration (safe to run twice)."""
    sending.process(delivery_id, deliveries.connect, task_id=self.request.id or "")
