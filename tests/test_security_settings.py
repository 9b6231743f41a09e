"""Checklist rows that are settings: CSRF on the admin and secure cookies (S10), JSON-only task
messages (S12), and the installed packages past their advisories (S8, S13)."""

from __future__ import annotations

import json
from importlib.metadata import version

import pytest
from django.test import Client
from django.urls import reverse
from kombu.exceptions import ContentDisallowed
from kombu.serialization import dumps, loads
from packaging.version import Version

from harver_integration.celery import app as celery_app
from tests import factories
from tests.test_settings import PRODUCTION_ENV, manage


def test_an_admin_post_without_the_csrf_token_is_refused(db):
    user = factories.UserFactory.create(username="root", is_superuser=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(reverse("admin:accounts_account_add"), {"name": "Forged"})

    assert response.status_code == 403
    assert not factories.Account.objects.filter(name="Forged").exists()


def test_the_sign_in_form_needs_the_csrf_token_too(db):
    factories.UserFactory.create(username="root", is_superuser=True)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("admin:login"), {"username": "root", "password": "correct horse battery staple"}
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_production_settings_make_cookies_secure_and_require_two_factor(tmp_path):
    names = [
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "SESSION_COOKIE_AGE",
        "ADMIN_REQUIRE_2FA",
        "CLIENT_IP_HEADER",
        "AXES_FAILURE_LIMIT",
    ]
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )

    result = manage("shell", "-c", script, env=PRODUCTION_ENV, tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_COOKIE_AGE": 1800,
        "ADMIN_REQUIRE_2FA": True,
        "CLIENT_IP_HEADER": "",
        "AXES_FAILURE_LIMIT": 5,
    }


def test_a_pickled_task_message_is_refused():
    # what a worker does with a message body: decode it, accepting only the configured types
    assert celery_app.conf.accept_content == ["json"]
    content_type, encoding, body = dumps({"task": "x"}, serializer="pickle")
    assert content_type == "application/x-python-serialize"

    with pytest.raises(ContentDisallowed):
        loads(body, content_type, encoding, accept=celery_app.conf.accept_content)


@pytest.mark.parametrize(
    ("package", "fixed"),
    [
        pytest.param("django", "5.2.9", id="django-2025-sql-injection-fixes"),
        pytest.param("requests", "2.32.4", id="requests-CVE-2024-47081"),
        pytest.param("cryptography", "44.0.1", id="cryptography-CVE-2024-12797"),
        pytest.param("djangorestframework", "3.17.2", id="drf-checklist-S8"),
        pytest.param("urllib3", "2.6.0", id="urllib3-CVE-2025-66471"),
        pytest.param("setuptools", "78.1.1", id="setuptools-CVE-2025-47273"),
        pytest.param("pip", "25.3", id="pip-CVE-2025-8869"),
    ],
)
def test_the_installed_packages_are_past_their_advisories(package, fixed):
    assert Version(version(package)) >= Version(fixed)
