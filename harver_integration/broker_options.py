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

Every broker, the embedded file-system one too, gets the same three queues (`task_queues`),
which every worker consumes: FRESH_QUEUE (Celery's default, where everything goes unless told
otherwise: what a commit has just caused), SCHEDULED_QUEUE (work due at a set moment: the rate
limiter's postponements, retries) and BACKLOG_QUEUE (work put back in line due now: the outbox
sweeper's, what a task hands back). Celery takes from the queues it consumes in turn (Redis and
the file system poll them round-robin; RabbitMQ delivers to one consumer per queue), so after an
outage a fresh result waits for at most a turn or two, not behind one task per owing customer;
and a customer's next window, due in a second, is not fetched only after the sweeper's task for
every other owing customer (on Redis the worker holds a task with an ETA once it has fetched it,
so in the backlog queue it was fetched, and ran, that late). Queues rather than broker
priorities: priorities exist on Redis only as kombu's emulation, on RabbitMQ's quorum queues
only as two levels since 4.0, and not at all on the file-system broker.
"""

from __future__ import annotations

from typing import Any, TypedDict

from kombu import Exchange, Queue

REDIS_SCHEMES = ("redis://", "rediss://")
RABBITMQ_SCHEMES = ("amqp://", "amqps://", "pyamqp://")

# A request publishing a task must not hang on a broker that is down: one quick try, then the
# sweeper takes over (see harver_integration.queueing).
QUICK_PUBLISH = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}

FRESH_QUEUE = "celery"
SCHEDULED_QUEUE = "scheduled"
BACKLOG_QUEUE = "backlog"


class BrokerOptions(TypedDict):
    broker_transport_options: dict[str, Any]
    broker_connection_timeout: float
    task_default_queue_type: str
    task_default_exchange_type: str
    task_queues: tuple[Queue, ...]


def task_queues(queue_type: str = "classic", exchange_type: str = "direct") -> tuple[Queue, ...]:
    """The fresh, the scheduled and the backlog queue, each with its own exchange of
    `exchange_type`.

    Celery declares the default queue with the broker's queue type itself, but queues it is given
    only with the arguments they carry: a quorum queue must say so.
    """
    arguments = {"x-queue-type": "quorum"} if queue_type == "quorum" else None
    return tuple(
        Queue(name, Exchange(name, type=exchange_type), routing_key=name, queue_arguments=arguments)
        for name in (FRESH_QUEUE, SCHEDULED_QUEUE, BACKLOG_QUEUE)
    )


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
            "task_queues": task_queues("classic", "direct"),
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
            "task_queues": task_queues("quorum", "topic"),
        }
    scheme = url.split("://", 1)[0] if "://" in url else url
    raise UnsupportedBroker(
        f"CELERY_BROKER_URL: unsupported broker {scheme!r}; use a redis://, rediss://, amqp:// "
        "or amqps:// URL, or none for the embedded file-system broker"
    )
