"""Candidate links are stored only as a SHA-256: existing tokens are hashed, then dropped.

Every link already emailed keeps working (its hash is its row in CandidateLink). A plaintext
cannot be brought back from its hash, so going backwards gives each assessment a fresh token:
the links handed out until then stop working.
"""

import hashlib
import secrets

import django.db.models.deletion
from django.db import migrations, models

BATCH = 1000


def hash_existing_tokens(apps, schema_editor):
    CandidateAssessment = apps.get_model("assessments", "CandidateAssessment")
    CandidateLink = apps.get_model("assessments", "CandidateLink")
    rows = CandidateAssessment.objects.values_list("pk", "candidate_token").iterator(BATCH)
    links = []
    for pk, token in rows:
        links.append(
            CandidateLink(
                candidate_assessment_id=pk,
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                issued_to="email",
            )
        )
        if len(links) >= BATCH:
            CandidateLink.objects.bulk_create(links)
            links = []
    CandidateLink.objects.bulk_create(links)


def give_fresh_tokens(apps, schema_editor):
    CandidateAssessment = apps.get_model("assessments", "CandidateAssessment")
    for candidate_assessment in CandidateAssessment.objects.only("pk").iterator(BATCH):
        candidate_assessment.candidate_token = secrets.token_urlsafe(32)
        candidate_assessment.save(update_fields=["candidate_token"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_answer_ordering_by_ids"),
    ]

    operations = [
        migrations.CreateModel(
            name="CandidateLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token_hash", models.CharField(editable=False, max_length=64, unique=True)),
                (
                    "issued_to",
                    models.CharField(
                        choices=[
                            ("email", "The invitation email"),
                            ("ats", "The ATS (shared link)"),
                        ],
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "candidate_assessment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links",
                        to="assessments.candidateassessment",
                    ),
                ),
            ],
            options={
                "ordering": ["candidate_assessment", "created_at", "id"],
            },
        ),
        # Nullable first, so that going backwards can re-add the column before filling it.
        migrations.AlterField(
            model_name="candidateassessment",
            name="candidate_token",
            field=models.CharField(editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(hash_existing_tokens, give_fresh_tokens),
        migrations.RemoveField(
            model_name="candidateassessment",
            name="candidate_token",
        ),
    ]
