"""Per-integration request limit of the ATS API, shared by every process through the cache."""

from __future__ import annotations

from rest_framework.request import Request

from harver_integration.throttling import FixedWindowThrottle
from integrations.models import Integration


class IntegrationRateThrottle(FixedWindowThrottle):
    """Requests per integration, at INBOUND_RATE_LIMIT ("<requests>/<seconds>")."""

    rate_setting = "INBOUND_RATE_LIMIT"
    scope = "integration"

    def caller_id(self, request: Request) -> int | None:
        integration = request.auth
        return integration.pk if isinstance(integration, Integration) else None
