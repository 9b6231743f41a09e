"""DRF authentication and permission for ATS calls: the bearer token names the integration."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from harver_integration.authentication import BearerAuthentication, BearerScheme
from integrations.inbound import integration_for_token
from integrations.models import Integration


class AtsTokenAuthentication(BearerAuthentication[Integration]):
    """`Authorization: Bearer <ATS to Harver token>`; `request.auth` becomes the Integration."""

    unknown_detail = "The token is not valid for any integration."

    def caller_for(self, secret: str) -> Integration | None:
        return integration_for_token(secret)


class IsEnabledIntegration(BasePermission):
    """401 without a valid token; 403 when the token's integration is disabled."""

    message = "This integration is disabled in Harver; ask Harver support to enable it."

    def has_permission(self, request: Request, view: Any) -> bool:
        integration = request.auth
        if not isinstance(integration, Integration):
            raise exceptions.NotAuthenticated()
        return integration.is_enabled


class AtsTokenScheme(BearerScheme):  # type: ignore[no-untyped-call]
    target_class = "integrations.authentication.AtsTokenAuthentication"
    name = "atsToHarverToken"
    description = "The integration's 'ATS to Harver' token (hvr_ats_…)."
