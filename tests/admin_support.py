"""Helpers shared by the admin tests: people with the right memberships, eager Celery, a private
cache."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from accounts.models import Account
from harver_integration.celery import app as celery_app
from integrations.models import Integration
from integrations.providers import get_provider
from tests.factories import UserFactory


def staff_member(account: Account, *, username: str, harver_admin: bool = True) -> User:
    user = UserFactory.create(username=username, harver_admin=harver_admin)
    account.members.add(user)
    return user


def integration_url(name: str, integration: Integration, query: str = "") -> str:
    url = reverse(f"admin:integrations_integration_{name}", args=[integration.pk])
    return f"{url}?{query}" if query else url


@contextmanager
def eager_celery() -> Iterator[None]:
    """Run queued tasks in the calling thread, raising their errors, for the duration."""
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def private_cache(settings: Any) -> None:
    """A cache of this process alone: tokens waiting to be shown must not meet other test runs."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "admin-tests",
        }
    }


@pytest.fixture(name="remote_problems")
def remote_problems_fixture(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The problems the ATS itself reports when enabling; none unless a test adds some.

    Keeps the admin tests off the network however the provider's remote checks evolve.
    """
    problems: list[str] = []
    provider_class = type(get_provider("workable"))
    monkeypatch.setattr(provider_class, "remote_problems", lambda self, integration: problems)
    return problems
