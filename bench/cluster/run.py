"""The multi-process run that stands in for several machines (docs/deploy.md).

Usage: `.venv/bin/python -m bench.cluster.run [--candidates 200] [--integrations 20]
[--broker redis|rabbitmq]`

One PostgreSQL (a throwaway database), one broker (a private redis-server, or a private RabbitMQ
node with `--broker rabbitmq`; a private Redis is the cache either way), two gunicorn web servers,
three Celery workers with distinct node names (-n), one scheduler, and a stand-in Workable
(`bench.delivery.standin`, enforcing Workable's per-token limit, time-compressed to 10 requests per
second), all on 127.0.0.1. Each "host" is a process group of its own.

The load: `--candidates` invitations through the Workable API, spread over `--integrations`
integrations and both web servers, then a completed result for each through the engine API, the
same way. While the completions arrive, one worker host is killed (SIGKILL to its main process and
its pool processes at once) and the scheduler is restarted (the new one starts a few seconds
before the old one stops, as in a rolling deploy). Then the run waits until every
delivery is done and checks, at the stand-in, that every candidate's completed status and timeline
note arrived exactly once; a second arrival is allowed only for a delivery whose attempt was cut
off by the kill (the documented crash window: sent, then lost before it was recorded).

It stops by itself (every wait is bounded), leaves nothing behind, and exits non-zero when a
check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from bench.common import PROJECT, scratch_directory, setup_django, throwaway_database
from bench.common import verdict as check
from bench.delivery.platform import MEMBER_ID, stand_in, wait_for, workable_settings

VENV_BIN = Path(sys.executable).parent
RATE_LIMIT = 10
RATE_WINDOW = 1.0
# Shaped like production, time-compressed as in the end-to-end tests (docs/deliveries.md).
PLATFORM_SETTINGS = {
    "WORKABLE_RATE_LIMIT_REQUESTS": str(RATE_LIMIT),
    "WORKABLE_RATE_LIMIT_WINDOW_SECONDS": str(RATE_WINDOW),
    "WORKABLE_RATE_LIMIT_MARGIN_SECONDS": "0.5",
    "DELIVERY_RETRY_SCHEDULE": "0.5,1,2,4,8,16",
    "DELIVERY_LEASE_SECONDS": "10",
    "DELIVERY_SWEEP_SECONDS": "1",
    "DELIVERY_REQUEUE_AFTER_SECONDS": "5",
    "INVITATION_SWEEP_SECONDS": "2",
    "INVITATION_SWEEP_GRACE_SECONDS": "5",
    "CELERY_VISIBILITY_TIMEOUT": "30",
    "INBOUND_RATE_LIMIT": "100000/60",
    "ENGINE_RATE_LIMIT": "100000/60",
    "LOG_LEVEL": "INFO",
}
COMPLETED_RESULT = {
    "score": 82,
    "recommendation": "great_fit",
    "competency_scores": {"Conscientiousness": 88},
    "summary": "Great fit.",
    "duration": "00:41:17",
}


class Host:
    """One process standing in for a machine: its own session, its output in a file."""

    def __init__(self, name: str, arguments: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.arguments = arguments
        self.env = env
        self.log = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.arguments,
                cwd=PROJECT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """The machine dies: its main process and every process under it, at once."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to the main process (a worker stops its own pool), then SIGKILL the rest."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def web_host(name: str, port: int, env: dict[str, str], logs: Path) -> Host:
    return Host(
        name,
        [
            str(VENV_BIN / "gunicorn"),
            "harver_integration.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            # Each server its own control socket: the default one is per user, not per server.
            "--control-socket",
            str(logs / f"{name}.ctl"),
        ],
        env,
        logs,
    )


def worker_host(name: str, env: dict[str, str], logs: Path) -> Host:
    return Host(
        name,
        [
            str(VENV_BIN / "celery"),
            "--app",
            "harver_integration",
            "worker",
            "--hostname",
            f"{name}@127.0.0.1",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
        ],
        env,
        logs,
    )


def scheduler_host(name: str, env: dict[str, str], logs: Path) -> Host:
    return Host(
        name,
        [
            str(VENV_BIN / "celery"),
            "--app",
            "harver_integration",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(logs / "beat-schedule"),
        ],
        env,
        logs,
    )


def answers(url: str) -> bool:
    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2):  # noqa: S310
        return True
    return False


@contextlib.contextmanager
def broker(kind: str, directory: Path) -> Iterator[str | None]:
    """The RabbitMQ node's URL with `--broker rabbitmq`; None means Redis is the broker."""
    if kind == "redis":
        yield None
        return
    from tests.processes import RabbitServer

    node = RabbitServer(directory)
    node.start()
    try:
        yield node.url
    finally:
        node.stop()


