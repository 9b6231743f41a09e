"""The migration that turns the invitation lifetime into the completion window keeps each value."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assessments.models import Assessment
from tests.migration_support import latest, state_before

MIGRATION = ("assessments", "0006_candidate_experience")


@pytest.mark.django_db(transaction=True)
def test_every_assessment_keeps_its_window_and_gets_no_reminders_in_english() -> None:
    # given an assessment whose invitations lasted 21 days before the upgrade
    executor = MigrationExecutor(connection)
    executor.migrate(state_before(MIGRATION))
    old = executor.loader.project_state(state_before(MIGRATION)).apps
    account = old.get_model("accounts", "Account").objects.create(name="Acme Retail")
    assessment_id = (
        old.get_model("assessments", "Assessment")
        .objects.create(
            account=account, name="Store Associate", job_code="SA-1", invitation_lifetime_days=21
        )
        .pk
    )

    # when the platform is upgraded
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest())

    # then its window is still 21 days, with no reminders, in English
    assessment = Assessment.objects.get(pk=assessment_id)
    assert assessment.completion_days == 21
    assert assessment.reminder_hours_before == []
    assert assessment.reminder_days_after is None
    assert assessment.language == "en"
