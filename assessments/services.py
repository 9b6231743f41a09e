"""Creating assessments with their competencies, for the command line and other entry points.

The catalog's rules (unique job code, competency weights, completion window, reminders,
language) live here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account
from assessments.models import (
    DEFAULT_COMPLETION_DAYS,
    DEFAULT_LANGUAGE,
    Assessment,
    Competency,
)

DEFAULT_COMPETENCY_WEIGHT = 1


class AssessmentError(Exception):
    """A request that cannot be carried out; `problems` says why, one plain sentence each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


@dataclass(frozen=True)
class CompetencySpec:
    name: str
    weight: int = DEFAULT_COMPETENCY_WEIGHT


@dataclass(frozen=True)
class CandidateExperience:
    """How long a candidate has, when they are reminded, in which language (and whether their
    browser's language takes over on the pages)."""

    completion_days: int = DEFAULT_COMPLETION_DAYS
    reminder_hours_before: list[int] = field(default_factory=list)
    reminder_days_after: int | None = None
    language: str = DEFAULT_LANGUAGE
    language_from_browser: bool = False


@dataclass(frozen=True)
class ExperienceChanges:
    """What `update_assessment` changes; None leaves a value as it is (0 clears days-after)."""

    completion_days: int | None = None
    reminder_hours_before: list[int] | None = None
    reminder_days_after: int | None = None
    language: str | None = None
    language_from_browser: bool | None = None


def _messages(error: ValidationError, prefix: str = "") -> list[str]:
    return [
        f"{prefix}{field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    ]


def create_assessment(
    account: Account,
    *,
    name: str,
    job_code: str,
    competencies: Sequence[CompetencySpec],
    is_active: bool = True,
    experience: CandidateExperience | None = None,
) -> Assessment:
    """Create an assessment and its competencies (in the given order), or refuse naming why."""
    experience = experience or CandidateExperience()
    assessment = Assessment(
        account=account,
        name=name.strip(),
        job_code=job_code.strip(),
        is_active=is_active,
        completion_days=experience.completion_days,
        reminder_hours_before=experience.reminder_hours_before,
        reminder_days_after=experience.reminder_days_after,
        language=experience.language,
        language_from_browser=experience.language_from_browser,
    )
    problems: list[str] = []
    if not assessment.name:
        problems.append("The assessment name is empty.")
    if not assessment.job_code:
        problems.append("The job code is empty.")
    elif Assessment.objects.filter(account=account, job_code=assessment.job_code).exists():
        problems.append(f"{account} already has an assessment with job code {assessment.job_code}.")
    try:
        # Blank values are already named above, in plainer words than Django's.
        blank = [field for field in ("name", "job_code") if not getattr(assessment, field)]
        assessment.full_clean(exclude=blank, validate_constraints=False)
    except ValidationError as error:
        problems.extend(_messages(error))
    if not competencies:
        problems.append("An assessment needs at least one competency.")
    rows: list[Competency] = []
    seen: set[str] = set()
    for position, spec in enumerate(competencies):
        competency_name = spec.name.strip()
        if not competency_name:
            problems.append(f"Competency {position + 1} has an empty name.")
            continue
        # Field mappings find competencies by name regardless of case, so names must differ so.
        if competency_name.casefold() in seen:
            problems.append(f"The competency '{competency_name}' is listed twice.")
            continue
        seen.add(competency_name.casefold())
        competency = Competency(name=competency_name, weight=spec.weight, position=position)
        try:
            competency.full_clean(exclude=["assessment"], validate_constraints=False)
        except ValidationError as error:
            problems.extend(_messages(error, prefix=f"Competency '{competency_name}', "))
        rows.append(competency)
    if problems:
        raise AssessmentError(problems)
    with transaction.atomic():
        assessment.save()
        for competency in rows:
            # One save per row (not bulk_create) so the configuration history records each.
            competency.assessment = assessment
            competency.save()
    return assessment


def update_assessment(assessment: Assessment, changes: ExperienceChanges) -> list[str]:
    """Apply `changes` (validated as on creation) and save; returns the names of changed fields.

    New values apply to invitations sent from now on; existing invitations keep their deadline.
    """
    requested: dict[str, object] = {
        "completion_days": changes.completion_days,
        "reminder_hours_before": changes.reminder_hours_before,
        "reminder_days_after": changes.reminder_days_after,
        "language": changes.language,
        "language_from_browser": changes.language_from_browser,
    }
    changed = []
    for name, value in requested.items():
        if value is None:
            continue
        if name == "reminder_days_after" and value == 0:
            value = None
        if getattr(assessment, name) != value:
            setattr(assessment, name, value)
            changed.append(name)
    if not changed:
        return []
    try:
        assessment.full_clean(validate_constraints=False)
    except ValidationError as error:
        assessment.refresh_from_db()
        raise AssessmentError(_messages(error)) from error
    assessment.save()
    return changed
