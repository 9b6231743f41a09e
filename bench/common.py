"""What every benchmark shares: a throwaway PostgreSQL database, production settings, figures.

The benchmarks are not tests: they measure on the machine they run on and compare each figure with
a baseline measured in the same run, because these machines are too noisy for absolute targets.
They run the platform exactly as production does (DEBUG off, PostgreSQL, Redis), reusing the
process helpers of the end-to-end tests, and leave nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

PROJECT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")

if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))


@contextlib.contextmanager
def throwaway_database(name: str, template: str = "") -> Iterator[str]:
    """Create the database `name` (dropping a leftover one first), yield its URL, drop it.

    With `template`, the new database starts as a copy of that one (which nobody may be
    connected to meanwhile).
    """
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create = sql.SQL("{} TEMPLATE {}").format(create, sql.Identifier(template))
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(create)
    try:
        yield f"{POSTGRES_URL}/{name}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def scratch_directory(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
        yield Path(directory)


def setup_django(database_url: str, var_dir: Path, **overrides: str) -> None:
    """Load the production settings (DEBUG off) on the throwaway database, then migrate."""
    from cryptography.fernet import Fernet

    environment = {
        "DJANGO_SETTINGS_MODULE": "harver_integration.settings",
        "ENV_FILE": "/nonexistent/.env",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HTTPS_ONLY": "false",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
        # Enabling asks the real Workable whether the token works; the benchmarks stay offline.
        "WORKABLE_VERIFY_ON_ENABLE": "false",
        "LOG_LEVEL": "WARNING",
    }
    environment.update(overrides)
    os.environ.update(environment)
    # A benchmark stopped with SIGTERM still stops its servers and drops its database.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return float(ordered[rank - 1])


def verdict(name: str, passed: bool, detail: str) -> bool:
    print(f"  {'PASS' if passed else 'FAIL'}  {name}: {detail}")
    return passed


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    cells = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    lines = ["  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


@dataclass(frozen=True)
class Load:
    """What one wrk run measured: throughput, latency percentiles and errors of any kind."""

    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


def wrk(
    base_url: str, script: Path, arguments: Sequence[str], *, seconds: int, connections: int
) -> Load:
    """Load `base_url` with wrk (2 threads, 1 for a single connection) and `script`, whose
    done() prints one JSON line of figures (bench/inbound/requests.lua has the format)."""
    completed = subprocess.run(
        [
            shutil.which("wrk") or "wrk",
            "--threads",
            str(min(2, connections)),
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--script",
            str(script),
            base_url,
            "--",
            *arguments,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    return Load(
        rps=figures["requests"] / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=sum(figures[key] for key in ("non_2xx", "connect", "read", "write", "timeout")),
    )
