"""`integrations map-stage`: map an ATS stage to an assessment from a shell."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.models import StageMapping
from tests import factories
from tests.stage_provider import KEY

pytestmark = pytest.mark.django_db


def run_json(*args: str) -> Any:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_it_maps_and_unmaps_a_stage(stage_provider, account, assessments):
    integration = factories.ready_integration(account, provider=KEY)
    ident = str(integration.pk)
    assessment = str(assessments[0].pk)

    mapped = run_json(
        "integrations", "map-stage", ident, "--assessment", assessment, "--stage", " Assessment "
    )
    run_json(
        "integrations",
        "map-stage",
        ident,
        "--assessment",
        assessment,
        "--stage",
        "ASSESSMENT",
        "--job-id",
        "3485",
    )
    shown = run_json("integrations", "show", ident)

    assert mapped["stage_mappings"] == [
        {
            "stage": "Assessment",
            "job_id": None,
            "assessment": {"id": assessments[0].pk, "name": assessments[0].name},
        }
    ]
    assert [(row["stage"], row["job_id"]) for row in shown["stage_mappings"]] == [
        ("Assessment", None),
        ("ASSESSMENT", "3485"),
    ]
    run_json(
        "integrations",
        "map-stage",
        ident,
        "--assessment",
        assessment,
        "--stage",
        "assessment",
        "--off",
    )
    assert list(StageMapping.objects.values_list("job_id", flat=True)) == ["3485"]


def test_an_ats_without_stages_refuses_with_a_clear_message(integration, assessments):
    with pytest.raises(CommandError) as refused:
        call_command(
            "integrations",
            "map-stage",
            str(integration.pk),
            "--assessment",
            str(assessments[0].pk),
            "--stage",
            "Assessment",
        )
    label = integration.provider_impl.label
    assert str(refused.value) == f"{label} does not invite by stage, so it has no stages to map."


def test_it_names_a_missing_assessment_and_an_unmapped_stage(stage_provider, account, assessments):
    integration = factories.ready_integration(account, provider=KEY)
    with pytest.raises(CommandError, match="No assessment with id 999999"):
        call_command(
            "integrations",
            "map-stage",
            str(integration.pk),
            "--assessment",
            "999999",
            "--stage",
            "x",
        )
    with pytest.raises(CommandError, match='No stage named "Offer" is mapped'):
        call_command(
            "integrations",
            "map-stage",
            str(integration.pk),
            "--assessment",
            str(assessments[0].pk),
            "--stage",
            "Offer",
            "--off",
        )
