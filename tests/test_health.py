"""The liveness and readiness probes."""

from unittest import mock

import pytest
from django.test import Client


def test_it_reports_alive_without_touching_the_database(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_it_is_ready_when_database_and_broker_answer(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_it_names_the_broker_when_it_is_unreachable(client: Client) -> None:
    with mock.patch(
        "harver_integration.health.celery_app.connection_for_write",
        side_effect=ConnectionRefusedError,
    ):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "broker unreachable (ConnectionRefusedError)"
    assert response.json()["checks"]["database"] == "ok"
