"""What Greenhouse is owed for a completed result, and how each of those deliveries is sent.

`record_status_change` runs inside the status change's transaction (through the provider hook)
and writes, for a completed result, one custom-field write per level (candidate, application)
with every mapped value of that level, and one activity-feed note with the recommendation and
the enabled report links. Greenhouse has no status channel: when the admin names a status field,
every status is written there as a word (a status delivery, so the outbox never lets an older
status overwrite a newer one); otherwise other statuses owe it nothing.

`connect` opens the sender the outbox uses for a claimed batch: the credentials are read only
then, one HTTP session and one access token serve the batch, every request takes its slot from
the limit per Client ID. A value is converted for its field's type when it is sent (the field
definitions are read once per batch), so a field retyped in Greenhouse meanwhile is written as
it now is. A note is not idempotent in Greenhouse: its id is kept once posted (a replay posts
nothing), and after an attempt that may have landed (a time-out, a server error, a worker lost
mid-send) the candidate's notes are read first and the note is posted only if none carries its
marker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from assessments.lifecycle import StatusChange, status_rank
from assessments.models import CandidateAssessment
from greenhouse import connection, notes
from greenhouse.client import GreenhouseClient
from greenhouse.fields import FieldId, FieldValueError, Level, field_value, parse_field_id
from greenhouse.unconfirmed import note_body
from harver_integration.ids import parse_id
from integrations.models import (
    AssessmentFieldMapping,
    AtsCredential,
    AtsInvitation,
    Delivery,
    Integration,
    ReportSettings,
)
from integrations.outbox import sending, writing
from integrations.report_links import report_links
from integrations.transport import CredentialsUnusable, Exchange, PermanentError

logger = logging.getLogger(__name__)

Status = CandidateAssessment.Status
Kind = Delivery.Kind
WRITE_SCOPES = {
    Level.CANDIDATE: "harvest:candidates:update",
    Level.APPLICATION: "harvest:applications:update",
}
NOTE_SCOPE = "harvest:notes:create"


# --- Writing what is owed -------------------------------------------------------------------


STATUS_WORDS = {
    Status.PENDING: "Invited",
    Status.STARTED: "Started",
    Status.COMPLETED: "Completed",
    Status.EXPIRED: "Expired",
    Status.REJECTED: "Withdrawn",
}


def record_status_change(invitation: AtsInvitation, change: StatusChange) -> list[Delivery]:
    """The deliveries a status change causes; call inside the change's transaction."""
    credential = AtsCredential.objects.filter(integration=invitation.integration).first()
    deliveries = _owed(invitation, change, status_field_of(credential))
    return writing.add(invitation.integration, deliveries) if deliveries else []


def record_status_changes(owed: Sequence[tuple[AtsInvitation, StatusChange]]) -> list[Delivery]:
    """`record_status_change` for many changes at once: the integrations' credentials are read
    in one query, and a status other than `completed` costs no query of its own."""
    status_fields = {
        credential.integration_id: status_field_of(credential)
        for credential in AtsCredential.objects.filter(
            integration_id__in={invitation.integration_id for invitation, _ in owed}
        )
    }
    return writing.add_many(
        [
            (
                invitation.integration,
                _owed(invitation, change, status_fields.get(invitation.integration_id)),
            )
            for invitation, change in owed
        ]
    )


def _owed(
    invitation: AtsInvitation, change: StatusChange, status_field: FieldId | None
) -> list[Delivery]:
    candidate_assessment = change.candidate_assessment
    deliveries = []
    if status_field is not None:
        deliveries.append(
            status_delivery(invitation, candidate_assessment, change.current, status_field)
        )
    if change.current == Status.COMPLETED:
        deliveries += field_deliveries(invitation, candidate_assessment)
        deliveries.append(note_delivery(invitation, candidate_assessment))
    return deliveries


def status_field_of(credential: AtsCredential | None) -> FieldId | None:
    """The admin's status field, or None without one (then statuses owe Greenhouse nothing)."""
    try:
        return parse_field_id(credential.value("status_field") if credential else "")
    except ValueError:
        return None


def status_delivery(
    invitation: AtsInvitation,
    candidate_assessment: CandidateAssessment,
    status: str,
    field_id: FieldId,
) -> Delivery:
    """The status word for the admin's status field."""
    word = STATUS_WORDS[Status(status)]
    return Delivery(
        candidate_assessment=candidate_assessment,
        kind=Kind.STATUS,
        label=f"Status {word} ({field_id})",
        payload={
            "level": str(field_id.level),
            "record_id": invitation.refs.get(f"{field_id.level}_id", ""),
            "fields": [{"name_key": field_id.name_key, "value": word}],
        },
        rank=status_rank(candidate_assessment, status),
    )


