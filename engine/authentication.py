"""DRF authentication for the engine: `Authorization: Bearer hvr_eng_…` names the account.

The exceptions are subclasses of DRF's so they keep their 401 and `WWW-Authenticate`, while
their own words (about engine keys, not integration tokens) reach the JSON error body.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from engine.keys import key_for
from engine.models import EngineApiKey
from harver_integration.authentication import BearerAuthentication, BearerScheme


class MissingEngineKey(exceptions.NotAuthenticated):
    default_detail = "Send an engine API key as 'Authorization: Bearer hvr_eng_…'."


class InvalidEngineKey(exceptions.AuthenticationFailed):
    default_detail = "The engine API key is not valid: unknown, mistyped or revoked."


class EngineKeyAuthentication(BearerAuthentication[EngineApiKey]):
    """`request.auth` becomes the EngineApiKey; its account scopes everything the call reaches."""

    realm = "harver-engine"
    failure = InvalidEngineKey
    malformed_detail = "Send the engine API key as 'Authorization: Bearer <key>'."

    def caller_for(self, secret: str) -> EngineApiKey | None:
        return key_for(secret)


class HasEngineKey(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, EngineApiKey):
            raise MissingEngineKey()
        return True


class EngineKeyScheme(BearerScheme):  # type: ignore[no-untyped-call]
    target_class = "engine.authentication.EngineKeyAuthentication"
    name = "engineApiKey"
    description = (
        "An engine API key of the account (hvr_eng_…), created in the admin "
        "or with `manage.py engine_keys create`."
    )
