"""Do the stored Greenhouse credentials work? Ask Harvest, name each problem in plain words.

Used by the enable checks and by the admin's "Verify credentials" button: the Client ID and
Secret must become an access token, the acting user must be an active Site Admin, every read
the platform makes must be allowed, and every mapped ATS Field Id must be a custom field that
can hold its value. The write scopes are proven only by a first write. What was found is kept on
the credential (`verification`, `verified_at`) for the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from greenhouse import connection, unconfirmed, webhooks
from greenhouse.client import GreenhouseClient, token_url
from greenhouse.fields import WRITABLE_VALUE_TYPES, Level, parse_field_id
from integrations.http import loggable_url
from integrations.models import AssessmentFieldMapping, AtsCredential, InboundEvent, Integration
from integrations.provider_types import CheckTopic, CredentialCheck, TopicProblems
from integrations.transport import DeliveryError, PermanentError, TransientError

SCOPE_ADVICE = (
    "edit the Harvest V3 (OAuth) credential in Greenhouse (Configure → Dev Center → API "
    "Credential Management) and grant it"
)


class _Stop(Exception):
    """A problem after which asking Greenhouse anything more is pointless, and what it is about
    (the acting user, unless the token endpoint refused the credentials)."""

    def __init__(self, message: str, topic: CheckTopic = CheckTopic.NOTE_AUTHOR) -> None:
        super().__init__(message)
        self.topic = topic


def _from_token_endpoint(error: DeliveryError) -> bool:
    return error.exchange.request == f"POST {loggable_url(token_url())}"


def _token_problem(error: PermanentError) -> str:
    status = error.exchange.http_status
    if status == 401:
        return (
            "Greenhouse refused the Client ID and Client Secret (HTTP 401): they are wrong, or "
            "the secret was rotated more than a week ago. Copy them again from Greenhouse "
            "(Configure → Dev Center → API Credential Management) to the Harver to ATS tab."
        )
    if status == 400:
        return (
            "Greenhouse's token endpoint refused the request (HTTP 400): the credential must be "
            'of the type "Harvest V3 (OAuth)".'
        )
    return f"Greenhouse gave no access token: {error}"


def _user_label(user: dict[str, Any]) -> str:
    name = str(user.get("name") or "").strip()
    email = str(user.get("primary_email") or "").strip()
    return f"{name} ({email})" if name and email else name or email or str(user.get("id"))


def _acting_user(client: GreenhouseClient, user_id: str) -> dict[str, Any]:
    """The acting user as Greenhouse lists it; _Stop when it is missing or cannot act."""
    try:
        found = client.users([user_id])
    except PermanentError as error:
        if _from_token_endpoint(error):
            raise _Stop(_token_problem(error), CheckTopic.CREDENTIALS) from None
        if error.exchange.http_status == 403:
            raise _Stop(
                f"Greenhouse refused to list users (HTTP 403): the acting user {user_id} is not "
                f"a Site Admin, or {SCOPE_ADVICE} harvest:users:list."
            ) from None
        raise _Stop(f"The acting user could not be read: {error}") from None
    user = next((item for item in found if str(item.get("id")) == user_id), None)
    if user is None:
        raise _Stop(
            f"Greenhouse has no user {user_id} (or cannot show it): enter the id from the "
            "Site Admin user's page URL in Greenhouse."
        )
    problems = []
    if user.get("deactivated") is True:
        problems.append(
            f"The acting user {_user_label(user)} is deactivated in Greenhouse: pick an active "
            "Site Admin."
        )
    if user.get("site_admin") is not True:
        problems.append(
            f"The acting user {_user_label(user)} is not a Site Admin in Greenhouse: Harvest "
            "lists nothing for anyone else. Pick a Site Admin."
        )
    if problems:
        raise _Stop(" ".join(problems))
    return user


def _field_problems(
    integration: Integration, fields: dict[str, dict[str, dict[str, Any]]]
) -> list[str]:
    mappings = (
        AssessmentFieldMapping.objects.filter(integration=integration, send_status=True)
        .exclude(ats_field_id="")
        .select_related("assessment", "competency")
    )
    problems = []
    for mapping in mappings:
        where = f"{mapping.assessment.name}, {mapping.score_label}"
        try:
            field_id = parse_field_id(mapping.ats_field_id)
        except ValueError as error:
            problems.append(f"{where}: {error}")
            continue
        found = fields.get(field_id.level, {}).get(field_id.name_key)
        if found is None:
            problems.append(
                f"{where}: Greenhouse has no active {field_id.level} custom field with the key "
                f'"{field_id.name_key}".'
            )
        elif found.get("value_type") not in WRITABLE_VALUE_TYPES:
            problems.append(
                f"{where}: the Greenhouse field {field_id} is of the type "
                f'"{found.get("value_type")}", which cannot hold a Harver value.'
            )
    return problems


def _status_field_problems(
    credential: AtsCredential, fields: dict[str, dict[str, dict[str, Any]]]
) -> list[str]:
    text = credential.value("status_field")
    if not text:
        return []
    try:
        field_id = parse_field_id(text)
    except ValueError as error:
        return [f"The status field: {error}"]
    found = fields.get(field_id.level, {}).get(field_id.name_key)
    if found is None:
        return [
            f"The status field {field_id} is not an active {field_id.level} custom field in "
            "Greenhouse."
        ]
    if found.get("value_type") != "short_text":
        return [
            f'The status field {field_id} is of the type "{found.get("value_type")}"; the '
            "status is a word, so it needs a short text field."
        ]
    return []


def check(integration: Integration) -> CredentialCheck:
    """Ask Greenhouse about the stored credentials and the field mappings that depend on them."""
    try:
        found = connection.credentials(integration)
    except PermanentError as error:
        return CredentialCheck(
            problems=[str(error)],
            findings=[],
            members=[],
            topic_problems={CheckTopic.CREDENTIALS: [str(error)]},
        )
    problems = TopicProblems()
    confirmed: dict[str, str] = {}
    findings: list[str] = []
    scopes: dict[str, str] = {}
    members: list[tuple[str, str]] = []
    fields: dict[str, dict[str, dict[str, Any]]] = {}
    try:
        with connection.open_client(found, interactive=True) as client:
            acting_user = _acting_user(client, found.user_id)
            label = _user_label(acting_user)
            findings.append(
                f"Greenhouse gave an access token acting as {label}, user "
                f"{found.user_id}, an active Site Admin."
            )
            confirmed[CheckTopic.CREDENTIALS] = "Greenhouse gave an access token."
            confirmed[CheckTopic.NOTE_AUTHOR] = (
                f"Notes and values are written as {label}, user {found.user_id}, an active "
                "Site Admin."
            )
            scopes["harvest:users:list"] = "verified"
            reads: list[tuple[str, Callable[[], object]]] = [
                ("harvest:jobs:list", lambda: client.open_jobs(limit=1)),
                ("harvest:job_interview_stages:list", lambda: client.job_stages(limit=1)),
            ]
            scope_problems: list[str] = []
            for scope, call in reads:
                scopes[scope] = _scope(call, scope, scope_problems)
            for level in Level:
                scope = "harvest:custom_fields:list"
                try:
                    fields[level] = {
                        str(item.get("name_key")): item for item in client.custom_fields(level)
                    }
                    scopes[scope] = scopes.get(scope) or "verified"
                except PermanentError as error:
                    scopes[scope] = "missing"
                    scope_problems.append(_scope_problem(scope, error))
                    break
            problems.extend(CheckTopic.SCOPES, scope_problems)
            if len(fields) == len(Level):
                writable = sum(
                    1
                    for level_fields in fields.values()
                    for item in level_fields.values()
                    if item.get("value_type") in WRITABLE_VALUE_TYPES
                )
                findings.append(
                    f"Greenhouse has {writable} active custom field(s) that can hold a Harver "
                    "value."
                )
                field_problems = _field_problems(integration, fields) + _status_field_problems(
                    found.credential, fields
                )
                problems.extend(CheckTopic.FIELDS, field_problems)
                if not field_problems:
                    confirmed[CheckTopic.FIELDS] = (
                        "Every mapped field is an active Greenhouse custom field that can hold "
                        "its value."
                    )
            try:
                members = [(str(user["id"]), _user_label(user)) for user in client.site_admins()]
                findings.append(f"Greenhouse lists {len(members)} active Site Admin(s).")
            except (PermanentError, KeyError) as error:
                problems.add(
                    CheckTopic.NOTE_AUTHOR, f"The Site Admins could not be listed: {error}"
                )
    except _Stop as stop:
        problems.add(stop.topic, str(stop))
    except PermanentError as error:
        if _from_token_endpoint(error):
            problems.add(CheckTopic.CREDENTIALS, _token_problem(error))
        else:
            problems.add(CheckTopic.CREDENTIALS, str(error))
    except TransientError as error:
        problems.add(
            CheckTopic.CREDENTIALS, f"Greenhouse could not be asked: {error} Try again later."
        )
    if scopes:
        previous = (found.credential.verification or {}).get("scopes") or {}
        for scope in unconfirmed.WRITE_SCOPES:
            scopes[scope] = previous.get(scope) or "not yet verified"
        findings.append(
            "Write scopes ("
            + ", ".join(unconfirmed.WRITE_SCOPES)
            + "): proven by the first field or note written."
        )
        if CheckTopic.SCOPES not in problems.by_topic and len(scopes) > 1:
            confirmed[CheckTopic.SCOPES] = (
                "The credential has every read scope the platform uses; the write scopes ("
                + ", ".join(unconfirmed.WRITE_SCOPES)
                + ") are proven by the first field or note written."
            )
    findings.append(_last_ping(integration))
    result = CredentialCheck(
        problems=problems.all,
        findings=findings,
        members=members,
        topic_problems=problems.by_topic,
        confirmed=confirmed,
    )
    _remember(found.credential, result, scopes, fields)
    return result


def _last_ping(integration: Integration) -> str:
    """What the web hook's last ping said: that Greenhouse reached us, with which key."""
    ping = (
        InboundEvent.objects.filter(integration=integration, action=webhooks.PING)
        .order_by("-received_at", "-pk")
        .first()
    )
    if ping is None:
        return (
            "Greenhouse has not reached Harver yet: create the web hook in Greenhouse with the "
            "Webhook URL (ATS to Harver tab); saving it sends a ping."
        )
    when = timezone.localtime(ping.received_at).strftime("%Y-%m-%d %H:%M")
    return f"{when}: {ping.outcome}"


def _scope(call: Callable[[], object], scope: str, problems: list[str]) -> str:
    try:
        call()
    except PermanentError as error:
        problems.append(_scope_problem(scope, error))
        return "missing"
    return "verified"


def _scope_problem(scope: str, error: DeliveryError) -> str:
    if error.exchange.http_status == 403:
        return f"The credential lacks the scope {scope}: {SCOPE_ADVICE} {scope}."
    return f"Checking the scope {scope} failed: {error}"


def _remember(
    credential: AtsCredential,
    result: CredentialCheck,
    scopes: dict[str, str],
    fields: dict[str, dict[str, dict[str, Any]]],
) -> None:
    now = timezone.now()
    verification = {
        "ok": result.ok,
        "problems": result.problems,
        "scopes": scopes,
        "members": [{"id": member_id, "label": label} for member_id, label in result.members],
        "custom_fields": sorted(
            f"{level}:{key}" for level, items in fields.items() for key in items
        ),
        "checked_at": now.isoformat(),
    }
    AtsCredential.objects.filter(pk=credential.pk).update(
        verification=verification, verified_at=now if result.ok else None
    )
