"""Reading the token answer's expiry: `expires_at` or `expires_in`, else an hour."""

import datetime

from greenhouse.unconfirmed import error_message, token_expiry

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


def test_expires_at_in_rfc_3339():
    assert token_expiry({"expires_at": "2026-03-01T12:30:00Z"}, NOW) == NOW + datetime.timedelta(
        minutes=30
    )
    assert token_expiry({"expires_at": "2026-03-01T13:30:00+01:00"}, NOW) == (
        NOW + datetime.timedelta(minutes=30)
    )


def test_expires_in_seconds():
    assert token_expiry({"expires_in": 600}, NOW) == NOW + datetime.timedelta(seconds=600)
    assert token_expiry({"expires_in": "600"}, NOW) == NOW + datetime.timedelta(seconds=600)


def test_neither_or_nonsense_is_an_hour():
    hour = NOW + datetime.timedelta(hours=1)
    assert token_expiry({}, NOW) == hour
    assert token_expiry({"expires_at": "soon", "expires_in": True}, NOW) == hour


def test_an_absurd_lifetime_is_capped_at_a_day_and_a_past_one_is_now():
    day = NOW + datetime.timedelta(days=1)
    assert token_expiry({"expires_in": 1e300}, NOW) == day
    assert token_expiry({"expires_in": float("inf")}, NOW) == day
    assert token_expiry({"expires_in": "9" * 400}, NOW) == day
    assert token_expiry({"expires_in": -5}, NOW) == NOW
    assert token_expiry({"expires_in": float("nan")}, NOW) == NOW + datetime.timedelta(hours=1)


def test_error_messages_read_the_first_plain_message():
    assert error_message({"message": "Bad scope"}) == "Bad scope"
    assert error_message({"errors": [{"message": "name_key is unknown", "field": "x"}]}) == (
        "name_key is unknown"
    )
    assert error_message({"error": "invalid_client"}) == "invalid_client"
    assert error_message(["x"]) == ""
