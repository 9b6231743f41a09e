"""The README's run command: web, worker and scheduler come up together and stop together."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SMOKE_DATABASE = "harver_run_smoke"


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


def platform_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        ENV_FILE=str(tmp_path / ".env"),
        VAR_DIR=str(tmp_path / "var"),
        WEB_PORT=str(free_port()),
        **extra,
    )
    return env


def run_platform(env: dict[str, str]) -> None:
    process = subprocess.Popen(
        ["bin/run"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        # when the platform is up
        readiness = wait_for_ready(f"http://127.0.0.1:{env['WEB_PORT']}/readyz", process, 180)
        assert readiness == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
        with urllib.request.urlopen(
            f"http://127.0.0.1:{env['WEB_PORT']}/static/admin/css/base.css", timeout=5
        ) as response:
            assert response.status == 200
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
    finally:
        # and Ctrl-C stops every process
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert "Login:        admin / " in output
    for name in ("web.1", "worker.1", "scheduler.1"):
        assert f"{name} started" in output
        assert f"{name} stopped" in output
    leftover = subprocess.run(
        ["pgrep", "-f", f"--bind 127.0.0.1:{env['WEB_PORT']}"], capture_output=True, check=False
    )
    assert leftover.stdout == b""


def test_it_runs_web_worker_and_scheduler_on_the_embedded_default(tmp_path):
    env = platform_environment(tmp_path)

    run_platform(env)

    assert (tmp_path / "var" / "db.sqlite3").is_file()
    assert (tmp_path / "var" / "broker" / "queue").is_dir()


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

    run_platform(env)

    assert not (tmp_path / "var" / "db.sqlite3").exists()
    assert not (tmp_path / "var" / "broker").exists()
