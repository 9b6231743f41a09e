"""Inbound benchmark: `POST /api/workable/assessments` against the token check, in the same run.

Usage: `.venv/bin/python -m bench.inbound.run [--seconds 10] [--rounds 3] [--connections 16]
[--against DIR ...]`

Builds the production setup on this machine (gunicorn as in the Procfile, PostgreSQL in a throwaway
database, a private redis-server for cache, throttle and broker), creates an enabled integration
and its token, warms up, then loads both endpoints with wrk, alternating them round by round so
that drift on a noisy machine hits both. The baseline, `GET /api/workable/connection`, goes through
the same authentication, permission and throttle as the write path, so the ratio isolates what an
invitation costs: validate, insert its rows, publish after commit. Prints medians and ratios and
exits non-zero when a target is missed.

`--against DIR` serves another checkout's code too (a `git worktree` of an older commit, or a
variant), from a second gunicorn on the same database and Redis: each round loads both servers,
in alternating order, so that the comparison is side by side in one run. The targets apply to
this checkout.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    median,
    scratch_directory,
    setup_django,
    table,
    throwaway_database,
    verdict,
)
from bench.common import wrk as common_wrk

SCRIPT = Path(__file__).with_name("requests.lua")
TARGET_RATIO = 0.30
TARGET_TAIL = 3.0
MODES = ("invite", "connection")


@dataclass(frozen=True)
class Run:
    server: str
    mode: str
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


def wrk(
    server: tuple[str, str], mode: str, token: str, test_id: str, seconds: int, connections: int
) -> Run:
    label, base_url = server
    load = common_wrk(
        base_url, SCRIPT, [mode, token, test_id], seconds=seconds, connections=connections
    )
    return Run(
        server=label,
        mode=mode,
        rps=load.rps,
        p50_ms=load.p50_ms,
        p95_ms=load.p95_ms,
        p99_ms=load.p99_ms,
        errors=load.errors,
    )


def prepare() -> tuple[str, str]:
    """An enabled Workable integration offering one assessment: its token and the test id."""
    from tests.factories import AccountFactory, AssessmentFactory
    from tests.workable.conftest import enabled_integration_with_token

    account = AccountFactory.create(name="Bench Retail")
    assessment = AssessmentFactory.create(account=account, name="Store Associate")
    _, token = enabled_integration_with_token(account)
    return token, str(assessment.pk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each endpoint, alternated")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.environ.get("WEB_WORKERS", "2"))
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--database", default="harver_bench")
    parser.add_argument(
        "--against",
        type=Path,
        action="append",
        default=[],
        help="another checkout to serve and load in the same rounds (repeatable)",
    )
    arguments = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    others = [directory.resolve() for directory in arguments.against]
    for directory in others:
        if not (directory / "harver_integration" / "wsgi.py").is_file():
            print(f"--against {directory}: not a checkout of this project", file=sys.stderr)
            return 2

    with (
        scratch_directory("bench-inbound-") as var_dir,
        throwaway_database(arguments.database) as database_url,
    ):
        from tests.processes import redis_server

        with redis_server(var_dir) as redis:
            # Both endpoints pass the throttle; its limit is lifted so that neither is refused.
            overrides = {"REDIS_URL": redis.url, "INBOUND_RATE_LIMIT": "100000000/60"}
            setup_django(database_url, var_dir, **overrides)
            from tests.processes import PROJECT, gunicorn, platform_env

            token, test_id = prepare()
            env = platform_env(
                var_dir,
                **overrides,
                # As the Procfile runs it: with the access log.
                GUNICORN_CMD_ARGS="--access-logfile -",
            )
            with contextlib.ExitStack() as servers_running:
                servers: list[tuple[str, str]] = []
                for project in [PROJECT, *others]:
                    base_url = servers_running.enter_context(
                        gunicorn(
                            {**env, "PYTHONPATH": str(project)},
                            workers=arguments.workers,
                            threads=arguments.threads,
                            project=project,
                        )
                    )
                    servers.append((describe(project), base_url))
                for server in servers:  # load the code paths and open the connections
                    for mode in MODES:
                        wrk(server, mode, token, test_id, 3, arguments.connections)
                runs: list[Run] = []
                for round_number in range(arguments.rounds):
                    forward = round_number % 2 == 0
                    for server in servers if forward else servers[::-1]:
                        for mode in MODES if forward else MODES[::-1]:
                            runs.append(
                                wrk(
                                    server,
                                    mode,
                                    token,
                                    test_id,
                                    arguments.seconds,
                                    arguments.connections,
                                )
                            )
            from assessments.models import CandidateAssessment

            invitations = CandidateAssessment.objects.count()
    print(
        f"\nbench/inbound: {arguments.connections} connections, {arguments.rounds} x "
        f"{arguments.seconds} s per endpoint, gunicorn {arguments.workers} workers x "
        f"{arguments.threads} threads, {os.cpu_count()} CPUs; {invitations} invitations stored"
    )
    labels = [label for label, _ in servers]
    results = {label: report([run for run in runs if run.server == label]) for label in labels}
    if len(labels) > 1:
        compare(runs, labels)
    return results[labels[0]]


def describe(project: Path) -> str:
    """The checkout's directory and commit (with `+` when it has uncommitted changes)."""
    commit = subprocess.run(
        ["git", "-C", str(project), "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(project), "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{project} @ {commit or '?'}{'+' if dirty else ''}"


def round_ratios(runs: list[Run]) -> list[float]:
    invites = [run for run in runs if run.mode == "invite"]
    connections = [run for run in runs if run.mode == "connection"]
    return [
        invite.rps / connection.rps for invite, connection in zip(invites, connections, strict=True)
    ]


def compare(runs: list[Run], labels: list[str]) -> None:
    """The servers side by side: each one's medians, and its invite rate against the first's."""
    first = [run.rps for run in runs if run.server == labels[0] and run.mode == "invite"]
    rows = []
    for label in labels:
        mine = [run for run in runs if run.server == label]
        invites = [run.rps for run in mine if run.mode == "invite"]
        rows.append(
            (
                label,
                f"{median(invites):.0f}",
                f"{median([run.rps for run in mine if run.mode == 'connection']):.0f}",
                f"{median(round_ratios(mine)):.3f}",
                f"{median([a / b for a, b in zip(invites, first, strict=True)]):.3f}",
            )
        )
    print("\nside by side (medians over the rounds; invite rate against the first server's)")
    print(table(rows, ("server", "invite req/s", "token check req/s", "ratio", "invite vs first")))


def report(runs: list[Run]) -> int:
    print(f"\n{runs[0].server}\n")
    rows = [
        (
            run.mode,
            f"{run.rps:.0f}",
            f"{run.p50_ms:.1f}",
            f"{run.p95_ms:.1f}",
            f"{run.p99_ms:.1f}",
            run.errors,
        )
        for run in runs
    ]
    print(table(rows, ("endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors")))
    by_mode = {mode: [run for run in runs if run.mode == mode] for mode in MODES}
    medians = {
        mode: {
            field: median([getattr(run, field) for run in mode_runs])
            for field in ("rps", "p50_ms", "p95_ms", "p99_ms")
        }
        for mode, mode_runs in by_mode.items()
    }
    print("\nmedians")
    print(
        table(
            [
                (
                    label,
                    f"{figures['rps']:.0f}",
                    f"{figures['p50_ms']:.1f}",
                    f"{figures['p95_ms']:.1f}",
                    f"{figures['p99_ms']:.1f}",
                )
                for label, figures in (
                    ("POST /api/workable/assessments", medians["invite"]),
                    ("GET /api/workable/connection", medians["connection"]),
                )
            ],
            ("endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms"),
        )
    )
    ratios = round_ratios(runs)
    ratio = median(ratios)
    tail = medians["invite"]["p99_ms"] / medians["invite"]["p50_ms"]
    errors = sum(run.errors for run in runs)
    print(f"\nper-round throughput ratios: {', '.join(f'{value:.2f}' for value in ratios)}\n")
    results = [
        verdict(
            "throughput",
            ratio >= TARGET_RATIO,
            f"invite / token check = {ratio:.3f}x (target >= {TARGET_RATIO:.2f}x)",
        ),
        verdict(
            "tail latency",
            tail <= TARGET_TAIL,
            f"invite p99 / p50 = {tail:.2f}x (target <= {TARGET_TAIL:.1f}x)",
        ),
        verdict("errors", errors == 0, f"{errors} non-2xx or socket errors (target 0)"),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
