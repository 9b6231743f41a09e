"""`GET /metrics` for Prometheus: the platform's figures, behind `Authorization: Bearer
$METRICS_TOKEN`.

Without METRICS_TOKEN set the endpoint refuses everyone (403), so a deployment that forgot it
exposes nothing; a missing bearer is 401, a wrong one 403, compared in constant time.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry

from integrations.metrics import PlatformCollector

BEARER = "bearer "


def _refusal(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"detail": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    expected = settings.METRICS_TOKEN
    if not expected:
        return _refusal(403, "Metrics are off: METRICS_TOKEN is not set.")
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith(BEARER):
        return _refusal(401, "Send the metrics token as 'Authorization: Bearer <token>'.")
    given = header[len(BEARER) :].strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return _refusal(403, "The metrics token is not valid.")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PlatformCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
