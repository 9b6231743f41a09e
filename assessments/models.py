"""The assessment catalog: what an account offers its ATS, what each assessment asks and scores.

Also the candidate's side of it: their instance of an assessment, its status history, and the
answers they give the built-in questionnaire as they go.
"""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Account
from assessments.deadlines import reminder_hours_problem

DEFAULT_COMPLETION_DAYS = 7
MAX_COMPLETION_DAYS = 365
# The assessment's language until its admin chooses another; one of settings.LANGUAGES.
DEFAULT_LANGUAGE = "en"
DEFAULT_GREAT_FIT_MIN = 70
DEFAULT_GOOD_FIT_MIN = 50
LIKERT_MIN = 1
LIKERT_MAX = 5


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def offered(self) -> "AssessmentQuerySet":
        """The assessments an integration lists to its ATS: the active ones."""
        return self.filter(is_active=True)


class Assessment(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="assessments")
    name = models.CharField(
        max_length=200, help_text="Shown to recruiters in the ATS and to candidates."
    )
    job_code = models.CharField(
        "Harver job code",
        max_length=64,
        help_text="The Harver vacancy/assessment code; unique within the account.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Only active assessments are offered to the ATS."
    )
    completion_days = models.PositiveSmallIntegerField(
        "completion window (days)",
        default=DEFAULT_COMPLETION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_COMPLETION_DAYS)],
        help_text="Days a candidate has to complete the assessment before the invitation expires.",
    )
    reminder_hours_before = models.JSONField(
        "reminders (hours before the deadline)",
        default=list,
        blank=True,
        help_text="A reminder email goes this many hours before each invitation's deadline, "
        "e.g. 48, 24. Empty: none.",
    )
    reminder_days_after = models.PositiveSmallIntegerField(
        "reminder (days after the invitation)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_COMPLETION_DAYS)],
        help_text="A reminder email goes this many days after the invitation was sent. "
        "Empty: none.",
    )
    # No `choices`: they would copy settings.LANGUAGES into a migration; `clean` checks it.
    language = models.CharField(
        max_length=10,
        default=DEFAULT_LANGUAGE,
        help_text="The language of the candidate's pages and emails.",
    )
    language_from_browser = models.BooleanField(
        "candidate's browser chooses",
        default=False,
        help_text="Show the candidate's pages in their browser's preferred language when we ship "
        "it; otherwise, and in emails, the language above.",
    )
    great_fit_min = models.PositiveSmallIntegerField(
        "great fit from",
        default=DEFAULT_GREAT_FIT_MIN,
        validators=[MaxValueValidator(100)],
        help_text="A matching score at or above this is a great fit.",
    )
    good_fit_min = models.PositiveSmallIntegerField(
        "good fit from",
        default=DEFAULT_GOOD_FIT_MIN,
        validators=[MaxValueValidator(100)],
        help_text="A matching score at or above this (and below great fit) is a good fit; "
        "below it, a poor fit.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["account", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "job_code"], name="assessment_job_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(great_fit_min__gt=models.F("good_fit_min")),
                name="assessment_great_fit_above_good_fit",
                violation_error_message="The great fit cut-off must be above the good fit one.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.job_code})"

    def clean(self) -> None:
        problems: dict[str, str] = {}
        if self.language not in dict(settings.LANGUAGES):
            known = ", ".join(code for code, _ in settings.LANGUAGES)
            problems["language"] = f"'{self.language}' is not a language we ship; choose {known}."
        problem = reminder_hours_problem(self.reminder_hours_before, self.completion_days)
        if problem:
            problems["reminder_hours_before"] = problem
        if problems:
            raise ValidationError(problems)


def translated(source: str, translations: dict[str, str], language: str) -> str:
    """A text as candidates read it in `language`: its translation, else the text as written."""
    return str(translations.get(language) or source)


class Competency(models.Model):
    """A scored trait of an assessment (e.g. Conscientiousness); its weight feeds the overall."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="competencies"
    )
    name = models.CharField(max_length=100)
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text="The name as candidates read it in each other language: {language: name}.",
    )
    weight = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Relative weight of this competency in the overall matching score.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "position", "name"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(fields=["assessment", "name"], name="competency_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        return translated(self.name, self.translations, language)


def new_candidate_token() -> str:
    """The unguessable part of a personal link: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


class CandidateAssessment(models.Model):
    """One candidate's instance of an assessment: who, which one, where it stands, the result."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Expired"
        REJECTED = "rejected", "Rejected"

    class Recommendation(models.TextChoices):
        GREAT_FIT = "great_fit", "Great fit"
        GOOD_FIT = "good_fit", "Good fit"
        POOR_FIT = "poor_fit", "Poor fit"

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="candidate_assessments"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="candidate_assessments"
    )
    public_id = models.UUIDField(
        "assessment id",
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="The id the ATS knows this candidate assessment by.",
    )
    email = models.EmailField("candidate email")
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    resume_url = models.URLField(max_length=2000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField("deadline")
    invitation_sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(
        "matching score", null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    competency_scores = models.JSONField(
        default=dict, blank=True, help_text="Competency name → score (0 to 100)."
    )
    summary = models.TextField(blank=True)
    duration = models.DurationField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text="How often an admin reopened it (re-invited, or extended after it closed).",
    )
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the candidate's personal data was removed (retention or erasure).",
    )
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the candidate's data was erased on request; their links then say so.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="candidate_status_expiry"),
            # The admin's list, newest first (the changelist adds the id to the ordering).
            models.Index(fields=["-created_at", "-id"], name="candidate_newest"),
            models.Index(
                fields=["created_at"],
                condition=Q(invitation_sent_at__isnull=True),
                name="candidate_invitation_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment.name} for {self.email}"

    @property
    def candidate_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_live(self) -> bool:
        return self.status not in (self.Status.EXPIRED, self.Status.REJECTED)


class CandidateLink(models.Model):
    """One personal link handed out for a candidate assessment; only its token's SHA-256 is kept.

    A candidate assessment may have several (the invitation email's, one per request of the
    ATS): each opens the same assessment, and a copy of the database opens none of them.
    """

    class IssuedTo(models.TextChoices):
        EMAIL = "email", "The invitation email"
        ATS = "ats", "The ATS (shared link)"

    candidate_assessment = models.ForeignKey(
        CandidateAssessment, on_delete=models.CASCADE, related_name="links"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_to = models.CharField(max_length=10, choices=IssuedTo.choices)
    superseded_at = models.DateTimeField(
        null=True, blank=True, help_text="When a re-invitation replaced it; it opens nothing since."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["candidate_assessment", "created_at", "id"]

    def __str__(self) -> str:
        return f"Link for {self.get_issued_to_display().lower()}"


class Reminder(models.Model):
    """One reminder email owed or sent: the row is the claim that makes it go once.

    `rule` names the assessment's rule ("48h-before", "3d-after") and `due_at` the moment it
    came due; the unique constraint lets exactly one scheduler claim it, however many run. A
    new deadline or a new invitation email makes new moments, so their reminders go again.
    """

    candidate_assessment = models.ForeignKey(
        CandidateAssessment, on_delete=models.CASCADE, related_name="reminders"
    )
    rule = models.CharField(max_length=20)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["candidate_assessment", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate_assessment", "rule", "due_at"], name="reminder_once_per_moment"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.rule} due {self.due_at:%Y-%m-%d %H:%M}"


class CandidateAssessmentEvent(models.Model):
    """The status history of a candidate assessment, one row per change."""

    candidate_assessment = models.ForeignKey(
        CandidateAssessment, on_delete=models.CASCADE, related_name="events"
    )
    status = models.CharField(max_length=20, choices=CandidateAssessment.Status.choices)
    source = models.CharField(
        max_length=40, help_text="Who caused the change: an ATS, the candidate, the engine, …"
    )
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["candidate_assessment", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


class QuestionnaireItem(models.Model):
    """One Likert-scale statement of the built-in questionnaire, scored for one competency.

    The candidate answers from 1 (strongly disagree) to 5 (strongly agree). A reversed item
    states the opposite of the competency ("I often leave tasks unfinished"), so its answer
    counts as 6 minus the value.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="questionnaire_items"
    )
    competency = models.ForeignKey(
        Competency,
        on_delete=models.CASCADE,
        related_name="questionnaire_items",
        help_text="The competency this statement scores; one of the assessment's.",
    )
    text = models.CharField("statement", max_length=300)
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text="The statement in each other language: {language: statement}.",
    )
    is_reversed = models.BooleanField(
        "reversed",
        default=False,
        help_text="Agreeing counts against the competency: the answer scores 6 minus its value.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order within its competency's page."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "competency__position", "competency__name", "position", "id"]
        verbose_name = "questionnaire item"

    def __str__(self) -> str:
        return self.text

    def text_in(self, language: str) -> str:
        return translated(self.text, self.translations, language)

    def clean(self) -> None:
        if (
            self.competency_id is not None
            and self.assessment_id is not None
            and self.competency.assessment_id != self.assessment_id
        ):
            raise ValidationError(
                {"competency": "Choose one of this assessment's own competencies."}
            )


