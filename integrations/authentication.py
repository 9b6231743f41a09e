"""DRF authentication and permission for ATS calls: the bearer token names the integration."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from integrations.inbound import integration_for_token
from integrations.models import Integration


class AtsTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <ATS to Harver token>`; `request.auth` becomes the Integration."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Integration] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword or len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>'."
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                "The token is not valid for any integration."
            ) from None
        integration = integration_for_token(token)
        if integration is None:
            raise exceptions.AuthenticationFailed("The token is not valid for any integration.")
        return AnonymousUser(), integration

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="harver"'


class IsEnabledIntegration(BasePermission):
    """401 without a valid token; 403 when the token's integration is disabled."""

    message = "This integration is disabled in Harver; ask Harver support to enable it."

    def has_permission(self, request: Request, view: Any) -> bool:
        integration = request.auth
        if not isinstance(integration, Integration):
            raise exceptions.NotAuthenticated()
        return integration.is_enabled


class AtsTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents AtsTokenAuthentication in the OpenAPI schema as HTTP bearer auth."""

    target_class = "integrations.authentication.AtsTokenAuthentication"
    name = "atsToHarverToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The integration's 'ATS to Harver' token (hvr_ats_…).",
        }
