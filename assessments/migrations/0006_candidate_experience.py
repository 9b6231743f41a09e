"""Deadlines, reminders and the candidate's language; the lifetime becomes the completion window.

The rename keeps every assessment's window as it was; only new assessments default to 7 days.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_candidate_links_hashed"),
    ]

    operations = [
        migrations.RenameField(
            model_name="assessment",
            old_name="invitation_lifetime_days",
            new_name="completion_days",
        ),
        migrations.AlterField(
            model_name="assessment",
            name="completion_days",
            field=models.PositiveSmallIntegerField(
                default=7,
                help_text="Days a candidate has to complete the assessment before the invitation expires.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(365),
                ],
                verbose_name="completion window (days)",
            ),
        ),
        migrations.AddField(
            model_name="assessment",
            name="language",
            field=models.CharField(
                default="en",
                help_text="The language of the candidate's pages and emails.",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="assessment",
            name="reminder_days_after",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="A reminder email goes this many days after the invitation was sent. Empty: none.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(365),
                ],
                verbose_name="reminder (days after the invitation)",
            ),
        ),
        migrations.AddField(
            model_name="assessment",
            name="reminder_hours_before",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="A reminder email goes this many hours before each invitation's deadline, e.g. 48, 24. Empty: none.",
                verbose_name="reminders (hours before the deadline)",
            ),
        ),
        migrations.AddField(
            model_name="candidateassessment",
            name="reopen_count",
            field=models.PositiveSmallIntegerField(
                default=0,
                editable=False,
                help_text="How often an admin reopened it (re-invited, or extended after it closed).",
            ),
        ),
        migrations.AddField(
            model_name="candidatelink",
            name="superseded_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When a re-invitation replaced it; it opens nothing since.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="candidateassessment",
            name="expires_at",
            field=models.DateTimeField(verbose_name="deadline"),
        ),
        migrations.CreateModel(
            name="Reminder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rule", models.CharField(max_length=20)),
                ("due_at", models.DateTimeField()),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "candidate_assessment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminders",
                        to="assessments.candidateassessment",
                    ),
                ),
            ],
            options={
                "ordering": ["candidate_assessment", "due_at", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("candidate_assessment", "rule", "due_at"),
                        name="reminder_once_per_moment",
                    )
                ],
            },
        ),
    ]
