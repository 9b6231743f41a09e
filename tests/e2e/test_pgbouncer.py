"""The platform behind PgBouncer in transaction mode (docs/deploy.md): no session state, no
statement prepared on the server.

A private PgBouncer (`pool_mode = transaction`, one server connection for everyone) stands between
the PostgreSQL test database and two web server processes, a worker and the scheduler. Every
client shares that one server connection, so a prepared statement, a session setting or a
server-side cursor left by one would break another: the invitations, completions and deliveries
below must all succeed, with nothing in any log.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.db import connection

from assessments.models import CandidateAssessment
from engine import keys
from integrations import services
from integrations.models import Delivery
from tests.e2e.delivery_harness import StandIn, stand_in
from tests.engine.conftest import COMPLETED_RESULT
from tests.factories import AccountFactory
from tests.processes import _stop, celery_worker, free_port, gunicorn, platform_env, wait_until
from tests.workable.delivery_support import configure

pytestmark = [pytest.mark.postgres, pytest.mark.pgbouncer, pytest.mark.django_db(transaction=True)]

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
CANDIDATES = 12  # past psycopg's prepare threshold (5 runs of one query on a connection)


@contextlib.contextmanager
def pgbouncer() -> Iterator[int]:
    """PgBouncer on a free port in transaction mode with a pool of one server connection; it
    refuses to run as root, so it runs as postgres from a directory that user can read."""
    port = free_port()
    directory = Path(tempfile.mkdtemp(prefix="harver-pgbouncer-"))
    directory.chmod(0o755)
    (directory / "users.txt").write_text('"postgres" ""\n')
    (directory / "pgbouncer.ini").write_text(
        "[databases]\n"
        "* = host=127.0.0.1 port=5432\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 1\nmax_client_conn = 200\n"
        f"logfile = {directory / 'pgbouncer.log'}\n"
    )
    shutil.chown(directory, "postgres")
    process = subprocess.Popen(
        [PGBOUNCER, "-u", "postgres", str(directory / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if not wait_until(lambda: _answers(port), timeout=20):
            raise RuntimeError("pgbouncer did not start")
        yield port
    finally:
        _stop(process)
        shutil.rmtree(directory, ignore_errors=True)


def _answers(port: int) -> bool:
    import socket

    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


@pytest.fixture
def workable() -> Iterator[StandIn]:
    with stand_in() as server:
        yield server


def test_the_platform_runs_behind_pgbouncer_in_transaction_mode(tmp_path, workable):
    account = AccountFactory.create()
    integration, assessment = configure(account, token=f"wk-pgb-{uuid.uuid4().hex}")
    inbound_token = services.rotate_inbound_token(integration)
    engine_key = keys.issue_key(account, name="pgbouncer").key
    database = connection.settings_dict["NAME"]

    with pgbouncer() as port:
        env = platform_env(
            tmp_path,
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/{database}",
            WORKABLE_API_BASE_URL=f"{workable.base}/{{subdomain}}/spi/v3",
            WORKABLE_CALLBACK_ALLOWED_HOSTS=workable.host,
            WORKABLE_CALLBACK_ALLOW_INSECURE="true",
            DELIVERY_SWEEP_SECONDS="1",
        )
        with gunicorn(env, workers=2) as base_url, celery_worker(env, beat=True):
            ids = []
            for number in range(CANDIDATES):
                answer = requests.post(
                    f"{base_url}/api/workable/assessments",
                    json={
                        "test_id": str(assessment.pk),
                        "callback_url": f"{workable.base}/cb/{number}",
                        "candidate": {"email": f"pgb{number}@example.com", "first_name": "P"},
                    },
                    headers={"Authorization": f"Bearer {inbound_token}"},
                    timeout=30,
                )
                assert answer.status_code == 201, answer.text
                ids.append(answer.json()["assessment_id"])
            for number, public_id in enumerate(ids):
                answer = requests.post(
                    f"{base_url}/api/engine/v1/assessments/{public_id}/events",
                    json={
                        "event_id": f"e{number}",
                        "type": "completed",
                        "result": COMPLETED_RESULT,
                    },
                    headers={"Authorization": f"Bearer {engine_key}"},
                    timeout=30,
                )
                assert answer.status_code in (200, 201), answer.text

            def delivered() -> bool:
                done = Delivery.objects.filter(state__in=["succeeded", "dropped"]).count()
                return done == Delivery.objects.count() and done > 0

            assert wait_until(delivered, timeout=120, interval=0.5)

    assert CandidateAssessment.objects.filter(status="completed").count() == CANDIDATES
    completed = [a for a in workable.requests(method="PUT") if a.body["status"] == "completed"]
    assert len(completed) == CANDIDATES
    logs = "\n".join(path.read_text(errors="replace") for path in tmp_path.glob("worker-*.log"))
    assert "prepared statement" not in logs
    assert "ERROR" not in logs, logs[-3000:]
