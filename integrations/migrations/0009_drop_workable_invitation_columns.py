"""The four invitation columns 0008 copied into `refs` go.

`callback_url` gets an empty default first, so that undoing this migration can add the column
back to a table with rows (0008, undone, then fills it from `refs`).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0008_invitation_identity"),
    ]

    operations = [
        migrations.AlterField(
            model_name="atsinvitation",
            name="callback_url",
            field=models.URLField(
                default="",
                help_text="Where the ATS wants statuses and results.",
                max_length=2000,
            ),
        ),
        migrations.RemoveField(model_name="atsinvitation", name="callback_url"),
        migrations.RemoveField(model_name="atsinvitation", name="job_id"),
        migrations.RemoveField(model_name="atsinvitation", name="job_shortcode"),
        migrations.RemoveField(model_name="atsinvitation", name="job_title"),
    ]
