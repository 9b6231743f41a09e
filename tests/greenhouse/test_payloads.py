"""Reading webhook bodies: ping, stage change, any other action; unknown fields tolerated."""

import copy
import json
from typing import Any

import pytest

from greenhouse.payloads import (
    OtherAction,
    Ping,
    StageChange,
    Unreadable,
    WebhookBodyError,
    parse_webhook,
)

STAGE_CHANGE: dict[str, Any] = {
    "action": "candidate_stage_change",
    "payload": {
        "application": {
            "id": 265277,
            "status": "active",
            "prospect": False,
            "rejected_at": None,
            "current_stage": {"id": 71416, "name": "Assessment", "interviews": []},
            "candidate": {
                "id": 265772,
                "first_name": "Giuseppe",
                "last_name": "Hurley",
                "can_email": True,
                "is_private": False,
                "tags": ["walk-in"],
                "email_addresses": [
                    {"value": "g.hurley@work.example.com", "type": "work"},
                    {"value": "giuseppe.hurley@example.com", "type": "personal"},
                ],
                "phone_numbers": [{"value": "330-281-8004", "type": "home"}],
            },
            "jobs": [
                {
                    "id": 3485,
                    "name": "Designer",
                    "requisition_id": None,
                    "custom_fields": {
                        "harver_job_code": {
                            "name": "Harver job code",
                            "type": "short_text",
                            "value": "ABC",
                        },
                        "empty": {"name": "Empty", "type": "short_text", "value": None},
                    },
                }
            ],
        }
    },
}


def body(data: object) -> bytes:
    return json.dumps(data).encode()


def test_it_reads_a_stage_change_and_ignores_unknown_fields():
    change = parse_webhook(body(STAGE_CHANGE))

    assert isinstance(change, StageChange)
    assert change.application_id == 265277
    assert change.status == "active"
    assert change.prospect is False
    assert (change.stage_id, change.stage_name) == (71416, "Assessment")
    assert (change.candidate_id, change.first_name, change.last_name) == (
        265772,
        "Giuseppe",
        "Hurley",
    )
    assert change.can_email is True
    assert [address.type for address in change.email_addresses] == ["work", "personal"]
    assert change.phone_numbers[0].value == "330-281-8004"
    assert change.job is not None
    assert change.job.id == 3485
    assert dict(change.job.custom_fields) == {"harver_job_code": "ABC"}


def test_it_reads_escaped_characters_as_greenhouse_sends_them():
    raw = body(STAGE_CHANGE).replace(b'"Giuseppe"', b'"Gius\\u003ceppe"')
    change = parse_webhook(raw)
    assert isinstance(change, StageChange)
    assert change.first_name == "Gius<eppe"


def test_nulls_read_as_absent():
    data = copy.deepcopy(STAGE_CHANGE)
    application = data["payload"]["application"]
    application["prospect"] = None
    application["jobs"] = None
    application["current_stage"] = None
    application["candidate"].update(email_addresses=None, can_email=None, first_name=None)

    change = parse_webhook(body(data))

    assert isinstance(change, StageChange)
    assert change.prospect is False
    assert change.jobs == ()
    assert change.stage_id is None
    assert change.stage_name == ""
    assert change.email_addresses == ()
    assert change.can_email is True
    assert change.first_name == ""


def test_a_ping_is_read_with_its_event():
    ping = {
        "action": "ping",
        "payload": {
            "web_hook_id": 9590,
            "name": "Zulip",
            "active": True,
            "endpoint_url": "https://example.com/",
            "content-type": "application/json",
            "event": "Candidate has been hired",
        },
    }
    assert parse_webhook(body(ping)) == Ping(
        web_hook_id=9590, name="Zulip", event="Candidate has been hired", active=True
    )


def test_a_ping_without_payload_is_still_a_ping():
    assert parse_webhook(b'{"action": "ping"}') == Ping(None, "", "", True)


def test_other_actions_are_named_and_left_alone():
    assert parse_webhook(b'{"action": "application_updated", "payload": {}}') == OtherAction(
        "application_updated"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "The body is not JSON."),
        (b"\xff\xfe", "The body is not JSON."),
        (b"[1, 2]", "The body is not a JSON object."),
        (b'{"payload": {}}', "The body has no action."),
        (b'{"action": "  "}', "The body has no action."),
        (b'{"action": 7}', "The body has no action."),
    ],
)
def test_a_body_that_is_no_webhook_is_an_error(raw, message):
    with pytest.raises(WebhookBodyError, match=message):
        parse_webhook(raw)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda a: a.pop("id"), "payload.application.id"),
        (lambda a: a.update(id="x"), "payload.application.id"),
        (lambda a: a.update(id=True), "payload.application.id"),
        (lambda a: a.update(prospect="no"), "payload.application.prospect"),
        (lambda a: a.pop("candidate"), "payload.application.candidate"),
        (lambda a: a["candidate"].update(id=1.5), "payload.application.candidate.id"),
        (lambda a: a["jobs"][0].pop("id"), "payload.application.jobs[0].id"),
    ],
)
def test_a_stage_change_it_cannot_read_names_the_field(change, field):
    data = copy.deepcopy(STAGE_CHANGE)
    change(data["payload"]["application"])

    parsed = parse_webhook(body(data))

    assert isinstance(parsed, Unreadable)
    assert field in parsed.errors


def test_a_stage_change_without_payload_is_unreadable():
    parsed = parse_webhook(b'{"action": "candidate_stage_change", "payload": []}')
    assert parsed == Unreadable("candidate_stage_change", {"payload": ["Expected a JSON object."]})
