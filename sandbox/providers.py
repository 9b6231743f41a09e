"""The stand-in ATSes the registry declares (`ProviderEntry.sandbox`), as the shell sees them.

A provider's sandbox urlconf is mounted at `sandbox/<key>/` under the namespace `<key>`, names
its start page `home`, and offers `candidate_emails()` (whose mail the mail page may show) and
`provision_demo(account)` (connects the demo account to it; the page to start from).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import cast

from accounts.models import Account
from integrations.registry import PROVIDERS


@dataclass(frozen=True)
class SandboxAts:
    key: str
    label: str
    urls: str

    def candidate_emails(self) -> set[str]:
        emails = cast(Callable[[], set[str]], import_module(self.urls).candidate_emails)
        return {email.casefold() for email in emails()}

    def provision_demo(self, account: Account) -> str:
        provision = cast(Callable[[Account], str], import_module(self.urls).provision_demo)
        return provision(account)


def sandbox_atses() -> list[SandboxAts]:
    return [
        SandboxAts(key, entry.label, entry.sandbox)
        for key, entry in PROVIDERS.items()
        if entry.sandbox
    ]
