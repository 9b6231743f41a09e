"""The admin's delivery lists and timelines, newest first, read from an index (built without
locking writes on PostgreSQL: see harver_integration.migration_operations)."""

from django.db import migrations, models

from harver_integration.migration_operations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("integrations", "0012_issues_and_health_indexes"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="delivery",
            index=models.Index(fields=["-created_at", "-id"], name="delivery_newest"),
        ),
        AddIndexWithoutLocking(
            model_name="delivery",
            index=models.Index(
                fields=["integration", "-created_at", "-id"], name="delivery_integration_newest"
            ),
        ),
    ]
