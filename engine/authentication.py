"""DRF authentication for the engine: `Authorization: Bearer hvr_eng_…` names the account.

The exceptions are subclasses of DRF's so they keep their 401 and `WWW-Authenticate`, while
their own words (about engine keys, not integration tokens) reach the JSON error body.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from engine.keys import key_for
from engine.models import EngineApiKey


class MissingEngineKey(exceptions.NotAuthenticated):
    default_detail = "Send an engine API key as 'Authorization: Bearer hvr_eng_…'."


class InvalidEngineKey(exceptions.AuthenticationFailed):
    default_detail = "The engine API key is not valid: unknown, mistyped or revoked."


class EngineKeyAuthentication(BaseAuthentication):
    """`request.auth` becomes the EngineApiKey; its account scopes everything the call reaches."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, EngineApiKey] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword or len(header) != 2:
            raise InvalidEngineKey("Send the engine API key as 'Authorization: Bearer <key>'.")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise InvalidEngineKey() from None
        api_key = key_for(key)
        if api_key is None:
            raise InvalidEngineKey()
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="harver-engine"'


class HasEngineKey(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, EngineApiKey):
            raise MissingEngineKey()
        return True


class EngineKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents EngineKeyAuthentication in the OpenAPI schema as HTTP bearer auth."""

    target_class = "engine.authentication.EngineKeyAuthentication"
    name = "engineApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An engine API key of the account (hvr_eng_…), created in the admin "
            "or with `manage.py engine_keys create`.",
        }
