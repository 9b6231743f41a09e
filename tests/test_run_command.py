"""The README's run command: web, worker and scheduler come up together, quietly, on WEB_PORT,
and stop together, cleanly, on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SMOKE_DATABASE = "harver_run_smoke"
# What a quiet first run must not print: log lines at WARNING and above, Python warnings
# (SecurityWarning, CDeprecationWarning, ...), tracebacks.
NOISE = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Warning\b|Traceback")
QUIET_SECONDS = 60
# Ctrl-C to the last process gone: a worker's warm shutdown takes a few seconds by itself.
STOP_SECONDS = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_ready(url: str, process: subprocess.Popen[str], timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "bin/run exited early"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                return dict(json.load(response))
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")


# Settings of this test process (tests/settings.py sets some) that bin/run must choose itself.
PLATFORM_SETTINGS = {
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "HTTPS_ONLY",
    "PUBLIC_BASE_URL",
}


def platform_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in PLATFORM_SETTINGS}
    env.update(
        ENV_FILE=str(tmp_path / ".env"),
        VAR_DIR=str(tmp_path / "var"),
        WEB_PORT=str(free_port()),
        **extra,
    )
    return env


@dataclass
class Output:
    """bin/run's output, each line with the moment it arrived."""

    started: float = field(default_factory=time.monotonic)
    lines: list[tuple[float, str]] = field(default_factory=list)

    def read(self, stream: IO[str]) -> None:
        for line in iter(stream.readline, ""):
            self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def within(self, seconds: float) -> list[str]:
        return [line for moment, line in self.lines if moment <= seconds]


def run_platform(env: dict[str, str], *, quiet_for: float = 0) -> Output:
    """Start bin/run, check it serves, then Ctrl-C it; with `quiet_for`, wait that long first."""
    port = env["WEB_PORT"]
    output = Output()
    process = subprocess.Popen(
        ["bin/run"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    reader = threading.Thread(target=output.read, args=(process.stdout,), daemon=True)
    reader.start()
    try:
        # when the platform is up
        readiness = wait_for_ready(f"http://127.0.0.1:{port}/readyz", process, 180)
        assert readiness == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/admin/css/base.css", timeout=5
        ) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert 'href="/admin/"' in response.read().decode()
        # and the sandbox ATS is served, behind the admin's sign-in
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sandbox/", timeout=5) as response:
            assert "/admin/login/?next=/sandbox/" in response.geturl()
        # then a worker answers on the broker (it may still be starting)
        replies = ""
        for _ in range(6):
            ping = subprocess.run(
                [".venv/bin/celery", "--app", "harver_integration", "inspect", "ping", "-t", "5"],
                cwd=PROJECT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            replies = ping.stdout + ping.stderr
            if "pong" in replies:
                break
        assert "pong" in replies, replies
        time.sleep(max(0.0, quiet_for - (time.monotonic() - output.started)))
    finally:
        # and Ctrl-C stops every process
        interrupted = time.monotonic()
        if process.poll() is None:  # a run that ended by itself leaves the failure above to show
            os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        stopped_after = time.monotonic() - interrupted
        reader.join(timeout=5)
    text = output.text()
    assert process.returncode == 0, text[-3000:]
    assert stopped_after <= STOP_SECONDS, f"stopped {stopped_after:.1f} s after Ctrl-C"
    assert "SIGKILL" not in text
    assert f"Start page:   http://127.0.0.1:{port}/" in text
    assert f"Admin:        http://127.0.0.1:{port}/admin/" in text
    assert f"Listening at: http://127.0.0.1:{port} " in text
    assert "Login:        admin / " in text
    assert (
        f"Sandbox:      http://127.0.0.1:{port}/sandbox/workable/accounts/demo/ (Workable" in text
    )
    for name in ("web", "worker", "scheduler"):
        assert re.search(rf"\| {name} started \(pid=\d+\)", text)
        assert f"| {name} stopped (rc=0)" in text
    leftover = subprocess.run(
        ["pgrep", "-f", f"--bind 127.0.0.1:{port}"], capture_output=True, check=False
    )
    assert leftover.stdout == b""
    return output


def test_it_runs_web_worker_and_scheduler_on_the_embedded_default(tmp_path):
    env = platform_environment(tmp_path)

    output = run_platform(env, quiet_for=QUIET_SECONDS)

    noise = [line for line in output.within(QUIET_SECONDS) if NOISE.search(line)]
    assert noise == [], "\n".join(noise)
    assert "AXES: BEGIN" not in output.text()  # no library's start-up banner in every process
    assert (tmp_path / "var" / "db.sqlite3").is_file()
    assert (tmp_path / "var" / "broker" / "queue").is_dir()
    written = (tmp_path / ".env").read_text()
    assert f"PUBLIC_BASE_URL=http://127.0.0.1:{env['WEB_PORT']}\n" in written
    assert "SANDBOX_ENABLED=true\n" in written


@pytest.mark.postgres
@pytest.mark.redis
def test_it_runs_on_postgresql_and_redis_when_configured(tmp_path):
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-c",
            f"DROP DATABASE IF EXISTS {SMOKE_DATABASE}",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {SMOKE_DATABASE}"],
        check=True,
        capture_output=True,
    )
    env = platform_environment(
        tmp_path,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{SMOKE_DATABASE}",
        REDIS_URL=os.environ["REDIS_URL"],
    )
    # given a .env that bin/run wrote for another port
    (tmp_path / ".env").write_text(
        "DEBUG=false\n"
        f"SECRET_KEY={'k' * 50}\n"
        "FIELD_ENCRYPTION_KEYS=Q2VyY2xlLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY=\n"
        "HTTPS_ONLY=false\n"
        "PUBLIC_BASE_URL=http://127.0.0.1:1\n"
    )

    run_platform(env)

    # then every link follows WEB_PORT, and so does the .env
    written = (tmp_path / ".env").read_text()
    assert f"PUBLIC_BASE_URL=http://127.0.0.1:{env['WEB_PORT']}\n" in written
    assert "SANDBOX_ENABLED=true\n" in written

    assert not (tmp_path / "var" / "db.sqlite3").exists()
    assert not (tmp_path / "var" / "broker").exists()
