"""The assessment catalog: what an account offers its ATS, and what each assessment scores."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Account

DEFAULT_INVITATION_LIFETIME_DAYS = 14


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
    invitation_lifetime_days = models.PositiveSmallIntegerField(
        default=DEFAULT_INVITATION_LIFETIME_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Days a candidate has to complete the assessment before the invitation expires.",
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
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.job_code})"


class Competency(models.Model):
    """A scored trait of an assessment (e.g. Conscientiousness); its weight feeds the overall."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="competencies"
    )
    name = models.CharField(max_length=100)
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
