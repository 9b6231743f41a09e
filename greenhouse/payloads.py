"""What a Greenhouse webhook body says, read strictly: `ping`, `candidate_stage_change`, or other.

Only the raw bytes are parsed here (after the signature check on those same bytes). The fields
we use are type-checked by serializers; unknown fields are ignored, nulls read as absent. A body
that is not a JSON object with an `action`, or that nothing could store (nested too deep, a NUL
character, an unpaired surrogate), is a `WebhookBodyError` (the view answers 400); a
stage change whose application cannot be read is `Unreadable`, answered 200 and recorded, since
Greenhouse sending it again would not make it readable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from harver_integration.json_bodies import MAX_NESTING, unacceptable_json

PING = "ping"
STAGE_CHANGE = "candidate_stage_change"


class WebhookBodyError(ValueError):
    """The body is not a webhook at all: not JSON, not an object, or without an action."""


class OptionalText(serializers.CharField):
    """Text that may be absent, null or blank; numbers are read as their text."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", "")
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> str:
        if data is None:
            return ""
        return str(super().run_validation(data))


class StrictInteger(serializers.IntegerField):
    """A JSON integer (or its digits as text), never a boolean or a float."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, (bool, float)):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class StrictBoolean(serializers.BooleanField):
    """A JSON boolean; null reads as the default."""

    def __init__(self, *, default: bool, **kwargs: Any) -> None:
        super().__init__(required=False, allow_null=True, default=default, **kwargs)
        self._fallback = default

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data

    def run_validation(self, data: Any = serializers.empty) -> bool:
        if data is None or data is serializers.empty:
            return self._fallback
        return bool(super().run_validation(data))


class ContactSerializer(serializers.Serializer[dict[str, Any]]):
    value = OptionalText(max_length=500)
    type = OptionalText(max_length=40)


class StageSerializer(serializers.Serializer[dict[str, Any]]):
    id = StrictInteger(required=False, allow_null=True, default=None)
    name = OptionalText(max_length=255)


class CandidateSerializer(serializers.Serializer[dict[str, Any]]):
    id = StrictInteger()
    first_name = OptionalText(max_length=150)
    last_name = OptionalText(max_length=150)
    can_email = StrictBoolean(default=True)
    is_private = StrictBoolean(default=False)
    email_addresses = ContactSerializer(many=True, required=False, allow_null=True, default=list)
    phone_numbers = ContactSerializer(many=True, required=False, allow_null=True, default=list)


class JobSerializer(serializers.Serializer[dict[str, Any]]):
    id = StrictInteger()
    name = OptionalText(max_length=255)
    custom_fields = serializers.DictField(required=False, allow_null=True, default=dict)


class ApplicationSerializer(serializers.Serializer[dict[str, Any]]):
    id = StrictInteger()
    status = OptionalText(max_length=40)
    prospect = StrictBoolean(default=False)
    current_stage = StageSerializer(required=False, allow_null=True, default=None)
    candidate = CandidateSerializer()
    jobs = JobSerializer(many=True, required=False, allow_null=True, default=list)


class StageChangeSerializer(serializers.Serializer[dict[str, Any]]):
    application = ApplicationSerializer()


class PingSerializer(serializers.Serializer[dict[str, Any]]):
    web_hook_id = StrictInteger(required=False, allow_null=True, default=None)
    name = OptionalText(max_length=255)
    event = OptionalText(max_length=255)
    active = StrictBoolean(default=True)


@dataclass(frozen=True)
class Contact:
    value: str
    type: str


@dataclass(frozen=True)
class Job:
    id: int
    name: str
    # Custom field values by their key, as text (only non-empty scalar values are kept).
    custom_fields: Mapping[str, str]


@dataclass(frozen=True)
class StageChange:
    application_id: int
    status: str
    prospect: bool
    stage_id: int | None
    stage_name: str
    candidate_id: int
    first_name: str
    last_name: str
    can_email: bool
    email_addresses: tuple[Contact, ...]
    phone_numbers: tuple[Contact, ...]
    jobs: tuple[Job, ...]

    @property
    def job(self) -> Job | None:
        return self.jobs[0] if self.jobs else None


@dataclass(frozen=True)
class Ping:
    web_hook_id: int | None
    name: str
    event: str
    active: bool


@dataclass(frozen=True)
class OtherAction:
    action: str


@dataclass(frozen=True)
class Unreadable:
    """A stage change whose payload lacks what we need; `errors` name each field."""

    action: str
    errors: dict[str, list[str]]


Webhook = Ping | StageChange | OtherAction | Unreadable


def parse_webhook(body: bytes) -> Webhook:
    """Read a webhook body; raises `WebhookBodyError` when it is not a webhook at all."""
    try:
        data = json.loads(body)
    except ValueError:
        raise WebhookBodyError("The body is not JSON.") from None
    except RecursionError:
        raise WebhookBodyError(f"The body is nested more than {MAX_NESTING} levels deep.") from None
    problem = unacceptable_json(data)
    if problem:
        raise WebhookBodyError(problem)
    if not isinstance(data, dict):
        raise WebhookBodyError("The body is not a JSON object.")
    action = data.get("action")
    if not isinstance(action, str) or not action.strip():
        raise WebhookBodyError("The body has no action.")
    action = action.strip()
    payload = data.get("payload")
    if action == PING:
        return _ping(payload if isinstance(payload, dict) else {})
    if action != STAGE_CHANGE:
        return OtherAction(action)
    if not isinstance(payload, dict):
        return Unreadable(action, {"payload": ["Expected a JSON object."]})
    serializer = StageChangeSerializer(data=payload)
    if not serializer.is_valid():
        return Unreadable(action, _flatten(serializer.errors, "payload"))
    return _stage_change(serializer.validated_data["application"])


def _ping(payload: dict[str, Any]) -> Ping:
    serializer = PingSerializer(data=payload)
    # A ping is answered 200 whatever it carries: the fields are only recorded.
    data = serializer.validated_data if serializer.is_valid() else {}
    return Ping(
        web_hook_id=data.get("web_hook_id"),
        name=data.get("name", ""),
        event=data.get("event", ""),
        active=data.get("active", True),
    )


def _contacts(items: list[dict[str, Any]] | None) -> tuple[Contact, ...]:
    return tuple(
        Contact(value=item["value"].strip(), type=item["type"].strip().lower())
        for item in items or []
        if item["value"].strip()
    )


def _job_fields(fields: dict[str, Any] | None) -> dict[str, str]:
    values = {}
    for key, field in (fields or {}).items():
        value = field.get("value") if isinstance(field, dict) else None
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value).strip()
            if text:
                values[str(key)] = text
    return values


def _stage_change(application: dict[str, Any]) -> StageChange:
    stage = application["current_stage"] or {}
    candidate = application["candidate"]
    return StageChange(
        application_id=application["id"],
        status=application["status"].strip().lower(),
        prospect=application["prospect"],
        stage_id=stage.get("id"),
        stage_name=stage.get("name", ""),
        candidate_id=candidate["id"],
        first_name=candidate["first_name"].strip(),
        last_name=candidate["last_name"].strip(),
        can_email=candidate["can_email"],
        email_addresses=_contacts(candidate["email_addresses"]),
        phone_numbers=_contacts(candidate["phone_numbers"]),
        jobs=tuple(
            Job(id=job["id"], name=job["name"], custom_fields=_job_fields(job["custom_fields"]))
            for job in application["jobs"] or []
        ),
    )


def _flatten(errors: Any, prefix: str) -> dict[str, list[str]]:
    """Nested serializer errors as {"payload.application.id": ["…"]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            # A list's errors come keyed by the item's index.
            name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}"
            flat.update(_flatten(value, name))
    elif isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        flat[prefix] = [str(error) for error in errors]
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if value:
                flat.update(_flatten(value, f"{prefix}[{index}]"))
    else:
        flat[prefix] = [str(errors)]
    return flat