def integrations_with_tokens(count: int) -> list[dict[str, Any]]:
    """Enabled integrations, each with its own Workable token, inbound token and engine key."""
    from django.utils import timezone

    from assessments.reports import ReportType
    from engine import keys
    from integrations import services
    from tests.factories import AccountFactory, AssessmentFactory, ready_integration

    made = []
    for number in range(count):
        account = AccountFactory.create(name=f"Cluster tenant {number:02d}")
        assessment = AssessmentFactory.create(account=account, name="Store Associate")
        integration = ready_integration(account)
        services.set_ats_credentials(
            integration,
            subdomain=f"tenant{number:02d}",
            token=f"wk-cluster-token-{number:02d}-0123456789",
            expires_on=timezone.localdate() + datetime.timedelta(days=90),
            note_author_member_id=MEMBER_ID,
        )
        services.configure_reports(
            integration,
            enabled=[ReportType.READONLY_CANDIDATE_DETAILS_PAGE],
            results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
        )
        inbound_token = services.rotate_inbound_token(integration)
        outcome = services.enable_integration(integration)
        if not outcome.enabled:
            raise RuntimeError(f"integration {number} not enabled: {outcome.problems}")
        made.append(
            {
                "test_id": str(assessment.pk),
                "inbound_token": inbound_token,
                "engine_key": keys.issue_key(account, name="cluster bench").key,
            }
        )
    return made


