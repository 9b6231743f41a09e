"""Delivery health: the figures of one integration, the overview's Health section and chart, and
the platform health page (worst first, paginated, constant queries at 10 and 1,000)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.models import Delivery, DeliveryAttempt, Integration, Issue
from integrations.outbox.figures import daily_bars, figures, percentile
from tests import factories, outbox_rows
from tests.admin_support import integration_url, private_cache, staff_member  # noqa: F401

pytestmark = pytest.mark.usefixtures("private_cache")
State = Delivery.State
HEALTH_URL = "/admin/integrations/integration/health/"


def delivered(integration: Integration, seconds: float, now: datetime.datetime) -> None:
    outbox_rows.delivery(
        integration,
        state=State.SUCCEEDED,
        created_at=now - datetime.timedelta(seconds=seconds),
        finished_at=now,
    )


def test_the_figures_count_rates_backlog_latency_and_last_success(integration):
    now = timezone.now()
    outbox_rows.attempts(integration, succeeded=3, failed=1, at=now - datetime.timedelta(hours=1))
    outbox_rows.attempts(integration, succeeded=0, failed=4, at=now - datetime.timedelta(days=3))
    outbox_rows.attempts(integration, succeeded=5, failed=0, at=now - datetime.timedelta(days=9))
    dropped = outbox_rows.delivery(integration, state=State.DROPPED)
    outbox_rows.attempt(dropped, outcome=DeliveryAttempt.Outcome.DROPPED, started_at=now)
    outbox_rows.delivery(
        integration, state=State.PENDING, created_at=now - datetime.timedelta(minutes=30)
    )
    outbox_rows.delivery(integration, state=State.SENDING, created_at=now)
    for seconds in (1, 2, 3, 4, 100):
        delivered(integration, seconds, now)

    health = figures([integration], now=now)[integration.pk]

    assert (health.succeeded_24h, health.sent_24h) == (3, 4)
    assert health.success_rate_24h == 0.75
    assert (health.succeeded_7d, health.sent_7d) == (3, 8)
    assert dict(health.outcomes_24h) == {
        "Succeeded": 3,
        "Failed, will retry": 1,
        "Dropped (superseded)": 1,
    }
    assert health.backlog == 2
    assert health.oldest_waiting_at == now - datetime.timedelta(minutes=30)
    assert health.latency_p50_seconds == pytest.approx(3.0)
    assert health.latency_p95_seconds == pytest.approx(80.8)
    assert health.last_success_at == now - datetime.timedelta(hours=1)


def test_nothing_sent_has_no_rate(integration):
    health = figures([integration])[integration.pk]
    assert health.success_rate_24h is None
    assert health.last_success_at is None
    assert health.latency_p50_seconds is None


def test_the_python_percentile_interpolates_as_postgresql_does():
    assert percentile([1, 2, 3, 4, 100], 0.95) == pytest.approx(80.8)
    assert percentile([7], 0.5) == 7


def test_the_chart_has_one_bar_per_day_of_the_week(integration):
    now = timezone.now()
    outbox_rows.attempts(integration, succeeded=2, failed=1, at=now)
    outbox_rows.attempts(integration, succeeded=1, failed=0, at=now - datetime.timedelta(days=2))

    bars = daily_bars(integration, now=now)

    assert len(bars) == 7
    assert (bars[-1].day, bars[-1].succeeded, bars[-1].failed) == (now.date(), 2, 1)
    assert (bars[-3].succeeded, bars[-3].failed) == (1, 0)
    assert sum(bar.succeeded + bar.failed for bar in bars) == 4


def test_the_overview_shows_the_figures_the_chart_and_the_open_issues(client: Client, integration):
    now = timezone.now()
    outbox_rows.attempts(integration, succeeded=3, failed=1, at=now)
    Issue.objects.create(
        integration=integration,
        type=Issue.Type.BACKLOG,
        message="12 deliveries wait; the oldest for 90 minutes.",
        first_seen_at=now,
        last_seen_at=now,
    )
    client.force_login(staff_member(integration.account, username="hannah"))

    page = client.get(integration_url("overview", integration)).content.decode()

    assert 'id="health"' in page
    assert "75.0% of 4" in page
    assert "<svg" in page
    assert 'class="bar-failed"' in page
    assert "12 deliveries wait; the oldest for 90 minutes." in page
    assert "style=" not in page.split('id="health"')[1].split("</section>")[0]


def _health_queries(client: Client) -> tuple[int, str]:
    client.get(HEALTH_URL)
    with CaptureQueriesContext(connection) as context:
        response = client.get(HEALTH_URL)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


def test_the_health_page_costs_the_same_queries_at_10_and_1000_integrations(client: Client, db):
    member = factories.UserFactory.create(username="hannah", harver_admin=True)
    client.force_login(member)
    outbox_rows.many_integrations(10, member)
    ten, page = _health_queries(client)
    assert page.count('class="health-row') == 10

    outbox_rows.many_integrations(990, member)
    thousand, page = _health_queries(client)

    assert page.count('class="health-row') == 50
    assert "Page 1 of 20 (1000 integrations)" in page
    assert thousand == ten


def test_the_health_page_lists_the_worst_first_and_only_visible_integrations(client: Client, db):
    member = factories.UserFactory.create(username="hannah", harver_admin=True)
    account = factories.AccountFactory.create(name="Acme")
    account.members.add(member)
    healthy, failing, troubled = (
        Integration.objects.create(account=account, provider=provider, is_enabled=True)
        for provider in ("workable", "greenhouse", "workable")
    )
    outbox_rows.attempts(healthy, succeeded=5, failed=0)
    outbox_rows.attempts(failing, succeeded=1, failed=4)
    now = timezone.now()
    Issue.objects.create(
        integration=troubled,
        type=Issue.Type.CREDENTIALS_REFUSED,
        message="Refused.",
        first_seen_at=now,
        last_seen_at=now,
    )
    hidden = Integration.objects.create(
        account=factories.AccountFactory.create(), provider="workable"
    )
    client.force_login(member)

    page = client.get(HEALTH_URL).content.decode()

    overview = [
        integration_url("overview", integration) for integration in (troubled, failing, healthy)
    ]
    positions = [page.index(f'href="{url}"') for url in overview]
    assert positions == sorted(positions)
    assert integration_url("overview", hidden) not in page
    assert "20.0% of 5" in page


def test_the_integration_list_links_to_the_health_page(client: Client, integration):
    client.force_login(staff_member(integration.account, username="hannah"))
    page = client.get(reverse("admin:integrations_integration_changelist")).content.decode()
    assert f'href="{HEALTH_URL}"' in page
