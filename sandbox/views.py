"""The sandbox's shell: its start page, the mail page, and the frame every sandbox page shares.

Only Harver staff (the admin's sign-in) use the sandbox's pages: they act for a recruiter and
show candidates' links. The stand-in ATSes' APIs, which the platform calls, live in each
provider's sandbox urlconf.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from sandbox import mail
from sandbox.providers import sandbox_atses


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A sandbox page, in the shell's frame with its navigation to every stand-in ATS."""
    navigation = [(ats.label, reverse(f"sandbox:{ats.key}:home")) for ats in sandbox_atses()]
    return render(request, template, {"sandbox_navigation": navigation, **context}, status=status)


@staff_member_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render_page(request, "sandbox/home.html", {})


@staff_member_required
@require_GET
def mail_page(request: HttpRequest) -> HttpResponse:
    recipients: set[str] = set()
    for ats in sandbox_atses():
        recipients |= ats.candidate_emails()
    return render_page(
        request,
        "sandbox/mail.html",
        {"messages_sent": mail.sent_mail(recipients), "kept": mail.kept()},
    )
