"""The delivery end-to-end harness: a stand-in Workable, a private broker (Redis or a RabbitMQ
node), a private Redis for the cache, real Celery processes.

The stand-in is pytest-httpserver on 127.0.0.1, answering the results callback and the SPI v3
calls the way a test scripts it, and logging every request with its arrival time and token. The
workers and the scheduler run the production settings against the pytest database and the
private broker (so a test may restart it), with short schedules; their output goes to files that
the secret-leak check reads. The test process publishes to the same broker, with the options the
settings give that kind of broker.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import amqp
import redis
from kombu import Connection
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from harver_integration.broker_options import broker_options
from harver_integration.celery import app as celery_app
from tests.processes import (
    PROJECT,
    VENV_BIN,
    RabbitServer,
    RedisServer,
    platform_env,
    wait_until,
)

# Time-compressed but shaped like production (docs/deliveries.md): Workable's 10 requests per
# 10 s becomes 10 per second, with a margin for the time between reservation and arrival.
RATE_LIMIT = 10
RATE_WINDOW = 1.0
RATE_MARGIN = 0.5
RETRY_SCHEDULE = "0.2,0.5,1,2"
LEASE_SECONDS = 5
VISIBILITY_TIMEOUT = 10
SWEEP_SECONDS = 1
REQUEUE_AFTER_SECONDS = 2
READ_TIMEOUT = 3


@dataclass
class Arrival:
    at: float
    method: str
    path: str
    token: str
    body: Any


Script = Callable[[Request], Response | None]


@dataclass
class StandIn:
    """Workable on 127.0.0.1: callbacks under /cb/, SPI v3 under /<subdomain>/spi/v3/."""

    server: HTTPServer
    arrivals: list[Arrival] = field(default_factory=list)
    scripts: list[Script] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    def reset(self) -> None:
        with self.lock:
            self.arrivals.clear()
            self.scripts.clear()

    def handle(self, request: Request) -> Response:
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ")
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = None
        with self.lock:
            self.arrivals.append(Arrival(time.time(), request.method, request.path, token, body))
            scripts = list(self.scripts)
        for script in scripts:
            answer = script(request)
            if answer is not None:
                return answer
        if request.method == "GET" and request.path.endswith("/candidates"):
            # Workable's search by email and job answers that job's candidate with that email
            email, shortcode = request.args.get("email", ""), request.args.get("shortcode", "")
            hit = {"id": candidate_id(email), "email": email, "job": {"shortcode": shortcode}}
            return json_response({"candidates": [hit]})
        if request.path.endswith("/comments"):
            return json_response({"id": "comment-1"}, status=201)
        return json_response({})

    def requests(self, *, token: str | None = None, method: str | None = None) -> list[Arrival]:
        with self.lock:
            return [
                arrival
                for arrival in self.arrivals
                if (token is None or arrival.token == token)
                and (method is None or arrival.method == method)
            ]


def candidate_id(email: str) -> str:
    """The stand-in's id for the candidate with `email`: opaque, as Workable's are, so that the
    URLs the workers log name no one."""
    return f"cand-{hashlib.sha256(email.encode()).hexdigest()[:12]}"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json"
    )


@contextlib.contextmanager
def stand_in() -> Iterator[StandIn]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    workable = StandIn(server)
    for method in ("GET", "PUT", "POST", "PATCH"):
        server.expect_request(re.compile(".*"), method=method).respond_with_handler(workable.handle)
    server.start()
    try:
        yield workable
    finally:
        server.clear()
        if server.is_running():
            server.stop()


class Broker:
    """Everything published to the private Redis, read with MONITOR for the secret-leak check."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.commands: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._monitor, daemon=True)
        self._thread.start()

    def _monitor(self) -> None:
        while not self._stop.is_set():
            try:
                client = redis.Redis.from_url(self.url, socket_timeout=0.5)
                with client.monitor() as monitor:
                    for command in monitor.listen():
                        self.commands.append(str(command.get("command", "")))
                        if self._stop.is_set():
                            return
            except (redis.RedisError, OSError, ValueError):
                time.sleep(0.2)

    def stop(self) -> None:
        self._stop.set()

    def text(self) -> str:
        """Every command seen, plus the decoded bodies of the task messages within them."""
        decoded = []
        for command in self.commands:
            for chunk in command.split('"body": "')[1:]:
                encoded = chunk.split('"', 1)[0]
                with contextlib.suppress(ValueError):
                    decoded.append(base64.b64decode(encoded).decode(errors="replace"))
        return "\n".join(self.commands + decoded)


