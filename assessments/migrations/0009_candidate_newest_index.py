"""The admin's candidate list, newest first, read from an index (built without locking writes on
PostgreSQL: see harver_integration.migration_operations)."""

from django.db import migrations, models

from harver_integration.migration_operations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("assessments", "0008_languages"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="candidateassessment",
            index=models.Index(fields=["-created_at", "-id"], name="candidate_newest"),
        ),
    ]
