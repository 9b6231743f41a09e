"""Invitations through a real server process: concurrency, and a broker that is down."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from assessments.models import CandidateAssessment
from tests.factories import AccountFactory, AssessmentFactory
from tests.processes import celery_worker, gunicorn, platform_env, redis_server, wait_until
from tests.workable.conftest import enabled_integration_with_token, invitation_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def sent_emails(var_dir: Path) -> list[str]:
    """Messages written by Django's file email backend (several may share one file)."""
    mail_dir = var_dir / "mail"
    if not mail_dir.is_dir():
        return []
    text = "".join(path.read_text() for path in sorted(mail_dir.iterdir()))
    return [line for line in text.splitlines() if line.startswith("To: ")]


@pytest.fixture
def offered(tmp_path):
    account = AccountFactory.create(name="Acme Retail")
    assessment = AssessmentFactory.create(account=account, name="Store Associate")
    _, token = enabled_integration_with_token(account)
    return assessment, token


def post_invitation(base_url: str, token: str, body: dict[str, object]) -> requests.Response:
    return requests.post(
        f"{base_url}/api/workable/assessments",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_it_stores_one_invitation_for_50_concurrent_identical_requests(offered, tmp_path):
    # given a production server on PostgreSQL with a file broker
    assessment, token = offered
    env = platform_env(tmp_path)
    body = invitation_body(str(assessment.pk))

    # when Workable sends the same invitation 50 times at once
    with gunicorn(env, workers=2, threads=8) as base_url, ThreadPoolExecutor(50) as pool:
        responses = list(pool.map(lambda _: post_invitation(base_url, token, body), range(50)))

    # then every answer is a success with the same assessment id, and one row exists
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 49 + [201]
    assert len({response.json()["assessment_id"] for response in responses}) == 1
    assert CandidateAssessment.objects.count() == 1
    # and a worker sends exactly one email
    with celery_worker(env):
        assert wait_until(lambda: len(sent_emails(tmp_path)) >= 1, timeout=30)
        time.sleep(1)
    assert len(sent_emails(tmp_path)) == 1


@pytest.mark.redis
def test_it_accepts_invitations_while_redis_is_down_and_sends_them_when_it_returns(
    offered, tmp_path
):
    # given a server whose Redis (cache and broker) is down
    assessment, token = offered
    with redis_server(tmp_path, started=False) as redis:
        env = platform_env(
            tmp_path,
            REDIS_URL=redis.url,
            INVITATION_SWEEP_SECONDS="1",
            INVITATION_SWEEP_GRACE_SECONDS="1",
        )
        with gunicorn(env, workers=2) as base_url:
            for _ in range(4):  # both server processes have loaded the app and connected
                requests.get(
                    f"{base_url}/api/workable/tests",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )
            # when Workable invites 20 candidates
            latencies = []
            responses = []
            for number in range(20):
                body = invitation_body(str(assessment.pk))
                body["candidate"]["email"] = f"candidate{number}@example.com"
                started = time.perf_counter()
                responses.append(post_invitation(base_url, token, body))
                latencies.append(time.perf_counter() - started)

        # then every invitation is accepted, fast, and stored
        assert [response.status_code for response in responses] == [201] * 20
        # The median shows the quick publish: the broker's default retry policy alone would hold
        # every request for more than 0.4 s. A few slow ones are the machine, not the broker.
        assert sorted(latencies)[10] < 0.3, latencies
        assert max(latencies) < 2, latencies
        assert CandidateAssessment.objects.filter(invitation_sent_at__isnull=True).count() == 20
        assert sent_emails(tmp_path) == []

        # and once Redis is back, the sweeper gets every email out, once
        redis.start()
        with celery_worker(env, beat=True):
            assert wait_until(lambda: len(sent_emails(tmp_path)) >= 20, timeout=20)
            time.sleep(2)
    assert len(sent_emails(tmp_path)) == 20
    assert CandidateAssessment.objects.filter(invitation_sent_at__isnull=True).count() == 0
