"""GET /metrics: refused without the token, and the platform's figures from the database."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from integrations import inbound_counts
from integrations.models import Delivery, DeliveryAttempt, Integration, Issue
from tests import factories, outbox_rows

TOKEN = "metrics-token-0123456789abcdef"
State = Delivery.State


@pytest.fixture
def scraper(client: Client, settings) -> Client:
    settings.METRICS_TOKEN = TOKEN
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"
    return client


def samples(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_without_the_setting_everyone_is_refused(client: Client, settings, db):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403
    assert "METRICS_TOKEN is not set" in response.json()["detail"]


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Basic dXNlcjpwYXNz", 401),
        ("Bearer wrong-token", 403),
        (f"Bearer {TOKEN}x", 403),
        ("Bearer tökén", 403),
    ],
)
def test_a_missing_or_wrong_token_is_refused(client: Client, settings, db, authorization, status):
    settings.METRICS_TOKEN = TOKEN
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get("/metrics", **headers)
    assert response.status_code == status
    if status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert "harver_" not in response.content.decode()


def test_the_token_is_compared_in_constant_time(scraper, monkeypatch, db):
    compared = []
    import hmac

    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr("harver_integration.metrics_endpoint.hmac.compare_digest", spy)
    scraper.get("/metrics")
    assert compared == [(TOKEN.encode(), TOKEN.encode())]


def test_only_get(scraper, db):
    assert scraper.post("/metrics").status_code == 405


def test_it_reports_deliveries_attempts_queue_inbound_and_issues(scraper, integration):
    now = timezone.now()
    Integration.objects.filter(pk=integration.pk).update(is_enabled=True)
    outbox_rows.delivery(integration, state=State.PENDING)
    outbox_rows.delivery(integration, state=State.PENDING, created_at=now)
    Delivery.objects.filter(state=State.PENDING).update(
        next_attempt_at=now - datetime.timedelta(seconds=30)
    )
    done = outbox_rows.delivery(integration, state=State.SUCCEEDED, finished_at=now)
    outbox_rows.attempt(done, duration_ms=80)
    outbox_rows.attempt(done, duration_ms=3000, outcome=DeliveryAttempt.Outcome.TRANSIENT)
    outbox_rows.delivery(integration, state=State.FAILED, finished_at=now)
    inbound_counts.count("workable", integration.pk, 200)
    inbound_counts.count("workable", integration.pk, 401)
    inbound_counts.count("workable", None, 401)
    Issue.objects.create(
        integration=integration,
        type=Issue.Type.BACKLOG,
        message="Waiting.",
        first_seen_at=now,
        last_seen_at=now,
    )

    found = samples(scraper)

    workable = (("provider", "workable"),)
    assert found[("harver_deliveries", (("provider", "workable"), ("state", "pending")))] == 2
    assert (
        found[("harver_deliveries_finished_24h", (("provider", "workable"), ("state", "failed")))]
        == 1
    )
    assert (
        found[
            ("harver_deliveries_finished_24h", (("provider", "workable"), ("state", "succeeded")))
        ]
        == 1
    )
    assert found[("harver_delivery_queue_depth", workable)] == 2
    assert found[("harver_delivery_queue_oldest_seconds", workable)] >= 30
    bucket = "harver_delivery_attempt_duration_seconds_bucket"
    assert found[(bucket, (("le", "0.1"), ("provider", "workable")))] == 1
    assert found[(bucket, (("le", "2.5"), ("provider", "workable")))] == 1
    assert found[(bucket, (("le", "5.0"), ("provider", "workable")))] == 2
    assert found[(bucket, (("le", "+Inf"), ("provider", "workable")))] == 2
    assert found[("harver_delivery_attempt_duration_seconds_gsum", workable)] == pytest.approx(3.08)
    inbound = "harver_inbound_requests"
    key = (("hour", "current"), ("provider", "workable"), ("status", "401"))
    assert found[(inbound, key)] == 2
    assert found[("harver_issues_open", (("state", "open"), ("type", "backlog")))] == 1


def test_a_scrape_costs_the_same_queries_however_many_rows(scraper, db):
    account = factories.AccountFactory.create()
    integration = Integration.objects.create(account=account, provider="workable")
    outbox_rows.attempts(integration, succeeded=1, failed=1)
    scraper.get("/metrics")
    with CaptureQueriesContext(connection) as few:
        scraper.get("/metrics")
    for provider in ("workable", "greenhouse"):
        other = Integration.objects.create(account=account, provider=provider)
        outbox_rows.attempts(other, succeeded=5, failed=5)
        outbox_rows.delivery(other, state=State.PENDING)
    with CaptureQueriesContext(connection) as many:
        scraper.get("/metrics")
    assert len(many) == len(few)
