"""Delivery health in the admin: the figures and chart on an integration's overview, and the
platform health page listing every visible integration worst first.

Both read `integrations.outbox.figures`, whose queries do not grow with the number of
integrations; the health page sorts every visible integration in Python (the order needs the
figures of all of them) and then shows one page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.timesince import timesince

from integrations.models import Integration
from integrations.outbox.figures import DayBar, HealthFigures, daily_bars, figures

if TYPE_CHECKING:
    from accounts.admin_scope import AccountScopedAdmin

    _IntegrationAdminBase = AccountScopedAdmin
else:
    _IntegrationAdminBase = object

HEALTH_PAGE_SIZE = 50
CHART_HEIGHT = 60
BAR_WIDTH = 18
BAR_GAP = 6
CHART_MARGIN = 4


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def ago_text(moment: datetime.datetime | None, now: datetime.datetime) -> str:
    return f"{timesince(moment, now)} ago" if moment else "never"


@dataclass(frozen=True)
class Bar:
    """One day of the chart, in SVG coordinates (y grows downwards)."""

    label: str
    x: int
    succeeded_y: int
    succeeded_height: int
    failed_y: int
    failed_height: int
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    empty: bool


def chart(days: list[DayBar]) -> Chart:
    """Stacked bars (failed on top of succeeded), scaled to the busiest day."""
    busiest = max((day.succeeded + day.failed for day in days), default=0)
    bars = []
    for index, day in enumerate(days):
        scale = CHART_HEIGHT / busiest if busiest else 0
        succeeded = round(day.succeeded * scale)
        failed = round(day.failed * scale)
        bars.append(
            Bar(
                label=f"{day.day:%a}",
                x=CHART_MARGIN + index * (BAR_WIDTH + BAR_GAP),
                succeeded_y=CHART_HEIGHT - succeeded,
                succeeded_height=succeeded,
                failed_y=CHART_HEIGHT - succeeded - failed,
                failed_height=failed,
                title=f"{day.day:%Y-%m-%d}: {day.succeeded} succeeded, {day.failed} failed",
            )
        )
    return Chart(
        width=2 * CHART_MARGIN + len(days) * (BAR_WIDTH + BAR_GAP),
        height=CHART_HEIGHT,
        bars=bars,
        empty=busiest == 0,
    )


@dataclass(frozen=True)
class HealthView:
    """The figures of one integration as the pages show them."""

    integration: Integration
    figures: HealthFigures
    success_24h: str
    success_7d: str
    backlog: str
    latency_p50: str
    latency_p95: str
    last_success: str
    outcomes: list[tuple[str, int]]


def health_view_of(
    integration: Integration, health: HealthFigures, now: datetime.datetime
) -> HealthView:
    backlog = str(health.backlog)
    if health.oldest_waiting_at:
        backlog += f" (oldest {timesince(health.oldest_waiting_at, now)})"
    return HealthView(
        integration=integration,
        figures=health,
        success_24h=f"{rate_text(health.success_rate_24h)} of {health.sent_24h}",
        success_7d=f"{rate_text(health.success_rate_7d)} of {health.sent_7d}",
        backlog=backlog,
        latency_p50=duration_text(health.latency_p50_seconds),
        latency_p95=duration_text(health.latency_p95_seconds),
        last_success=ago_text(health.last_success_at, now),
        outcomes=health.outcomes_24h,
    )


def overview_health(integration: Integration) -> dict[str, object]:
    """The overview's Health section: the figures and the chart of the last days."""
    now = timezone.now()
    health = figures([integration], now=now)[integration.pk]
    return {
        "health": health_view_of(integration, health, now),
        "health_chart": chart(daily_bars(integration, now=now)),
    }


class HealthScreensMixin(_IntegrationAdminBase):
    """The platform health page, as a view of the integrations' ModelAdmin."""

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "health/",
                self.admin_site.admin_view(self.health_view),
                name="integrations_integration_health",
            ),
            *super().get_urls(),
        ]

    def health_view(self, request: HttpRequest) -> HttpResponse:
        """Every integration the user can see, worst first (open issues, then the lowest success
        rate in 24 h, then the oldest backlog)."""
        now = timezone.now()
        visible = Integration.objects.all()
        if not getattr(request.user, "is_superuser", False):
            visible = visible.visible_to(request.user)
        integrations = list(
            visible.select_related("account").order_by("account__name", "provider", "pk")
        )
        found = figures(integrations, now=now)
        rows = sorted(
            (health_view_of(item, found[item.pk], now) for item in integrations),
            key=lambda row: row.figures.worst_first_key(now),
        )
        page = Paginator(rows, HEALTH_PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": "Delivery health of every integration",
            "page": page,
        }
        return TemplateResponse(request, "admin/integrations/integration/health.html", context)