def record_repeated_invitation(invitation: AtsInvitation) -> list[Delivery]:
    """Greenhouse invited a completed application again: its values are written again (a field
    write is idempotent; the note is not repeated)."""
    candidate_assessment = invitation.candidate_assessment
    if candidate_assessment.status != Status.COMPLETED:
        return []
    return writing.add(invitation.integration, field_deliveries(invitation, candidate_assessment))


def _recommendation(candidate_assessment: CandidateAssessment) -> str:
    return str(candidate_assessment.get_recommendation_display())


def mapped_value(
    mapping: AssessmentFieldMapping, candidate_assessment: CandidateAssessment
) -> str | int | None:
    if mapping.score == AssessmentFieldMapping.Score.OVERALL:
        return candidate_assessment.score
    if mapping.score == AssessmentFieldMapping.Score.RECOMMENDATION:
        return _recommendation(candidate_assessment) or None
    name = mapping.competency.name if mapping.competency else ""
    score = (candidate_assessment.competency_scores or {}).get(name)
    return None if score is None else int(score)


def field_deliveries(
    invitation: AtsInvitation, candidate_assessment: CandidateAssessment
) -> list[Delivery]:
    """One write per level, with every value mapped to a field of that level."""
    mappings = (
        AssessmentFieldMapping.objects.filter(
            integration=invitation.integration,
            assessment_id=candidate_assessment.assessment_id,
            send_status=True,
        )
        .exclude(ats_field_id="")
        .select_related("competency")
    )
    by_level: dict[Level, list[dict[str, Any]]] = {}
    for mapping in mappings:
        value = mapped_value(mapping, candidate_assessment)
        if value is None:
            continue
        try:
            field_id = parse_field_id(mapping.ats_field_id)
        except ValueError:
            continue  # the enable checks name it; nothing can be written to it
        by_level.setdefault(field_id.level, []).append(
            {"name_key": field_id.name_key, "value": value, "score": mapping.score_label}
        )
    record_ids = {
        Level.CANDIDATE: invitation.refs.get("candidate_id", ""),
        Level.APPLICATION: invitation.refs.get("application_id", ""),
    }
    return [
        Delivery(
            candidate_assessment=candidate_assessment,
            kind=Kind.FIELD,
            label=f"{level.capitalize()} fields " + ", ".join(item["name_key"] for item in values),
            payload={"level": str(level), "record_id": record_ids[level], "fields": values},
        )
        for level, values in sorted(by_level.items())
    ]


def note_delivery(invitation: AtsInvitation, candidate_assessment: CandidateAssessment) -> Delivery:
    """The activity-feed note; its author (the acting user) is added when sending."""
    integration = invitation.integration
    report_settings = ReportSettings.objects.filter(integration=integration).first()
    links = report_links(
        report_settings or ReportSettings(integration=integration), candidate_assessment
    )
    result_id = str(candidate_assessment.public_id)
    text = notes.note_text(
        assessment_name=candidate_assessment.assessment.name,
        recommendation=_recommendation(candidate_assessment),
        score=candidate_assessment.score,
        summary=candidate_assessment.summary,
        links=[(link.description, link.url) for link in links.note_links],
        result_id=result_id,
    )
    return Delivery(
        candidate_assessment=candidate_assessment,
        kind=Kind.COMMENT,
        label="Activity-feed note",
        payload={
            "candidate_id": invitation.refs.get("candidate_id", ""),
            "application_id": invitation.refs.get("application_id", ""),
            "body": text,
            "visibility": settings.GREENHOUSE_NOTE_VISIBILITY,
            "result_id": result_id,
        },
    )


# --- Sending one delivery -------------------------------------------------------------------


class _Batch:
    """What one batch reads from Greenhouse once: the fields of each level and their options."""

    def __init__(self, client: GreenhouseClient, credential: AtsCredential) -> None:
        self.client = client
        self.credential = credential
        self._fields: dict[str, dict[str, dict[str, Any]]] = {}
        self._options: dict[str, dict[str, int]] = {}

    def field(self, level: str, name_key: str) -> dict[str, Any]:
        if level not in self._fields:
            self._fields[level] = {
                str(item.get("name_key")): item for item in self.client.custom_fields(level)
            }
        found = self._fields[level].get(name_key)
        if found is None:
            raise PermanentError(
                f'Greenhouse has no active {level} custom field with the key "{name_key}" '
                "(Harver to ATS, Assessments)."
            )
        return found

    def options(self, custom_field: dict[str, Any]) -> dict[str, int]:
        field_id = str(custom_field.get("id"))
        if field_id not in self._options:
            self._options[field_id] = {
                str(option.get("name")): int(option["id"])
                for option in self.client.custom_field_options(field_id)
                if option.get("active") is not False and isinstance(option.get("id"), int)
            }
        return self._options[field_id]

    def proven(self, scope: str) -> None:
        """A write succeeded, so the credential has `scope` (proven only this way)."""
        verification = dict(self.credential.verification or {})
        scopes = dict(verification.get("scopes") or {})
        if scopes.get(scope) == "verified":
            return
        scopes[scope] = "verified"
        verification["scopes"] = scopes
        AtsCredential.objects.filter(pk=self.credential.pk).update(verification=verification)
        self.credential.verification = verification