class RabbitTrace:
    """Every message published to the private RabbitMQ node, read from its firehose (the
    `amq.rabbitmq.trace` exchange, switched on with `rabbitmqctl trace_on`), for the same check.
    The firehose is not kept across a restart of the node, so it is switched on at each connect.
    """

    def __init__(self, server: RabbitServer) -> None:
        self.server = server
        self.messages: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._consume, daemon=True)
        self._thread.start()

    def _consume(self) -> None:
        while not self._stop.is_set():
            try:
                self.server.ctl("trace_on")
                with amqp.Connection(f"127.0.0.1:{self.server.port}") as connection:
                    channel = connection.channel()
                    queue, _, _ = channel.queue_declare(exclusive=True)
                    channel.queue_bind(queue, "amq.rabbitmq.trace", "publish.#")
                    channel.basic_consume(queue, callback=self._record, no_ack=True)
                    while not self._stop.is_set():
                        with contextlib.suppress(TimeoutError):
                            connection.drain_events(timeout=0.5)
            except (OSError, amqp.exceptions.AMQPError, subprocess.SubprocessError):
                time.sleep(0.5)

    def _record(self, message: amqp.Message) -> None:
        body = message.body
        text = body.decode(errors="replace") if isinstance(body, bytes) else str(body)
        self.messages.append(f"{message.properties!r} {text}")

    def stop(self) -> None:
        self._stop.set()

    def text(self) -> str:
        return "\n".join(self.messages)


@dataclass
class Cluster:
    """Two prefork workers (concurrency 2) and the scheduler, restartable."""

    env: dict[str, str]
    log_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    generation: int = 0

    def start(self) -> None:
        self.generation += 1
        for name in ("w1", "w2"):
            self.processes.append(
                self._spawn(
                    name,
                    [
                        "worker",
                        "--pool",
                        "prefork",
                        "--concurrency",
                        "2",
                        "--hostname",
                        f"{name}-{self.generation}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "--loglevel",
                        "DEBUG",
                    ],
                )
            )
        self.processes.append(
            self._spawn(
                "beat",
                [
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(self.log_dir / f"beat-schedule-{self.generation}"),
                ],
            )
        )

    def _spawn(self, name: str, arguments: list[str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}-{self.generation}.log").open("ab")
        return subprocess.Popen(
            [str(VENV_BIN / "celery"), "--app", "harver_integration", *arguments],
            cwd=PROJECT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def worker_pids(self) -> list[int]:
        return [process.pid for process in self.processes[:-1] if process.poll() is None]

    def children(self) -> list[int]:
        """The pool processes of the workers (the ones that run tasks)."""
        parents = set(self.worker_pids())
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                if parent in parents:
                    found.append(int(entry.name))
        return found

    def stop(self) -> None:
        # SIGTERM to each main process only: a worker stops its own pool processes.
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes.clear()

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.log_dir.glob("*.log"))
        )

    def wait_ready(self, timeout: float = 60) -> bool:
        """Both workers of this generation connected to the broker and are consuming."""

        def ready() -> bool:
            logs = [self.log_dir / f"{name}-{self.generation}.log" for name in ("w1", "w2")]
            return all(
                log.exists() and " ready." in log.read_text(errors="replace") for log in logs
            )

        return wait_until(ready, timeout=timeout, interval=0.3)


def shared_cache(redis_url: str) -> dict[str, Any]:
    """The workers' cache as this (test) process's CACHES setting: like the web processes, it
    shares the rate limits and the outbox's doorbell markers with them."""
    return {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }


