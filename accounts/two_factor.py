"""Who must present a second factor, and the gate that holds them until they have.

A password alone signs a staff user in, but while their session is not verified with a code
every page except the two-factor pages themselves (and signing out) sends them to enter one,
or to set up an authenticator app first when they have none and the platform requires it
(`ADMIN_REQUIRE_2FA`). The gate sits in the middleware, so it covers the admin and every other
page behind the login (reports) alike.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.models import StaffTOTPDevice

VERIFY_URL_NAME = "admin:two_factor_verify"
ENROL_URL_NAME = "admin:two_factor_enrol"


def confirmed_device(user: AbstractBaseUser | AnonymousUser) -> StaffTOTPDevice | None:
    if not user.is_authenticated:
        return None
    return StaffTOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def is_verified(request: HttpRequest) -> bool:
    """True when this session was verified with a code (django_otp.middleware sets it)."""
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def pending_step(request: HttpRequest) -> str | None:
    """The URL name of the two-factor page this session must pass, or None when it may go on."""
    user = request.user
    if not user.is_authenticated or is_verified(request):
        return None
    if confirmed_device(user) is not None:
        return VERIFY_URL_NAME
    if settings.ADMIN_REQUIRE_2FA and getattr(user, "is_staff", False):
        return ENROL_URL_NAME
    return None


class TwoFactorGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = pending_step(request)
        if step is not None:
            allowed = {reverse(VERIFY_URL_NAME), reverse(ENROL_URL_NAME), reverse("admin:logout")}
            if request.path not in allowed:
                return HttpResponseRedirect(
                    f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}"
                )
        return self.get_response(request)
