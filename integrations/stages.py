"""Stage mappings: which ATS stage invites to which assessment (for ATSes that invite by stage).

Every rule of the Assessments tab's stage list lives here, for the admin and the command line.
"""

from __future__ import annotations

from django.db import transaction

from assessments.models import Assessment
from integrations.models import Integration, StageMapping, stage_key
from integrations.services import IntegrationError


def _refuse_without_stages(integration: Integration) -> None:
    provider = integration.provider_impl
    if not provider.invites_by_stage:
        raise IntegrationError(
            [f"{provider.label} does not invite by stage, so it has no stages to map."]
        )


def map_stage(
    integration: Integration,
    *,
    assessment: Assessment,
    stage_name: str,
    job_id: str = "",
    job_name: str = "",
) -> StageMapping:
    """Invite to `assessment` when an application enters `stage_name` (of job `job_id`, or of
    any job); a mapping of the same stage and job is replaced."""
    _refuse_without_stages(integration)
    problems = []
    name = stage_name.strip()
    if not name:
        problems.append("Name the stage.")
    elif len(name) > 255:
        problems.append("The stage name is longer than 255 characters.")
    job = job_id.strip()
    if len(job) > 64:
        problems.append("The job id is longer than 64 characters.")
    if assessment.account_id != integration.account_id:
        problems.append(f'The assessment "{assessment.name}" belongs to another account.')
    elif not assessment.is_active:
        problems.append(f'The assessment "{assessment.name}" is not active.')
    if problems:
        raise IntegrationError(problems)
    with transaction.atomic():
        mapping, _ = StageMapping.objects.select_for_update().update_or_create(
            integration=integration,
            stage_key=stage_key(name),
            job_id=job,
            defaults={"stage_name": name, "assessment": assessment, "job_name": job_name[:255]},
        )
    return mapping


def unmap_stage(integration: Integration, mapping_id: int) -> None:
    deleted, _ = StageMapping.objects.filter(integration=integration, pk=mapping_id).delete()
    if not deleted:
        raise IntegrationError([f"This integration has no stage mapping {mapping_id}."])


def unmap_stage_named(integration: Integration, stage_name: str, *, job_id: str = "") -> None:
    _refuse_without_stages(integration)
    deleted, _ = StageMapping.objects.filter(
        integration=integration, stage_key=stage_key(stage_name), job_id=job_id.strip()
    ).delete()
    if not deleted:
        job = f" of job {job_id.strip()}" if job_id.strip() else ""
        raise IntegrationError([f'No stage named "{stage_name.strip()}"{job} is mapped.'])


def stage_mappings(integration: Integration) -> list[StageMapping]:
    return list(
        StageMapping.objects.filter(integration=integration)
        .select_related("assessment")
        .order_by("stage_key", "job_id")
    )