def worker_env(
    var_dir: Path, redis_url: str, workable: StandIn, broker_url: str | None = None
) -> dict[str, str]:
    """Redis is the cache (shared rate-limit state) and, unless another is given, the broker."""
    return platform_env(
        var_dir,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=broker_url or redis_url,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        LOG_LEVEL="DEBUG",
        WORKABLE_API_BASE_URL=f"{workable.base}/{{subdomain}}/spi/v3",
        WORKABLE_CALLBACK_ALLOWED_HOSTS=workable.host,
        WORKABLE_CALLBACK_ALLOW_INSECURE="true",
        WORKABLE_CONNECT_TIMEOUT="1",
        WORKABLE_READ_TIMEOUT=str(READ_TIMEOUT),
        WORKABLE_RATE_LIMIT_REQUESTS=str(RATE_LIMIT),
        WORKABLE_RATE_LIMIT_WINDOW_SECONDS=str(RATE_WINDOW),
        WORKABLE_RATE_LIMIT_MARGIN_SECONDS=str(RATE_MARGIN),
        DELIVERY_RETRY_SCHEDULE=RETRY_SCHEDULE,
        DELIVERY_LEASE_SECONDS=str(LEASE_SECONDS),
        DELIVERY_SWEEP_SECONDS=str(SWEEP_SECONDS),
        DELIVERY_REQUEUE_AFTER_SECONDS=str(REQUEUE_AFTER_SECONDS),
        CELERY_TASK_SOFT_TIME_LIMIT="20",
        CELERY_TASK_TIME_LIMIT="30",
    )


@contextlib.contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Make this (test) process publish real messages to the private broker, not run eagerly.

    Each value is set under both names Celery looks up (`broker_url`, `CELERY_BROKER_URL`):
    once the Django settings are read, the namespaced one would otherwise win.
    """
    wanted: dict[str, Any] = {
        **broker_options(url, visibility_timeout=VISIBILITY_TIMEOUT),
        "broker_url": url,
        "task_always_eager": False,
    }
    # Reading a value loads the configuration; changes made to a still-pending one are lost.
    assert celery_app.conf.broker_url
    changes = cast(dict[str, Any], celery_app.conf.changes)
    missing = object()
    saved: dict[str, Any] = {}
    for name, value in wanted.items():
        for key in (name, f"CELERY_{name.upper()}"):
            saved[key] = changes.get(key, missing)
            changes[key] = value
    _forget_connections()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is missing:
                changes.pop(key, None)
            else:
                changes[key] = value
        _forget_connections()


def _forget_connections() -> None:
    """Drop the app's pooled broker connections and queue declarations, so the next publish
    connects and declares anew.

    `Celery.close` resets the producer pool only while the connection pool exists, which an
    earlier test may already have reset; so both are dropped here.
    """
    # Every task module first: `close` takes the app off Celery's list of apps, and a task module
    # imported after that (a provider's, imported when its first delivery is published) would
    # register its tasks with no app at all.
    celery_app.autodiscover_tasks(force=True)
    celery_app.close()
    celery_app.amqp._producer_pool = None
    # The exchange and queue declarations are read from the options once; the next broker may
    # want others (a topic exchange and a quorum queue on RabbitMQ).
    for cached in ("default_exchange", "queues", "default_queue", "router"):
        with contextlib.suppress(AttributeError):
            delattr(celery_app.amqp, cached)
    celery_app.amqp.flush_routes()


def max_in_window(times: list[float], window: float) -> int:
    """The most arrivals in any window [t, t + window)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def queued(broker_url: str, queue: str = "celery") -> int:
    """Messages waiting in the broker's task queue."""
    if broker_url.startswith("redis://"):
        return int(redis.Redis.from_url(broker_url).llen(queue))
    with Connection(broker_url) as connection:
        declared = connection.default_channel.queue_declare(queue, passive=True)
        return int(declared.message_count)


__all__ = [
    "Broker",
    "Cluster",
    "RabbitServer",
    "RabbitTrace",
    "RedisServer",
    "StandIn",
    "candidate_id",
    "json_response",
    "queued",
    "shared_cache",
    "stand_in",
]
