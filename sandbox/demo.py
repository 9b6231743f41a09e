"""The demo account connected to every sandbox ATS, for the embedded run (`load_demo_data`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from accounts.models import Account
from sandbox.providers import sandbox_atses


@dataclass(frozen=True)
class SandboxStart:
    label: str
    url: str


def provision_demo(account: Account) -> list[SandboxStart]:
    """A sandbox integration per ATS for `account`, each with its sandbox page; none when the
    sandbox is off."""
    if not settings.SANDBOX_ENABLED:
        return []
    return [
        SandboxStart(ats.label, f"{settings.PUBLIC_BASE_URL}{ats.provision_demo(account)}")
        for ats in sandbox_atses()
    ]
