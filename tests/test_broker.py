"""The broker as the web processes publish to it: one Redis client per pool, Celery's options."""

import os
import uuid

import pytest
import redis
from kombu import Connection, Producer, Queue

from harver_integration.broker import RedisTransport
from harver_integration.celery import app as celery_app


@pytest.fixture
def queue_name():
    name = f"test-broker-{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(name)
    client.close()


@pytest.mark.redis
def test_publishing_builds_one_redis_client_per_pool(queue_name):
    built = []
    with Connection(os.environ["REDIS_URL"], transport=RedisTransport) as connection:
        channel = connection.default_channel
        client_class = channel.Client

        def build(**kwargs):
            built.append(kwargs)
            return client_class(**kwargs)

        channel.Client = build
        producer = Producer(channel)
        queue = Queue(queue_name, routing_key=queue_name)

        # when three tasks are published
        for number in range(3):
            producer.publish({"n": number}, routing_key=queue_name, declare=[queue])

        # then all three are queued, through one client
        assert redis.Redis.from_url(os.environ["REDIS_URL"]).llen(queue_name) == 3
        assert len(built) == 1

        # and when the channel drops its pool (as after a fork), the next publish builds anew
        channel._disconnect_pools()
        producer.publish({"n": 3}, routing_key=queue_name, declare=[queue])

        assert redis.Redis.from_url(os.environ["REDIS_URL"]).llen(queue_name) == 4
        assert len(built) == 2


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
