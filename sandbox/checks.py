"""`manage.py check --deploy` warns while the sandbox is on: it is for trying the platform."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def sandbox_is_off(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if not settings.SANDBOX_ENABLED:
        return []
    return [
        Warning(
            "SANDBOX_ENABLED is on: /sandbox/ serves stand-in ATSes and a page of the email "
            "the platform sent to their candidates.",
            hint="Leave SANDBOX_ENABLED unset in production; it is for trying the platform.",
            id="sandbox.W001",
        )
    ]
