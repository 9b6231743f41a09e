"""Every reading of Greenhouse that no source settles, in one place, so each is easy to change.

docs/greenhouse.md lists them with the reason for each choice. Code elsewhere in this package
asks these functions and constants instead of repeating a guess.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from typing import Any

# --- The token answer -------------------------------------------------------------------------

# Clients read the expiry as `expires_at` (RFC 3339) or `expires_in` (seconds): we accept either.
# Without both, the token is taken to live as long as a partner token (one hour).
ASSUMED_TOKEN_LIFETIME = datetime.timedelta(hours=1)
# A longer stated lifetime is read as this: renewing early costs one request, trusting an absurd
# figure (or one past the calendar's end) would keep a dead token.
LONGEST_TOKEN_LIFETIME = datetime.timedelta(days=1)


def token_expiry(answer: Mapping[str, Any], now: datetime.datetime) -> datetime.datetime:
    """When the access token of a token-endpoint answer stops working."""
    expires_at = answer.get("expires_at")
    if isinstance(expires_at, str) and expires_at.strip():
        try:
            moment = datetime.datetime.fromisoformat(expires_at.strip().replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    expires_in = answer.get("expires_in")
    seconds: float | None = None
    if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
        seconds = float(expires_in)
    elif (
        isinstance(expires_in, str)
        and expires_in.strip().isascii()
        and expires_in.strip().isdigit()
    ):
        digits = expires_in.strip()
        seconds = float(digits) if len(digits) < 300 else math.inf
    if seconds is None or math.isnan(seconds):
        return now + ASSUMED_TOKEN_LIFETIME
    longest = LONGEST_TOKEN_LIFETIME.total_seconds()
    return now + datetime.timedelta(seconds=min(max(seconds, 0.0), longest))


# --- Webhooks ---------------------------------------------------------------------------------

# The "When" of the webhook the customer creates; a ping naming another event gets a warning.
STAGE_CHANGE_EVENT = "Candidate has changed stage"
# Whether pings are signed is unknown: a ping is answered 200 either way, and the match recorded.
PING_NEEDS_SIGNATURE = False


def trigger_stage_matches(trigger_stage_id: int | None, current_stage_id: int | None) -> bool:
    """Whether the application still sits in the stage that triggered the webhook.

    Reads the webhook's `current_stage.id` as a `job_interview_stages.id`, the value Harvest's
    current application stage carries as `job_interview_stage_id`.
    """
    return trigger_stage_id is not None and trigger_stage_id == current_stage_id


# --- Harvest reads ----------------------------------------------------------------------------

# Filters say `status=active`, records say `in_process`: both are an application in play.
ACTIVE_APPLICATION_STATUSES = frozenset({"active", "in_process"})


def error_message(body: Any) -> str:
    """The first plain message of a Harvest error body (v1's shape: `message`, `errors[]`)."""
    if not isinstance(body, Mapping):
        return ""
    message = body.get("message")
    if isinstance(message, str) and message.strip():
        return message.strip()
    errors = body.get("errors")
    if isinstance(errors, Sequence) and not isinstance(errors, str):
        for error in errors:
            if isinstance(error, Mapping) and isinstance(error.get("message"), str):
                return str(error["message"]).strip()
    error = body.get("error")
    return error.strip() if isinstance(error, str) else ""


# --- Harvest writes ---------------------------------------------------------------------------


def custom_fields_body(values: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """The PATCH body that sets custom fields of one candidate or application, by `name_key`."""
    return {"custom_fields": [{"name_key": key, "value": value} for key, value in values]}


# A single_select field takes the option's id (whether the name works too is unknown).
SELECT_TAKES_OPTION_ID = True

NOTE_VISIBILITIES = ("public", "private", "admin_only")
DEFAULT_NOTE_VISIBILITY = "public"


def note_body(
    *, candidate_id: int, application_id: int, user_id: int, text: str, visibility: str
) -> dict[str, Any]:
    """The `POST /v3/notes` body; both ids are sent because which one is required is unknown."""
    return {
        "candidate_id": candidate_id,
        "application_id": application_id,
        "user_id": user_id,
        "body": text,
        "visibility": visibility,
        "note_type": "NOTE",
    }


# --- Scopes -----------------------------------------------------------------------------------

# The least the platform needs, named as clients name them.
READ_SCOPES = (
    "harvest:users:list",
    "harvest:jobs:list",
    "harvest:job_interview_stages:list",
    "harvest:applications:list",
    "harvest:application_stages:list",
    "harvest:candidates:list",
    "harvest:custom_fields:list",
    "harvest:custom_field_options:list",
    "harvest:notes:list",
)
WRITE_SCOPES = (
    "harvest:candidates:update",
    "harvest:applications:update",
    "harvest:notes:create",
)
SCOPES = READ_SCOPES + WRITE_SCOPES
