"""Whether a stage change invites a candidate, to which assessment, at which address.

Pure functions over the parsed webhook and the integration's stage mappings, so the webhook
view and the worker that re-reads the application decide alike. A stage matches a mapping by
name, trimmed and ignoring case; a mapping for the application's job beats one for any job.
When the admin names a job-level custom field that carries a Harver job code, a job that has
one is invited to the assessment with that code: the stage still decides when.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from greenhouse.payloads import Contact, StageChange
from greenhouse.unconfirmed import ACTIVE_APPLICATION_STATUSES


@dataclass(frozen=True)
class StageMapping:
    stage_name: str
    job_id: int | None
    assessment_id: int


@dataclass(frozen=True)
class Invite:
    assessment_id: int
    email: str
    first_name: str
    last_name: str
    phone: str


@dataclass(frozen=True)
class Ignore:
    """Nothing to send; `for_admin` marks what the admin must fix (the rest is routine)."""

    reason: str
    for_admin: bool = False


def stage_key(name: str) -> str:
    """How stage names compare: trimmed, case-folded."""
    return name.strip().casefold()


def mapped_assessment(
    mappings: Iterable[StageMapping], stage_name: str, job_id: int | None
) -> int | None:
    """The assessment mapped to this stage of this job, or None."""
    key = stage_key(stage_name)
    if not key:
        return None
    for_any_job = None
    for mapping in mappings:
        if stage_key(mapping.stage_name) != key:
            continue
        if mapping.job_id is None:
            for_any_job = mapping.assessment_id
        elif mapping.job_id == job_id:
            return mapping.assessment_id
    return for_any_job


def chosen_email(addresses: Iterable[Contact]) -> str:
    """The first personal address, else the first address; "" when there is none."""
    listed = [address for address in addresses if address.value]
    personal = [address for address in listed if address.type == "personal"]
    chosen = (personal or listed)[:1]
    return chosen[0].value if chosen else ""


@dataclass(frozen=True)
class JobCodes:
    """The job-level custom field (`name_key`) holding a Harver job code, and the offered
    assessments by job code (case-folded). An empty key: job codes are not used."""

    field_key: str = ""
    assessments: Mapping[str, int] = field(default_factory=dict)


def _by_job_code(change: StageChange, job_codes: JobCodes) -> int | Ignore | None:
    """The assessment the job's code names; Ignore when it names none; None without a code."""
    job = change.job
    code = job.custom_fields.get(job_codes.field_key, "") if job and job_codes.field_key else ""
    if not code:
        return None
    assessment_id = job_codes.assessments.get(code.strip().casefold())
    if assessment_id is None:
        return Ignore(
            f'The job\'s {job_codes.field_key} is "{code}", which is the job code of no offered '
            "Harver assessment.",
            for_admin=True,
        )
    return assessment_id


def decide(
    change: StageChange, mappings: Iterable[StageMapping], job_codes: JobCodes | None = None
) -> Invite | Ignore:
    """Invite when the application is active, not a prospect's, has a job and entered a
    mapped stage, and the candidate can be emailed; to the assessment of the job's code when
    `job_codes` name one, else to the stage's."""
    if change.status not in ACTIVE_APPLICATION_STATUSES:
        return Ignore(f"The application is {change.status or 'without a status'}, not active.")
    if change.prospect:
        return Ignore("The application is a prospect's.")
    job = change.job
    if job is None:
        return Ignore("The application has no job.")
    assessment_id = mapped_assessment(mappings, change.stage_name, job.id)
    if assessment_id is None:
        return Ignore(f'The stage "{change.stage_name}" is not mapped to an assessment.')
    by_code = _by_job_code(change, job_codes or JobCodes())
    if isinstance(by_code, Ignore):
        return by_code
    if by_code is not None:
        assessment_id = by_code
    candidate = f"Candidate {change.candidate_id} (application {change.application_id})"
    if not change.can_email:
        return Ignore(f"{candidate} may not be emailed (can_email is false).", for_admin=True)
    email = chosen_email(change.email_addresses)
    if not email:
        return Ignore(f"{candidate} has no email address.", for_admin=True)
    try:
        validate_email(email)
    except ValidationError:
        return Ignore(f"{candidate} has no valid email address.", for_admin=True)
    phones = [phone.value for phone in change.phone_numbers]
    return Invite(
        assessment_id=assessment_id,
        email=email,
        first_name=change.first_name,
        last_name=change.last_name,
        phone=phones[0][:50] if phones else "",
    )
