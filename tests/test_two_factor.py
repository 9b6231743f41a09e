"""Two-factor sign-in for staff (django-otp, TOTP): setup, the second step, support's reset."""

from __future__ import annotations

import json
import re
from base64 import b32decode

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import StaffTOTPDevice
from tests import factories
from tests.db_scan import tables_containing

PASSWORD = "correct horse battery staple"
ENROL = reverse("admin:two_factor_enrol")
VERIFY = reverse("admin:two_factor_verify")


def code(secret_hex: str, steps_ahead: int = 0) -> str:
    value = totp(bytes.fromhex(secret_hex), step=30, t0=-30 * steps_ahead, digits=6)
    return f"{value:06d}"


def sign_in(client: Client, username: str = "alice", address: str = "192.0.2.10"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": PASSWORD, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def alice(db):
    return factories.UserFactory.create(username="alice", is_superuser=True)


@pytest.fixture
def required(settings):
    settings.ADMIN_REQUIRE_2FA = True


def enrolled(user) -> StaffTOTPDevice:
    return StaffTOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def test_when_required_a_password_alone_does_not_open_the_admin(client, alice, required):
    sign_in(client)

    for url in (reverse("admin:index"), reverse("admin:auth_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(ENROL)


def test_without_the_setting_a_password_alone_still_opens_the_admin(client, alice):
    sign_in(client)

    assert client.get(reverse("admin:index")).status_code == 200


def test_setting_up_shows_a_qr_code_and_the_secret_and_needs_one_code(client, alice, required):
    # given alice signed in with her password
    sign_in(client)

    # when she opens the setup page
    page = client.get(ENROL).content.decode()

    # then it shows a QR code and the key to type in
    assert 'src="data:image/svg+xml' in page
    shown = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page)
    assert shown is not None
    device = StaffTOTPDevice.objects.get(user=alice, confirmed=False)
    assert b32decode(shown.group(1).replace(" ", "")).hex() == device.secret

    # a wrong code does not turn it on
    response = client.post(ENROL, {"code": "000000" if code(device.secret) != "000000" else "1"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302

    # when she enters the code of her app (past django-otp's back-off after the wrong one)
    StaffTOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = client.post(ENROL, {"code": code(device.secret), "next": reverse("admin:index")})

    # then two-factor sign-in is on and the admin opens
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_secret_is_not_stored_in_plain_text(alice):
    device = enrolled(alice)

    assert tables_containing(device.secret) == []
    assert tables_containing(device.base32_secret) == []


def test_a_staff_user_with_a_device_gives_a_code_after_the_password(client, alice):
    # given alice set up an app (the setting is off: she chose to)
    device = enrolled(alice)

    # when she signs in with her password
    response = sign_in(client)

    # then the admin asks for the code before anything else
    assert response.status_code == 302
    gated = client.get(reverse("admin:index"))
    assert gated["Location"].startswith(VERIFY)
    assert client.get(ENROL)["Location"].startswith(VERIFY), "no new device without the code"

    # and her code opens it, once
    now = code(device.secret)
    accepted = client.post(VERIFY, {"code": now, "next": "/admin/"})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200

    other = Client()
    sign_in(other)
    replay = other.post(VERIFY, {"code": now})
    assert "That code is not right (or was used already)" in replay.content.decode()


def test_wrong_codes_count_towards_the_lockout(client, alice, settings):
    # given alice with an app, signed in with her password
    device = enrolled(alice)
    settings.AXES_FAILURE_LIMIT = 3
    sign_in(client)
    right = code(device.secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    # when wrong codes are entered (each try after the first waits out django-otp's back-off)
    statuses = []
    for _ in range(3):
        StaffTOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        statuses.append(client.post(VERIFY, {"code": wrong}).status_code)

    # then the third locks her out and signs her out
    assert statuses == [200, 200, 429]
    assert "_auth_user_id" not in client.session
    assert sign_in(Client()).status_code == 429


def test_an_off_site_next_is_not_followed(client, alice):
    device = enrolled(alice)
    sign_in(client)

    response = client.post(VERIFY, {"code": code(device.secret), "next": "https://evil.test/"})

    assert response["Location"] == reverse("admin:index")


def test_a_malformed_code_is_a_form_error(client, alice):
    enrolled(alice)
    sign_in(client)

    response = client.post(VERIFY, {"code": "12ab"})

    assert response.status_code == 200
    assert "Enter the 6 digits your authenticator app shows." in response.content.decode()


def test_support_resets_a_lost_device_from_the_command_line(client, alice, required, capsys):
    enrolled(alice)

    call_command("two_factor", "status", "alice", "--json")
    assert json.loads(capsys.readouterr().out)["two_factor"] is True
    call_command("two_factor", "reset", "alice", "--json")
    assert json.loads(capsys.readouterr().out) == {
        "username": "alice",
        "devices_removed": 1,
        "two_factor": False,
    }

    # alice sets up a new app at her next sign-in
    sign_in(client)
    assert client.get(reverse("admin:index"))["Location"].startswith(ENROL)


def test_the_command_names_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        call_command("two_factor", "reset", "nobody")


def test_a_reset_ends_the_verification_of_open_sessions(client, alice):
    device = enrolled(alice)
    sign_in(client)
    client.post(VERIFY, {"code": code(device.secret)})
    assert client.get(reverse("admin:index")).status_code == 200

    call_command("two_factor", "reset", "alice")

    # without a device and without the setting, her session goes on with the password alone
    assert client.get(reverse("admin:index")).status_code == 200