def post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    for _ in range(5):
        response = requests.post(
            url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        if response.status_code in (200, 201):
            return dict(response.json())
        time.sleep(0.5)
    raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--integrations", type=int, default=20)
    parser.add_argument("--broker", choices=["redis", "rabbitmq"], default="redis")
    parser.add_argument("--database", default="harver_bench_cluster")
    arguments = parser.parse_args()

    from tests.processes import free_port, platform_env, redis_server

    standin_port = free_port()
    hosts: list[Host] = []
    with (
        scratch_directory("bench-cluster-") as var_dir,
        throwaway_database(arguments.database) as database_url,
        redis_server(var_dir) as redis,
        broker(arguments.broker, var_dir) as broker_url,
        stand_in(standin_port, "--limit", str(RATE_LIMIT), "--window", str(RATE_WINDOW)) as ats,
    ):
        overrides = {
            "REDIS_URL": redis.url,
            "CELERY_BROKER_URL": broker_url or redis.url,
            **workable_settings(standin_port),
            **PLATFORM_SETTINGS,
        }
        setup_django(database_url, var_dir, **overrides)
        tenants = integrations_with_tokens(arguments.integrations)
        env = platform_env(var_dir, **overrides)
        env["PUBLIC_BASE_URL"] = "http://127.0.0.1"
        ports = [free_port(), free_port()]
        webs = [web_host(f"web{n + 1}", port, env, var_dir) for n, port in enumerate(ports)]
        workers = [worker_host(f"worker{n + 1}", env, var_dir) for n in range(3)]
        scheduler = scheduler_host("scheduler-1", env, var_dir)
        hosts = [*webs, *workers, scheduler]
        try:
            return run(arguments, tenants, ports, webs, workers, scheduler, hosts, ats, var_dir)
        finally:
            for host in hosts:
                host.stop()


def run(
    arguments: argparse.Namespace,
    tenants: list[dict[str, Any]],
    ports: list[int],
    webs: list[Host],
    workers: list[Host],
    scheduler: Host,
    hosts: list[Host],
    ats: Any,
    var_dir: Path,
) -> int:
    from django.db.models import Count

    from integrations.models import Delivery, DeliveryAttempt

    for host in hosts:
        host.start()
    if not wait_for(lambda: all(answers(f"http://127.0.0.1:{p}/healthz") for p in ports), 60):
        raise RuntimeError("the web servers did not start")
    if not wait_for(lambda: all(" ready." in worker.text() for worker in workers), 120):
        raise RuntimeError("the workers did not start")
    started = time.monotonic()

    # --- invitations through both web servers -------------------------------------------------
    def invite(number: int) -> tuple[int, str]:
        tenant = tenants[number % len(tenants)]
        base = f"http://127.0.0.1:{ports[number % 2]}"
        body = {
            "test_id": tenant["test_id"],
            "callback_url": f"http://127.0.0.1:{ats.port}/cb/c{number}",
            "candidate": {"email": f"c{number}@example.com", "first_name": "C", "last_name": "N"},
            "job_shortcode": "CLUSTER1",
        }
        answer = post(f"{base}/api/workable/assessments", tenant["inbound_token"], body)
        return number, str(answer["assessment_id"])

    with ThreadPoolExecutor(8) as pool:
        invited = dict(pool.map(invite, range(arguments.candidates)))
    invitations_done = time.monotonic()

    # --- completions through both web servers; a worker host dies, the scheduler restarts ------
    events: dict[str, float] = {}

    def complete(number: int) -> None:
        tenant = tenants[number % len(tenants)]
        base = f"http://127.0.0.1:{ports[(number + 1) % 2]}"
        body = {"event_id": f"done-{number}", "type": "completed", "result": COMPLETED_RESULT}
        post(
            f"{base}/api/engine/v1/assessments/{invited[number]}/events", tenant["engine_key"], body
        )

    def disturb() -> None:
        time.sleep(3)
        events["worker2 killed"] = time.monotonic() - started
        workers[1].kill()
        time.sleep(2)
        # A new scheduler starts before the old one stops, as in a rolling deploy: for a few
        # seconds two run at once (the sweeps are idempotent).
        schedulers.append(scheduler_host("scheduler-2", scheduler.env, var_dir))
        hosts.append(schedulers[-1])
        schedulers[-1].start()
        events["scheduler-2 started"] = time.monotonic() - started
        time.sleep(4)
        scheduler.stop()
        events["scheduler-1 stopped"] = time.monotonic() - started

    schedulers = [scheduler]
    disturber = threading.Thread(target=disturb)
    disturber.start()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(complete, range(arguments.candidates)))
    completions_done = time.monotonic()
    disturber.join()

    # --- every delivery done? --------------------------------------------------------------------
    def unfinished() -> int:
        return Delivery.objects.exclude(state__in=["succeeded", "dropped"]).count()

    finished = wait_for(lambda: unfinished() == 0, timeout=600, interval=1)
    all_done = time.monotonic()
    arrivals = ats.arrivals()

    # --- what arrived at the stand-in, once each -------------------------------------------------
    accepted = [arrival for arrival in arrivals if arrival["status"] in (200, 201)]
    completed_puts = Counter(
        arrival["path"]
        for arrival in accepted
        if arrival["method"] == "PUT" and arrival["reported"] == "completed"
    )
    notes = Counter(
        arrival["path"].split("/candidates/")[1].split("/")[0]
        for arrival in accepted
        if arrival["method"] == "POST" and arrival["path"].endswith("/comments")
    )
    rejected = sum(1 for arrival in arrivals if arrival["status"] == 429)
    interrupted = set(
        DeliveryAttempt.objects.filter(outcome="interrupted").values_list(
            "delivery__candidate_assessment__email", flat=True
        )
    )
    missing = [n for n in range(arguments.candidates) if completed_puts[f"/cb/c{n}"] == 0]
    missing_notes = [n for n in range(arguments.candidates) if notes[f"cand-c{n}@example.com"] == 0]
    twice = [n for n in range(arguments.candidates) if completed_puts[f"/cb/c{n}"] > 1]
    twice_notes = [n for n in range(arguments.candidates) if notes[f"cand-c{n}@example.com"] > 1]
    unexplained = [
        n for n in sorted({*twice, *twice_notes}) if f"c{n}@example.com" not in interrupted
    ]
    per_worker = {
        worker.name: sum(
            1
            for line in worker.text().splitlines()
            if ".send_delivery[" in line and "] received" in line
        )
        for worker in workers
    }
    states = dict(
        Delivery.objects.values_list("state").annotate(count=Count("id")).order_by("state")
    )

    print(
        f"\nbench/cluster: 2 web servers, 3 workers (2 pool processes each), 1 scheduler, "
        f"broker {arguments.broker}, {arguments.integrations} integrations, "
        f"{arguments.candidates} candidates, {os.cpu_count()} CPUs\n"
    )
    print(f"  invitations         : {invitations_done - started:6.1f} s through the Workable API")
    print(
        f"  completions         : {completions_done - invitations_done:6.1f} s "
        "through the engine API"
    )
    for name, moment in events.items():
        print(f"  {name:<20}: at {moment:5.1f} s")
    print(f"  all delivered       : {all_done - started:6.1f} s after the first invitation")
    print(f"  deliveries          : {states}")
    print(f"  requests            : {len(arrivals)} at the stand-in, {rejected} answered 429")
    print(f"  send tasks          : {dict(per_worker)} (received per worker)")
    print(
        f"  completed PUTs      : {sum(completed_puts.values())}, notes {sum(notes.values())}; "
        f"twice: {len(twice)} PUTs, {len(twice_notes)} notes, "
        f"{len(interrupted)} deliveries cut off by the kill\n"
    )
    results = [
        check("finished", finished, f"{unfinished()} deliveries not done"),
        check("nothing missing", not missing and not missing_notes, f"{missing} {missing_notes}"),
        check(
            "exactly once",
            not unexplained,
            f"{len(unexplained)} duplicates outside the crash window: {unexplained[:10]}",
        ),
        check("rate limit", rejected == 0, f"{rejected} requests answered 429"),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
