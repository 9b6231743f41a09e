"""Invitations keep the ATS's references in `refs` and are unique by a provider-made identity.

Until now every invitation came from Workable, with its references in four columns and its
repeat check on (integration, test, job shortcode, email). They move into `refs` unchanged, and
`identity_key` is filled with the SHA-256 of exactly what the Workable provider now states as an
invitation's identity (job shortcode, a line break, the lowercased email), so a repeat of an
invitation made before this migration is still found. The columns are dropped in 0009.
"""

import hashlib

from django.db import migrations, models

BATCH = 1000
REFERENCES = ("callback_url", "job_shortcode", "job_id", "job_title")


def identity_key(job_shortcode: str, email_key: str) -> str:
    return hashlib.sha256(f"{job_shortcode}\n{email_key}".encode()).hexdigest()


def fill_identity_and_refs(apps, schema_editor):
    AtsInvitation = apps.get_model("integrations", "AtsInvitation")
    batch = []
    for invitation in AtsInvitation.objects.order_by("pk").iterator(chunk_size=BATCH):
        invitation.refs = {name: getattr(invitation, name) for name in REFERENCES}
        invitation.identity_key = identity_key(invitation.job_shortcode, invitation.email_key)
        batch.append(invitation)
        if len(batch) >= BATCH:
            AtsInvitation.objects.bulk_update(batch, ["refs", "identity_key"])
            batch = []
    AtsInvitation.objects.bulk_update(batch, ["refs", "identity_key"])


def restore_columns(apps, schema_editor):
    AtsInvitation = apps.get_model("integrations", "AtsInvitation")
    batch = []
    for invitation in AtsInvitation.objects.order_by("pk").iterator(chunk_size=BATCH):
        for name in REFERENCES:
            setattr(invitation, name, str(invitation.refs.get(name, "")))
        batch.append(invitation)
        if len(batch) >= BATCH:
            AtsInvitation.objects.bulk_update(batch, REFERENCES)
            batch = []
    AtsInvitation.objects.bulk_update(batch, REFERENCES)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_answer_ordering_by_ids"),
        ("integrations", "0007_generic_credentials"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="atsinvitation",
            name="one_live_invitation_per_candidate_job_test",
        ),
        migrations.AddField(
            model_name="atsinvitation",
            name="identity_key",
            field=models.CharField(
                default="",
                editable=False,
                help_text="SHA-256 of what makes a live invitation unique for this ATS.",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="atsinvitation",
            name="refs",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="The ATS's own references for this invitation (callback, job, application).",
                verbose_name="ATS references",
            ),
        ),
        migrations.RunPython(fill_identity_and_refs, restore_columns, elidable=False),
        migrations.AddConstraint(
            model_name="atsinvitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_live", True)),
                fields=("integration", "assessment", "identity_key"),
                name="one_live_invitation_per_identity_and_test",
            ),
        ),
        migrations.AlterField(
            model_name="atsinvitation",
            name="email_key",
            field=models.CharField(help_text="The candidate's email, lowercased.", max_length=254),
        ),
    ]
