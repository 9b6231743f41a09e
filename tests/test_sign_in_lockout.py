"""Admin sign-in lockout (django-axes): by username, by address, a cool-off, unlocking."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests import factories

PASSWORD = "correct horse battery staple"
LOGIN = reverse("admin:login")


@pytest.fixture
def alice(db):
    return factories.UserFactory.create(username="alice", is_superuser=True)


def sign_in(client: Client, username: str, password: str, address: str = "192.0.2.10"):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_does_not_sign_in(client, alice):
    # given 30 wrong passwords for alice
    for _ in range(30):
        sign_in(client, "alice", "wrong password guess")

    # when the right one comes
    response = sign_in(client, "alice", PASSWORD)

    # then she is not signed in, and the page says why
    assert not signed_in(client)
    assert response.status_code == 429
    page = " ".join(response.content.decode().split())
    assert "Sign-in is locked" in page
    assert "ask Harver support to unlock it" in page


def test_the_failure_limit_comes_from_the_settings(client, alice, settings):
    # given a limit of 3
    settings.AXES_FAILURE_LIMIT = 3

    # then 2 failures leave the form, the third locks
    assert [sign_in(client, "alice", "wrong").status_code for _ in range(3)] == [200, 200, 429]
    assert sign_in(client, "alice", PASSWORD).status_code == 429
    assert not signed_in(client)


def test_it_locks_an_address_whatever_the_usernames(client, alice):
    # given 5 failures from one address, each for a different username
    for number in range(5):
        sign_in(client, f"someone{number}", "wrong", address="198.51.100.7")

    # then alice cannot sign in from that address, even with her password
    assert sign_in(client, "alice", PASSWORD, address="198.51.100.7").status_code == 429
    assert not signed_in(client)
    # while she can from another one
    assert sign_in(client, "alice", PASSWORD, address="198.51.100.8").status_code == 302
    assert signed_in(client)


def test_it_locks_a_username_whatever_the_addresses(client, alice):
    for number in range(5):
        sign_in(client, "alice", "wrong", address=f"203.0.113.{number + 1}")

    assert sign_in(client, "alice", PASSWORD, address="203.0.113.99").status_code == 429
    assert not signed_in(client)


def test_the_lockout_ends_after_the_cool_off(client, alice, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            sign_in(client, "alice", "wrong")
        # still locked just before the end of the cool-off
        clock.move_to(start + datetime.timedelta(minutes=29))
        assert sign_in(client, "alice", PASSWORD).status_code == 429
        # a failure during the lockout restarted it: 30 minutes from that one
        clock.move_to(start + datetime.timedelta(minutes=29 + 31))
        response = sign_in(client, "alice", PASSWORD)

        assert response.status_code == 302
        assert signed_in(client)


def test_support_unlocks_a_username_from_the_command_line(client, alice):
    for _ in range(5):
        sign_in(client, "alice", "wrong", address="192.0.2.20")
    assert sign_in(client, "alice", PASSWORD, address="192.0.2.21").status_code == 429

    call_command("axes_reset_username", "alice")

    assert sign_in(client, "alice", PASSWORD, address="192.0.2.21").status_code == 302
    assert signed_in(client)


def test_support_unlocks_an_address_from_the_command_line(client, alice):
    for number in range(5):
        sign_in(client, f"someone{number}", "wrong", address="192.0.2.30")

    call_command("axes_reset_ip", "192.0.2.30")

    assert sign_in(client, "alice", PASSWORD, address="192.0.2.30").status_code == 302


def test_lockouts_show_in_the_admin_and_deleting_one_unlocks(client, alice):
    # given bob locked out
    factories.UserFactory.create(username="bob")
    for _ in range(5):
        sign_in(client, "bob", "wrong", address="192.0.2.40")
    attempt = AccessAttempt.objects.get(username="bob")

    # when a superuser looks at the access attempts and deletes bob's
    support = Client()
    support.force_login(alice)
    listing = support.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "bob" in listing.content.decode()
    support.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    # then bob signs in again
    assert sign_in(client, "bob", PASSWORD, address="192.0.2.40").status_code == 302


@pytest.mark.parametrize(
    ("header", "proxies", "meta", "expected"),
    [
        pytest.param("", 1, {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "10.1.1.1", id="not-trusted"),
        pytest.param(
            "X-Forwarded-For",
            1,
            {"HTTP_X_FORWARDED_FOR": "198.51.100.66, 203.0.113.5"},
            "203.0.113.5",
            id="one-proxy-ignores-what-the-client-wrote",
        ),
        pytest.param(
            "X-Forwarded-For",
            2,
            {"HTTP_X_FORWARDED_FOR": "198.51.100.66, 203.0.113.5, 10.0.0.2"},
            "203.0.113.5",
            id="two-proxies",
        ),
        pytest.param("X-Forwarded-For", 1, {}, "10.1.1.1", id="no-header"),
        pytest.param(
            "X-Forwarded-For", 1, {"HTTP_X_FORWARDED_FOR": "not-an-address"}, "10.1.1.1", id="junk"
        ),
        pytest.param(
            "X-Real-IP", 1, {"HTTP_X_REAL_IP": "203.0.113.9"}, "203.0.113.9", id="real-ip"
        ),
    ],
)
def test_the_client_address_comes_from_a_proxy_header_only_when_configured(
    rf, settings, header, proxies, meta, expected
):
    from accounts.client_address import client_ip

    settings.CLIENT_IP_HEADER = header
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", **meta)

    assert client_ip(request) == expected


def test_a_spoofed_forwarded_for_header_does_not_escape_the_address_lockout(client, alice):
    # given no proxy header configured (the default): failures with a new X-Forwarded-For each
    for number in range(5):
        client.post(
            LOGIN,
            {"username": f"someone{number}", "password": "wrong"},
            REMOTE_ADDR="192.0.2.50",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )

    # then the address is still locked
    response = client.post(
        LOGIN,
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.50",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert response.status_code == 429
