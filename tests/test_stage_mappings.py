"""Stage mappings: only for an ATS that invites by stage; names compare trimmed, ignoring case."""

import pytest

from integrations import services, stages
from integrations.models import StageMapping
from integrations.services import IntegrationError
from tests import factories
from tests.stage_provider import KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def staged(stage_provider, account, assessments):
    return factories.ready_integration(account, provider=KEY)


def test_it_maps_a_stage_and_replaces_the_mapping_of_the_same_stage_and_job(staged, assessments):
    first = stages.map_stage(staged, assessment=assessments[0], stage_name=" Harver Assessment ")
    again = stages.map_stage(staged, assessment=assessments[1], stage_name="HARVER ASSESSMENT")
    for_job = stages.map_stage(
        staged, assessment=assessments[0], stage_name="Harver assessment", job_id="3485"
    )

    assert again.pk == first.pk
    assert again.stage_name == "HARVER ASSESSMENT"
    assert again.stage_key == "harver assessment"
    assert again.assessment == assessments[1]
    assert [(m.stage_key, m.job_id) for m in stages.stage_mappings(staged)] == [
        ("harver assessment", ""),
        ("harver assessment", "3485"),
    ]
    assert for_job.pk != first.pk


def test_it_names_every_problem(staged, assessments):
    other = factories.AssessmentFactory.create()
    retired = factories.AssessmentFactory.create(account=staged.account, is_active=False)
    with pytest.raises(IntegrationError) as refused:
        stages.map_stage(staged, assessment=other, stage_name=" ", job_id="9" * 65)
    assert refused.value.problems == [
        "Name the stage.",
        "The job id is longer than 64 characters.",
        f'The assessment "{other.name}" belongs to another account.',
    ]
    with pytest.raises(IntegrationError, match="is not active"):
        stages.map_stage(staged, assessment=retired, stage_name="Assessment")
    assert not StageMapping.objects.exists()


def test_an_ats_without_stages_refuses_them(integration, assessments):
    with pytest.raises(IntegrationError) as refused:
        stages.map_stage(integration, assessment=assessments[0], stage_name="Assessment")
    label = integration.provider_impl.label
    assert refused.value.problems == [
        f"{label} does not invite by stage, so it has no stages to map."
    ]


def test_unmapping(staged, assessments):
    mapping = stages.map_stage(staged, assessment=assessments[0], stage_name="Assessment")
    stages.unmap_stage(staged, mapping.pk)
    assert stages.stage_mappings(staged) == []
    with pytest.raises(IntegrationError, match=f"no stage mapping {mapping.pk}"):
        stages.unmap_stage(staged, mapping.pk)


def test_enabling_needs_a_mapped_stage(staged, assessments):
    problem = "No stage is mapped to an assessment (Harver to ATS, Assessments)."
    assert problem in services.local_problems(staged)
    stages.map_stage(staged, assessment=assessments[0], stage_name="Assessment")
    assert problem not in services.local_problems(staged)
