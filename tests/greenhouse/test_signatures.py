"""The webhook signature: HMAC-SHA256 over the exact bytes, the old key kept for a grace period."""

import datetime
import hashlib
import hmac

import pytest

from greenhouse.sandbox.webhooks import greenhouse_json
from greenhouse.signatures import SecretKeys, signature_header, signature_matches

KEY = "whsec-acme-2026"
BODY = greenhouse_json({"action": "ping", "payload": {"name": "<Harver> & co"}})


def test_it_escapes_like_greenhouse_and_signs_those_bytes():
    assert b"\\u003cHarver\\u003e \\u0026 co" in BODY
    expected = hmac.new(KEY.encode(), BODY, hashlib.sha256).hexdigest()
    assert signature_header(BODY, KEY) == f"sha256 {expected}"
    assert signature_matches(BODY, f"sha256 {expected}", [KEY])


def test_it_refuses_a_signature_over_the_reserialised_body():
    import json

    reserialised = json.dumps(json.loads(BODY)).encode()
    assert reserialised != BODY
    assert not signature_matches(BODY, signature_header(reserialised, KEY), [KEY])


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256",
        "sha1 " + "0" * 64,
        "sha256 " + "0" * 63,
        "sha256 " + "g" * 64,
        "sha256:" + "0" * 64,
    ],
)
def test_it_refuses_a_missing_or_malformed_header(header):
    assert not signature_matches(BODY, header, [KEY])


def test_it_refuses_the_wrong_key_and_a_changed_byte():
    header = signature_header(BODY, KEY)
    assert not signature_matches(BODY, header, ["another-key"])
    assert not signature_matches(BODY + b" ", header, [KEY])
    assert not signature_matches(BODY, header, [""])


def test_it_accepts_an_upper_case_digest():
    algorithm, hexdigest = signature_header(BODY, KEY).split(" ")
    assert signature_matches(BODY, f"{algorithm} {hexdigest.upper()}", [KEY])


def test_the_previous_key_verifies_only_during_the_grace_period():
    rotated = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    keys = SecretKeys(current="new-key", previous=KEY, replaced_at=rotated)
    header = signature_header(BODY, KEY)

    during = keys.accepted(rotated + datetime.timedelta(seconds=86399), grace_seconds=86400)
    after = keys.accepted(rotated + datetime.timedelta(seconds=86400), grace_seconds=86400)

    assert during == ["new-key", KEY]
    assert signature_matches(BODY, header, during)
    assert after == ["new-key"]
    assert not signature_matches(BODY, header, after)


def test_no_key_set_verifies_nothing():
    assert SecretKeys(current="").accepted(datetime.datetime.now(datetime.UTC), 60) == []
    assert not signature_matches(BODY, signature_header(BODY, ""), [])
