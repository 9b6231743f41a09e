"""The shape both APIs authenticate with: `Authorization: Bearer <secret>` names what may call.

Subclasses say how a secret is looked up and in whose words a refusal is put; the refusals are
`failure` exceptions (401 with `WWW-Authenticate: Bearer realm="<realm>"`). A `BearerScheme`
subclass documents each in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

Caller = TypeVar("Caller")


class BearerAuthentication(BaseAuthentication, Generic[Caller]):
    """No header: not authenticated (the permission decides). A header of another shape, a
    secret that is not ASCII or one `caller_for` does not know: `failure`. Otherwise
    `request.auth` becomes what `caller_for` found."""

    keyword = b"bearer"
    realm = "harver"
    failure: type[exceptions.AuthenticationFailed] = exceptions.AuthenticationFailed
    malformed_detail = "Send the token as 'Authorization: Bearer <token>'."
    # None: the failure's own default words.
    unknown_detail: str | None = None

    def caller_for(self, secret: str) -> Caller | None:
        raise NotImplementedError

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Caller] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword or len(header) != 2:
            raise self.failure(self.malformed_detail)
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise self.failure(self.unknown_detail) from None
        caller = self.caller_for(secret)
        if caller is None:
            raise self.failure(self.unknown_detail)
        return AnonymousUser(), caller

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.realm}"'


class BearerScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents a BearerAuthentication (`target_class`) in the OpenAPI schema as HTTP bearer
    auth; this base names no class, so it documents none."""

    description = ""

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": self.description}
