"""Liveness and readiness probes for load balancers and process supervisors."""

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from harver_integration.celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers: nothing else is checked, so a slow database never restarts it."""
    return JsonResponse({"status": "ok"})


def _database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        logger.warning("readiness: database unreachable: %s", type(error).__name__)
        return f"database unreachable ({type(error).__name__})"
    return None


def _broker_problem() -> str | None:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:
        logger.warning("readiness: broker unreachable: %s", type(error).__name__)
        return f"broker unreachable ({type(error).__name__})"
    return None


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready when both the database and the broker answer; 503 names what does not."""
    checks = {"database": _database_problem(), "broker": _broker_problem()}
    ready = all(problem is None for problem in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    return JsonResponse(body, status=200 if ready else 503)
