"""Real processes for end-to-end tests: gunicorn, Celery workers, a private redis-server, a
private RabbitMQ node.

Each runs against the pytest test database, on 127.0.0.1 only, and is stopped by the context
manager that started it, so a failing test leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: object, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(interval)
    return False


def platform_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """Production settings pointed at the test database and a private var/ directory."""
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        database_url = (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    else:
        database_url = f"sqlite:///{database['NAME']}"
    env = {
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/root"),
        "DJANGO_SETTINGS_MODULE": "harver_integration.settings",
        "ENV_FILE": "/nonexistent/.env",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "REPORT_LINK_SECRET": settings.REPORT_LINK_SECRET,
        "HTTPS_ONLY": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
        "EMAIL_URL": "filemail://",
        "EMAIL_FILE_PATH": str(var_dir / "mail"),
        "LOG_LEVEL": "INFO",
    }
    env.update(overrides)
    return env


def manage(env: dict[str, str], *arguments: str) -> str:
    """`manage.py` run as a separate process with `env`; its stdout (it must succeed). Its log
    (standard error) is kept in `VAR_DIR/manage.log`."""
    done = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *arguments],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    log_path = Path(env["VAR_DIR"]) / "manage.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a") as log:
        log.write(done.stderr)
    done.check_returncode()
    return done.stdout


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    workers: int = 2,
    threads: int = 1,
    project: Path = PROJECT,
    port: int | None = None,
    log_path: Path | None = None,
) -> Iterator[str]:
    """A gunicorn serving the platform (this checkout's code, or `project`'s) on `port` (or a
    free one); yields its base URL once /healthz answers. Its log goes to `log_path`, by default
    a file in its VAR_DIR, as every process's here does (`tests.e2e.process_logs` reads them)."""
    port = port or free_port()
    log_path = log_path or Path(env["VAR_DIR"]) / f"gunicorn-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("ab")
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "harver_integration.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1):  # noqa: S310
                return True
        except OSError:
            return False

    try:
        if not wait_until(answers, timeout=30):
            raise RuntimeError("gunicorn did not start")
        yield base_url
    finally:
        _stop(process)
        log.close()


@contextlib.contextmanager
def celery_worker(
    env: dict[str, str], *, concurrency: int = 2, beat: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    arguments = [
        str(VENV_BIN / "celery"),
        "--app",
        "harver_integration",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
    ]
    if beat:
        arguments += ["--beat", "--schedule", str(Path(env["VAR_DIR"]) / "beat-schedule")]
    log_path = Path(env["VAR_DIR"]) / f"worker-{free_port()}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            arguments,
            cwd=PROJECT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            _stop(process)


class RedisServer:
    """A private, non-persistent redis-server that a test may stop and start again."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        executable = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if not wait_until(self._answers, timeout=10):
            raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False


RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
RABBITMQ_CTL = Path("/usr/lib/rabbitmq/bin/rabbitmqctl")


def rabbitmq_available() -> bool:
    return RABBITMQ_SERVER.is_file() and RABBITMQ_CTL.is_file()


class RabbitServer:
    """A private RabbitMQ node on free ports, with its own data under `directory`, that a test
    may stop and start again (its durable queues survive that, as on a real restart).

    It shares nothing with the machine's own node but epmd, the name registry of every Erlang
    node on the machine (its node name is unique), so tests never disturb another run's broker.
    """

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.distribution_port = free_port()
        self.node = f"harver-test-{self.port}@localhost"
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None
        (directory / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\nloopback_users = none\n"
        )
        (directory / "enabled_plugins").write_text("[].\n")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _env(self) -> dict[str, str]:
        directory = self.directory
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            # Erlang keeps the node's cookie in $HOME; this node's stays with its data.
            "HOME": str(directory),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.distribution_port),
            "RABBITMQ_CONFIG_FILE": str(directory / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(directory / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(directory / "log"),
            "RABBITMQ_PID_FILE": str(directory / "rabbitmq.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def start(self, timeout: float = 120) -> None:
        log = (self.directory / "server.log").open("ab")
        self.process = subprocess.Popen(
            [str(RABBITMQ_SERVER)],
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_until(self._answers, timeout=timeout, interval=0.25):
            raise RuntimeError("rabbitmq-server did not start")

    def ctl(self, *arguments: str) -> str:
        done = subprocess.run(
            [str(RABBITMQ_CTL), "-n", self.node, *arguments],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    def stop(self) -> None:
        if self.process is not None:
            # The node stops cleanly on SIGTERM, writing its queues to disk.
            _stop(self.process, timeout=60)
            self.process = None

    def _answers(self) -> bool:
        """The AMQP listener takes connections (it opens last, once the node has booted)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe:
                probe.sendall(b"AMQP\x00\x00\x09\x01")
                return probe.recv(1) == b"\x01"  # a Connection.Start frame
        except OSError:
            return False


@contextlib.contextmanager
def redis_server(directory: Path, *, started: bool = True) -> Iterator[RedisServer]:
    server = RedisServer(directory)
    if started:
        server.start()
    try:
        yield server
    finally:
        server.stop()


def _stop(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM to the main process only (a Celery worker must stop its own pool processes: one
    killed under it may hold the pool's queue lock), then SIGKILL to what is left of its group."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)