class QuestionnaireVersion(models.Model):
    """Which state of an assessment's questionnaire is current: a fresh random value after every
    write to its items or competencies, written only by the database triggers of migration 0010.

    So a process that keeps the questionnaire's pages (`questionnaire.question_pages`) knows
    them stale on its very next read, whichever way the rows changed: a model save, a queryset
    `update()` or bulk operation that sends no signal, or SQL. Random rather than a counter, so
    a version seen inside a transaction that rolled back never comes back with other content.
    """

    assessment = models.OneToOneField(
        Assessment,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="questionnaire_version",
    )
    version = models.UUIDField()

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.version}"


class Answer(models.Model):
    """A candidate's answer to one questionnaire item, saved as they go so they can resume."""

    candidate_assessment = models.ForeignKey(
        CandidateAssessment, on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(QuestionnaireItem, on_delete=models.CASCADE, related_name="answers")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(LIKERT_MIN), MaxValueValidator(LIKERT_MAX)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # By ids: ordering by the foreign keys would join items and competencies into every read.
        ordering = ["candidate_assessment_id", "item_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate_assessment", "item"], name="answer_one_per_item"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=LIKERT_MIN, value__lte=LIKERT_MAX),
                name="answer_value_on_likert_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} to {self.item}"


class PersonalDataRecord(models.Model):
    """What was done with candidates' personal data, and by whom: the receipt of each erasure,
    export and retention run. It names no candidate (an erasure's receipt must not keep what it
    erased): only counts, the candidate assessments' ids and the actor."""

    class Action(models.TextChoices):
        ERASURE = "erasure", "Erasure on request"
        EXPORT = "export", "Export on request"
        RETENTION = "retention", "Anonymised after the retention period"

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="personal_data_records"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.CharField(
        max_length=254, help_text="Who did it: a staff user, the command line, the scheduler."
    )
    candidate_assessment_ids = models.JSONField(default=list, blank=True)
    counts = models.JSONField(
        default=dict, blank=True, help_text="What was done, per kind of record: how many rows."
    )
    performed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-performed_at", "-id"]
        verbose_name = "personal data record"

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.performed_at:%Y-%m-%d %H:%M}"
