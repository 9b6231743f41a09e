"""The two-factor pages of the admin: enter a code, or set up an authenticator app.

A wrong code counts as a failed sign-in for the lockout (django-axes), like a wrong password:
knowing the password must not give unlimited guesses at the code.
"""

from __future__ import annotations

from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from accounts.models import StaffTOTPDevice
from accounts.two_factor import VERIFY_URL_NAME, confirmed_device, is_verified


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if len(code) != StaffTOTPDevice.DIGITS or not code.isascii() or not code.isdigit():
            raise forms.ValidationError(
                f"Enter the {StaffTOTPDevice.DIGITS} digits your authenticator app shows."
            )
        return code


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("admin:index")


def _signed_in(request: HttpRequest, device: StaffTOTPDevice) -> HttpResponse:
    otp_login(request, device)
    request.session.cycle_key()
    return HttpResponseRedirect(_next_url(request))


def _refuse_code(request: HttpRequest) -> HttpResponse | None:
    """Count a wrong code against the lockout; when that locks the user out, sign them out."""
    credentials = {"username": request.user.get_username()}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False) or AxesProxyHandler.is_locked(
        request, credentials
    ):
        logout(request)
        return get_lockout_response(request, None, credentials)
    return None


def verify(site: AdminSite, request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("admin:login"))
    device = confirmed_device(request.user)
    if device is None or is_verified(request):
        return HttpResponseRedirect(_next_url(request))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        with transaction.atomic():
            locked = StaffTOTPDevice.objects.select_for_update().get(pk=device.pk)
            problem = _check_code(locked, form.cleaned_data["code"])
        if problem is None:
            return _signed_in(request, locked)
        refusal = _refuse_code(request)
        if refusal is not None:
            return refusal
        form.add_error("code", problem)
    return _page(site, request, "admin/two_factor/verify.html", "Two-factor sign-in", form)


def enrol(site: AdminSite, request: HttpRequest) -> HttpResponse:
    """Set up (or, from a verified session, replace) the user's authenticator app."""
    user = request.user
    if not user.is_authenticated or not getattr(user, "is_staff", False):
        return HttpResponseRedirect(reverse("admin:login"))
    if confirmed_device(user) is not None and not is_verified(request):
        return HttpResponseRedirect(reverse(VERIFY_URL_NAME))
    device = StaffTOTPDevice.objects.filter(
        user_id=user.pk, confirmed=False
    ).first() or StaffTOTPDevice.objects.create(
        user_id=user.pk, confirmed=False, name="Authenticator app"
    )
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        problem = _check_code(device, form.cleaned_data["code"])
        if problem is None:
            with transaction.atomic():
                StaffTOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            messages.success(request, "Two-factor sign-in is on for your account.")
            return _signed_in(request, device)
        form.add_error("code", problem)
    qr_code = segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2)
    return _page(
        site,
        request,
        "admin/two_factor/enrol.html",
        "Set up two-factor sign-in",
        form,
        qr_code=qr_code,
        secret=" ".join(
            device.base32_secret[i : i + 4] for i in range(0, len(device.base32_secret), 4)
        ),
        replacing=confirmed_device(user) is not None,
    )


def _check_code(device: StaffTOTPDevice, code: str) -> str | None:
    """None when the device accepts the code, else what to tell the user."""
    allowed, _reason = device.verify_is_allowed()
    if not allowed:
        return "Too many wrong codes: wait a few seconds, then enter the newest code."
    if device.verify_token(code):
        return None
    return "That code is not right (or was used already): enter the newest code from your app."


def _page(
    site: AdminSite,
    request: HttpRequest,
    template: str,
    title: str,
    form: CodeForm,
    **extra: Any,
) -> HttpResponse:
    context = {
        **site.each_context(request),
        "title": title,
        "form": form,
        "next": _next_url(request),
        **extra,
    }
    return render(request, template, context)
