"""Measuring admin pages: which pages, their SQL statements (count, time, text) and render time.

Shared by `bench.admin` (every list at 10 rows and at scale) and `bench.tables` (the same pages at
10,000 and 1,000,000 deliveries), so both measure a page the same way, over customers made the
same way.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.common import median

if TYPE_CHECKING:
    from django.test import Client


@dataclass(frozen=True)
class Measure:
    queries: int
    sql_ms: float
    render_ms: float
    statements: list[tuple[str, Any, float]] = field(
        default_factory=list, compare=False, repr=False
    )


def pages() -> list[tuple[str, Callable[[], str]]]:
    """Every changelist of the admin site, the delivery timelines (per customer, candidate) and
    the platform health page."""
    from django.contrib import admin
    from django.urls import reverse

    from assessments.models import CandidateAssessment
    from integrations.models import Integration

    found: list[tuple[str, Callable[[], str]]] = []
    for model in sorted(admin.site._registry, key=lambda model: model._meta.label):
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        found.append((model._meta.label, functools.partial(reverse, name)))

    def integration_timeline() -> str:
        busiest = Integration.objects.order_by("pk")[0]
        return f"{reverse('admin:integrations_delivery_timeline')}?integration={busiest.pk}"

    def candidate_timeline() -> str:
        candidate = CandidateAssessment.objects.order_by("pk")[0]
        url = reverse("admin:integrations_delivery_timeline")
        return f"{url}?candidate_assessment={candidate.pk}"

    found.append(("delivery timeline (customer)", integration_timeline))
    found.append(("delivery timeline (candidate)", candidate_timeline))
    found.append(("health page", lambda: reverse("admin:integrations_integration_health")))
    return found


def connect(accounts: list[Any]) -> list[Any]:
    """An enabled Workable integration with its credentials for each of `accounts`, in bulk
    (no set-up run, nothing sent); returns the integrations."""
    from harver_integration.crypto import encrypt
    from integrations.models import AtsCredential, Integration

    integrations = Integration.objects.bulk_create(
        Integration(account=account, provider="workable", is_enabled=True) for account in accounts
    )
    token = encrypt("bench-token-abcd")
    AtsCredential.objects.bulk_create(
        AtsCredential(
            integration=integration,
            values={"subdomain": f"c{integration.pk}"},
            secrets={"token": token},
            secret_hints={"token": {"last4": "abcd", "set_at": None}},
        )
        for integration in integrations
    )
    return integrations


class QueryLog:
    """Counts, times and keeps every SQL statement (a wrapper, so request signals cannot reset
    it)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.statements: list[tuple[str, Any, float]] = []  # SQL, parameters, ms

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, *rest: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, *rest)
        finally:
            elapsed = time.perf_counter() - started
            self.count += 1
            self.seconds += elapsed
            self.statements.append((sql, params, elapsed * 1000))


def page_getter(client: Client, url: str) -> Callable[[], None]:
    """Requests `url`; anything but a 200 stops the benchmark."""

    def get() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    return get


def logged(run: Callable[[], object]) -> QueryLog:
    """Runs `run` once with every SQL statement it sends logged."""
    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        run()
    return log


def timed(run: Callable[[], object]) -> float:
    """Milliseconds `run` takes."""
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def measured(log: QueryLog, timings: list[float]) -> Measure:
    return Measure(
        queries=log.count,
        sql_ms=log.seconds * 1000,
        render_ms=median(timings),
        statements=log.statements,
    )


def measure(client: Client, url: str, repeat: int) -> Measure:
    """One warm-up request (caches, compiled templates), one with its SQL logged, then the
    median of `repeat` timed ones."""
    get = page_getter(client, url)
    get()
    log = logged(get)
    return measured(log, [timed(get) for _ in range(repeat)])
