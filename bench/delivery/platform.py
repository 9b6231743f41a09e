"""The delivery benchmarks' world: tenants on a stand-in Workable, candidates, Celery workers.

Shared by `bench.delivery.run`, `bench.delivery.soak`, `bench.workers` and `bench.tenants`.
Everything runs the production settings on a throwaway PostgreSQL database and a private
redis-server; only Workable's addresses (the stand-in on 127.0.0.1) and, per run, its rate limit
differ.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import PROJECT

RESULT_SCORE = 82
MEMBER_ID = "3f9a"


@dataclass(frozen=True)
class Tenant:
    integration_id: int
    assessment_id: int
    subdomain: str
    token: str


class StandInProcess:
    """`bench.delivery.standin` in a subprocess; its arrivals are read over HTTP."""

    def __init__(self, port: int, process: subprocess.Popen[bytes]) -> None:
        self.port = port
        self.process = process

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arrivals(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base}/__bench/arrivals", timeout=30) as answer:  # noqa: S310
            return list(json.load(answer))

    def reset(self) -> None:
        self.post("/__bench/reset", {})

    def post(self, path: str, body: Any, timeout: float = 10) -> Any:
        """A control request (`/__bench/...`) with a JSON body; its JSON answer."""
        request = urllib.request.Request(  # noqa: S310
            f"{self.base}{path}", data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return json.load(answer)


@contextlib.contextmanager
def stand_in(
    port: int, *options: str, module: str = "bench.delivery.standin"
) -> Iterator[StandInProcess]:
    """The stand-in `module` (Workable's unless told) serving on `port` in its own process."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), *options],
        cwd=PROJECT,
    )
    stand = StandInProcess(port, process)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                stand.arrivals()
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"the stand-in {module} did not start")
        yield stand
    finally:
        process.terminate()
        process.wait(timeout=10)


def workable_settings(port: int) -> dict[str, str]:
    """Workable's addresses pointed at the stand-in (the sandbox settings allow http there)."""
    return {
        "WORKABLE_API_BASE_URL": f"http://127.0.0.1:{port}/{{subdomain}}/spi/v3",
        "WORKABLE_CALLBACK_ALLOWED_HOSTS": f"127.0.0.1:{port}",
        "WORKABLE_CALLBACK_ALLOW_INSECURE": "true",
    }


@dataclass(frozen=True)
class World:
    """What `world` set up: the scratch folder, the stand-in's port, the settings the platform
    runs with, and the tenants."""

    var_dir: Path
    port: int
    overrides: dict[str, str]
    tenants: list[Tenant]

    def env(self, **settings: str) -> dict[str, str]:
        """A worker's environment: the world's settings, `settings` over them."""
        from tests.processes import platform_env

        return platform_env(self.var_dir, **{**self.overrides, **settings})

    def unlimited(self) -> dict[str, str]:
        """A worker's environment with Workable's rate limit out of the way."""
        return self.env(WORKABLE_RATE_LIMIT_REQUESTS="1000000000")


@contextlib.contextmanager
def world(prefix: str, database: str, tenants: int, **settings: str) -> Iterator[World]:
    """A scratch folder, a throwaway database and a private redis-server, Django set up against
    them, a stand-in Workable's addresses on a free port and `settings`, and `tenants` tenants;
    all removed afterwards."""
    from bench.common import scratch_directory, setup_django, throwaway_database
    from tests.processes import free_port, redis_server

    port = free_port()
    with (
        scratch_directory(prefix) as var_dir,
        throwaway_database(database) as database_url,
        redis_server(var_dir) as redis,
    ):
        overrides = {"REDIS_URL": redis.url, **workable_settings(port), **settings}
        setup_django(database_url, var_dir, **overrides)
        yield World(var_dir, port, overrides, create_tenants(tenants))


def create_tenants(count: int) -> list[Tenant]:
    """Enabled Workable integrations, each with its own token and note author, one test each."""
    from django.utils import timezone

    from assessments.reports import ReportType
    from integrations import services
    from tests.factories import AccountFactory, AssessmentFactory, ready_integration

    tenants = []
    for number in range(count):
        account = AccountFactory.create(name=f"Tenant {number:02d}")
        assessment = AssessmentFactory.create(account=account, name="Store Associate")
        integration = ready_integration(account)
        token = f"wk-bench-token-{number:02d}-0123456789"
        services.set_ats_credentials(
            integration,
            subdomain=f"tenant{number:02d}",
            token=token,
            expires_on=timezone.localdate() + datetime.timedelta(days=90),
            note_author_member_id=MEMBER_ID,
        )
        services.configure_reports(
            integration,
            enabled=[ReportType.READONLY_CANDIDATE_DETAILS_PAGE],
            results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
        )
        outcome = services.enable_integration(integration)
        if not outcome.enabled:
            raise RuntimeError(f"tenant {number} not enabled: {outcome.problems}")
        tenants.append(Tenant(integration.pk, assessment.pk, f"tenant{number:02d}", token))
    return tenants


def invite(tenants: list[Tenant], count: int, port: int, label: str) -> list[int]:
    """`count` invitations spread over the tenants; returns the candidate assessment ids."""
    from assessments.models import Assessment
    from integrations import inbound
    from integrations.models import Integration
    from workable.invitations import invitation_refs

    integrations = {
        tenant.integration_id: Integration.objects.get(pk=tenant.integration_id)
        for tenant in tenants
    }
    assessments = {
        tenant.assessment_id: Assessment.objects.get(pk=tenant.assessment_id) for tenant in tenants
    }
    ids = []
    for number in range(count):
        tenant = tenants[number % len(tenants)]
        outcome = inbound.invite(
            integrations[tenant.integration_id],
            inbound.InvitationRequest(
                assessment=assessments[tenant.assessment_id],
                email=f"{label}-{number}@example.com",
                refs=invitation_refs(
                    callback_url=f"http://127.0.0.1:{port}/cb/{label}-{number}",
                    job_shortcode="BENCH1",
                ),
            ),
        )
        ids.append(outcome.candidate_assessment.pk)
    return ids


def complete(candidate_assessment_id: int) -> float:
    """Record a completed result; returns when its transaction committed (time.time())."""
    from django.db import transaction

    from assessments import lifecycle

    committed: list[float] = []
    result = lifecycle.Result(
        score=RESULT_SCORE,
        recommendation="great_fit",
        competency_scores={"Conscientiousness": 88},
        summary="Great fit.",
        duration=datetime.timedelta(minutes=41),
    )
    with transaction.atomic():
        # Registered first, so it runs at the commit, before the tasks are published.
        transaction.on_commit(lambda: committed.append(time.time()))
        lifecycle.record_status(
            candidate_assessment_id, "completed", source="engine", result=result
        )
    return committed[0]


def wait_for(condition: Any, timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def unfinished_work() -> int:
    """Deliveries not yet succeeded, and invitation emails not yet sent (the same workers)."""
    from assessments.models import CandidateAssessment
    from integrations.models import Delivery

    return (
        Delivery.objects.exclude(state__in=["succeeded", "dropped"]).count()
        + CandidateAssessment.objects.filter(invitation_sent_at__isnull=True).count()
    )


def worker_rss_kib(worker: subprocess.Popen[bytes]) -> int:
    """Resident memory of a worker: its main process and every pool process under it."""
    pids = [worker.pid, *_descendants(worker.pid)]
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found
