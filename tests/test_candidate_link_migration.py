"""The migration that stores candidate links as hashes keeps every link already emailed working."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from assessments import questionnaire
from tests.db_scan import tables_containing

BEFORE = [("assessments", "0004_answer_ordering_by_ids")]
AFTER = [("assessments", "0005_candidate_links_hashed")]
EMAILED_TOKEN = "k3Jx9-emailed-before-the-upgrade_0123456789abcdefgh"


@pytest.mark.django_db(transaction=True)
def test_an_existing_link_still_opens_its_assessment_and_its_token_is_gone() -> None:
    # given an invitation emailed before the upgrade, its token stored as it was then
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    account = old.get_model("accounts", "Account").objects.create(name="Acme Retail")
    assessment = old.get_model("assessments", "Assessment").objects.create(
        account=account, name="Store Associate", job_code="SA-1"
    )
    candidate_id = (
        old.get_model("assessments", "CandidateAssessment")
        .objects.create(
            account=account,
            assessment=assessment,
            email="jane.doe@example.com",
            candidate_token=EMAILED_TOKEN,
            expires_at=timezone.now() + datetime.timedelta(days=14),
        )
        .pk
    )

    # when the platform is upgraded
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    # then the emailed link opens the same assessment, and no table holds its token
    found = questionnaire.find(EMAILED_TOKEN)
    assert found is not None
    assert found.pk == candidate_id
    assert Client().get(f"/assessment/{EMAILED_TOKEN}/").status_code == 200
    assert tables_containing(EMAILED_TOKEN) == []
