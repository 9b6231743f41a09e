"""Staff sessions end after SESSION_IDLE_TIMEOUT_SECONDS without a request; passwords are long."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests import factories

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def staff(db):
    return factories.UserFactory.create(username="sam", is_superuser=True)


def test_a_session_ends_after_the_idle_timeout(client, staff, settings):
    assert settings.SESSION_IDLE_TIMEOUT_SECONDS == 30 * 60  # the default
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(staff)
        assert client.get(reverse("admin:index")).status_code == 200

        clock.move_to(START + datetime.timedelta(minutes=31))
        response = client.get(reverse("admin:index"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_each_request_restarts_the_idle_clock(client, staff):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(staff)
        for minutes in (20, 40, 60, 80):
            clock.move_to(START + datetime.timedelta(minutes=minutes))
            assert client.get(reverse("admin:index")).status_code == 200


def test_the_session_cookie_ends_with_the_browser(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:index"))

    assert response.cookies["sessionid"]["expires"] == ""
    assert response.cookies["sessionid"]["max-age"] == ""


def test_a_staff_password_needs_twelve_characters(staff):
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Kq7!vRm2#pL", user=staff)  # 11 characters
    validate_password("Kq7!vRm2#pLw", user=staff)


def test_the_admin_refuses_a_short_password(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "Kq7!vRm2#pL",
            "new_password2": "Kq7!vRm2#pL",
        },
    )

    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password("correct horse battery staple")
