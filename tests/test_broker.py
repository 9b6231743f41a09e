"""The broker as the web processes publish to it: kombu's own transport, Celery's options."""

import os
import uuid

import pytest
import redis
from kombu import Producer, Queue
from kombu.transport import redis as kombu_redis

from harver_integration.celery import app as celery_app


@pytest.fixture
def queue_name():
    name = f"test-broker-{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(name)
    client.close()


@pytest.mark.redis
def test_tasks_are_published_through_kombus_own_redis_transport(queue_name):
    with celery_app.connection_for_write(os.environ["REDIS_URL"]) as connection:
        # no transport of ours in between: kombu's, as Celery picks it for a redis:// URL
        assert type(connection.transport) is kombu_redis.Transport
        producer = Producer(connection.default_channel)
        queue = Queue(queue_name, routing_key=queue_name)

        for number in range(3):
            producer.publish({"n": number}, routing_key=queue_name, declare=[queue])

        assert redis.Redis.from_url(os.environ["REDIS_URL"]).llen(queue_name) == 3


def test_celery_reads_the_django_settings_and_their_overrides(settings):
    assert celery_app.conf.task_serializer == "json"
    assert celery_app.conf.task_acks_late is True

    settings.CELERY_TASK_DEFAULT_QUEUE = "elsewhere"

    assert celery_app.conf.task_default_queue == "elsewhere"


def test_celery_finds_no_deprecated_setting_names():
    # Celery warns at every worker start about each name it takes for a pre-4.0 setting.
    assert not celery_app.conf.deprecated_settings
    assert str(celery_app.timezone) == "UTC"
    assert celery_app.conf.accept_content == ["json"]
