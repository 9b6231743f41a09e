"""The two broker servers: what Celery is told for each, what an unknown one gets, readiness."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client

from harver_integration.broker_options import (
    BACKLOG_QUEUE,
    FRESH_QUEUE,
    SCHEDULED_QUEUE,
    UnsupportedBroker,
    broker_options,
)
from harver_integration.celery import app as celery_app
from tests.e2e.delivery_harness import publishing_to
from tests.processes import free_port
from tests.test_settings import PRODUCTION_ENV, PROJECT

RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def test_rabbitmq_gets_quorum_queues_publisher_confirms_and_a_topic_exchange():
    options = broker_options("amqp://guest:guest@127.0.0.1:5672//", visibility_timeout=3600)

    assert options["task_default_queue_type"] == "quorum"
    assert options["task_default_exchange_type"] == "topic"
    assert options["broker_transport_options"]["confirm_publish"] is True
    assert "visibility_timeout" not in options["broker_transport_options"]


def test_redis_gets_its_visibility_timeout():
    options = broker_options("redis://127.0.0.1:6379/0", visibility_timeout=10)

    assert options["task_default_queue_type"] == "classic"
    assert options["broker_transport_options"]["visibility_timeout"] == 10


@pytest.mark.parametrize(
    ("url", "queue_type", "exchange_type"),
    [
        pytest.param("amqp://guest:guest@127.0.0.1:5672//", "quorum", "topic", id="rabbitmq"),
        pytest.param("redis://127.0.0.1:6379/0", None, "direct", id="redis"),
    ],
)
def test_every_broker_gets_a_fresh_a_scheduled_and_a_backlog_queue(url, queue_type, exchange_type):
    queues = broker_options(url, visibility_timeout=3600)["task_queues"]

    assert [queue.name for queue in queues] == [FRESH_QUEUE, SCHEDULED_QUEUE, BACKLOG_QUEUE]
    for queue in queues:
        assert (queue.exchange.name, queue.exchange.type) == (queue.name, exchange_type)
        assert (queue.queue_arguments or {}).get("x-queue-type") == queue_type


def test_the_workers_consume_every_queue_and_unrouted_tasks_are_fresh():
    # whichever broker the settings name (the embedded file system one too): the same three
    assert set(celery_app.amqp.queues.consume_from) == {FRESH_QUEUE, SCHEDULED_QUEUE, BACKLOG_QUEUE}
    assert celery_app.conf.task_default_queue == FRESH_QUEUE


def test_an_unknown_broker_is_refused_naming_the_setting():
    with pytest.raises(UnsupportedBroker, match=r"CELERY_BROKER_URL: unsupported broker 'sqs'"):
        broker_options("sqs://queue", visibility_timeout=3600)


def test_the_platform_refuses_to_start_on_an_unknown_broker(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT,
        env={**PRODUCTION_ENV, "VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": "sqs://queue"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "CELERY_BROKER_URL: unsupported broker 'sqs'" in result.stderr


@pytest.mark.rabbitmq
@pytest.mark.django_db
def test_readyz_checks_rabbitmq(client: Client) -> None:
    with publishing_to(RABBITMQ_URL):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_readyz_names_a_rabbitmq_that_does_not_answer(client: Client) -> None:
    with publishing_to(f"amqp://guest:guest@127.0.0.1:{free_port()}//"):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("broker unreachable")
