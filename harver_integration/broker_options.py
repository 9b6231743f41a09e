"""Celery's options for each supported broker server: Redis and RabbitMQ.

The settings take them for CELERY_BROKER_URL, and the end-to-end tests for the private brokers
they publish to, so both talk to a broker the same way.

Whatever the broker, the database stays the source of truth and the sweeper the safety net
(docs/deliveries.md): these options make the broker keep what it accepted, not more.

- Redis: a visibility timeout (a task not acknowledged by then is delivered again) and quick
  socket timeouts, on kombu's own Redis transport.
- RabbitMQ: quorum queues (replicated, durable: they survive a node restart and the loss of a
  minority of a cluster), publisher confirms (a publish returns once the broker has the message,
  and a refusal raises instead of dropping it), and a topic exchange, which Celery's native
  delayed delivery needs for countdowns on quorum queues (a worker holds no countdown task; the
  broker keeps it in its delay queues until it is due). Celery sees the quorum queue and leaves
  out the global prefetch limit, which quorum queues refuse.
"""

from __future__ import annotations

from typing import Any, TypedDict

REDIS_SCHEMES = ("redis://", "rediss://")
RABBITMQ_SCHEMES = ("amqp://", "amqps://", "pyamqp://")

# A request publishing a task must not hang on a broker that is down: one quick try, then the
# sweeper takes over (see harver_integration.queueing).
QUICK_PUBLISH = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


class BrokerOptions(TypedDict):
    broker_transport_options: dict[str, Any]
    broker_connection_timeout: float
    task_default_queue_type: str
    task_default_exchange_type: str


class UnsupportedBroker(ValueError):
    pass


def broker_options(url: str, *, visibility_timeout: int) -> BrokerOptions:
    if url.startswith(REDIS_SCHEMES):
        return {
            "broker_transport_options": {
                "visibility_timeout": visibility_timeout,
                "socket_connect_timeout": 1,
                "socket_timeout": 5,
                **QUICK_PUBLISH,
            },
            "broker_connection_timeout": 4.0,
            "task_default_queue_type": "classic",
            "task_default_exchange_type": "direct",
        }
    if url.startswith(RABBITMQ_SCHEMES):
        return {
            "broker_transport_options": {
                "confirm_publish": True,
                "read_timeout": 5,
                "write_timeout": 5,
                **QUICK_PUBLISH,
            },
            "broker_connection_timeout": 1.0,
            "task_default_queue_type": "quorum",
            "task_default_exchange_type": "topic",
        }
    scheme = url.split("://", 1)[0] if "://" in url else url
    raise UnsupportedBroker(
        f"CELERY_BROKER_URL: unsupported broker {scheme!r}; use a redis://, rediss://, amqp:// "
        "or amqps:// URL, or none for the embedded file-system broker"
    )
