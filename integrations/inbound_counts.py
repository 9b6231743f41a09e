"""Counting the calls ATSes make to us, per integration, hour and answer status.

`integrations.inbound.integration_for_token` names the caller's integration for the request
being answered (`note_caller`); the middleware counts the answer under it once the response is
made. The counts feed the "inbound errors" issue and the metrics; a failure to count never
changes the answer.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from contextvars import ContextVar

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from integrations.models import InboundRequestCount
from integrations.registry import PROVIDERS

logger = logging.getLogger(__name__)

_caller: ContextVar[int | None] = ContextVar("inbound_caller", default=None)


def note_caller(integration_id: int) -> None:
    """The integration the request being answered authenticated as."""
    _caller.set(integration_id)


def hour_of(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def count(provider: str, integration_id: int | None, status: int) -> None:
    """Add one call to its hour's row: one UPDATE, or an INSERT for the hour's first call."""
    key = {
        "provider": provider,
        "integration_id": integration_id,
        "hour": hour_of(timezone.now()),
        "status": status,
    }
    rows = InboundRequestCount.objects.filter(**key)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            InboundRequestCount.objects.create(**key, count=1)
    except IntegrityError:
        # Another process inserted the hour's row first.
        rows.update(count=F("count") + 1)


def _provider_of(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "api" and parts[2] in PROVIDERS:
        return parts[2]
    return None


class InboundRequestCountingMiddleware:
    """Counts every answer given under `/api/<ATS>/` by caller and status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        provider = _provider_of(request.path)
        if provider is None:
            return self.get_response(request)
        token = _caller.set(None)
        try:
            response = self.get_response(request)
            try:
                count(provider, _caller.get(), response.status_code)
            except DatabaseError:
                logger.warning("Could not count an inbound %s call", provider, exc_info=True)
            return response
        finally:
            _caller.reset(token)