def _send_fields(batch: _Batch, delivery: Delivery) -> Exchange:
    level = str(delivery.payload.get("level"))
    record_id = str(delivery.payload.get("record_id") or "")
    if level not in set(Level) or parse_id(record_id) is None:
        raise PermanentError(f"The invitation names no Greenhouse {level} to write to.")
    values = []
    for item in delivery.payload.get("fields") or []:
        name_key = str(item["name_key"])
        custom_field = batch.field(level, name_key)
        value_type = str(custom_field.get("value_type") or "")
        options = batch.options(custom_field) if value_type == "single_select" else None
        try:
            values.append((name_key, field_value(value_type, item["value"], options)))
        except FieldValueError as error:
            raise PermanentError(f"{level}:{name_key}: {error}") from None
    exchange = batch.client.set_custom_fields(level, record_id, values)
    batch.proven(WRITE_SCOPES[Level(level)])
    return exchange


def _keep_note_id(delivery: Delivery, note_id: str) -> None:
    delivery.remote_ref = note_id[:128]
    Delivery.objects.filter(pk=delivery.pk).update(remote_ref=delivery.remote_ref)


def _send_note(batch: _Batch, delivery: Delivery) -> Exchange:
    payload = delivery.payload
    notes_url = f"POST {batch.client.base_url}/notes"
    if delivery.remote_ref:
        return Exchange(
            request=notes_url,
            response_excerpt=f"Note {delivery.remote_ref} was posted before; not posted again.",
        )
    user_id = batch.client.user_id
    candidate_id = str(payload.get("candidate_id") or "")
    application_id = str(payload.get("application_id") or "")
    candidate, application, user = (
        parse_id(candidate_id),
        parse_id(application_id),
        parse_id(user_id),
    )
    if candidate is None or application is None or user is None:
        raise PermanentError("The invitation names no Greenhouse candidate and application.")
    result_id = str(payload.get("result_id") or "")
    if delivery.attempt_count:
        # An earlier attempt may have posted it (a time-out, a server error, a lost worker).
        posted = notes.note_with_marker(
            batch.client.notes_by(candidate_id=candidate_id, user_id=user_id), result_id
        )
        if posted is not None:
            _keep_note_id(delivery, posted)
            return Exchange(
                request=notes_url,
                response_excerpt=f"Note {posted} was posted by an earlier attempt; kept.",
            )
    note_id, exchange = batch.client.create_note(
        note_body(
            candidate_id=candidate,
            application_id=application,
            user_id=user,
            text=str(payload.get("body") or ""),
            visibility=str(payload.get("visibility") or "public"),
        )
    )
    if note_id:
        _keep_note_id(delivery, note_id)
    batch.proven(NOTE_SCOPE)
    return exchange


@contextmanager
def connect(integration: Integration, batch: list[Delivery]) -> Iterator[sending.Sender]:
    """The sender for a batch of `integration`'s deliveries: one token, one HTTP session.

    Credentials that cannot be used fail each delivery with the reason (a permanent error; a
    secret no key decrypts also flags the integration).
    """
    try:
        found = connection.credentials(integration)
        client = connection.open_client(found, interactive=False)
    except PermanentError as error:
        reason, unusable = str(error), isinstance(error, CredentialsUnusable)

        def refuse(delivery: Delivery) -> Exchange:
            raise CredentialsUnusable(reason) if unusable else PermanentError(reason)

        yield refuse
        return
    with client:
        reads = _Batch(client, found.credential)

        def send(delivery: Delivery) -> Exchange:
            if delivery.kind in (Kind.FIELD, Kind.STATUS):
                return _send_fields(reads, delivery)
            if delivery.kind == Kind.COMMENT:
                return _send_note(reads, delivery)
            raise PermanentError(f"Greenhouse takes no {delivery.get_kind_display()} delivery.")

        yield send
