"""What the Assessments tab offers to pick from Greenhouse: job stages and custom fields.

Stages come from job templates, copied into every job with ids of their own, so the picker
offers each stage name once (mappings match names) and the open jobs for a mapping that applies
to one job only. Only active custom fields whose type can hold a Harver value are offered, as
`level:name_key`.
"""

from __future__ import annotations

from greenhouse import connection
from greenhouse.decisions import stage_key
from greenhouse.fields import WRITABLE_VALUE_TYPES, Level
from integrations.models import Integration
from integrations.provider_types import StageOptions


def stage_options(integration: Integration) -> StageOptions:
    found = connection.credentials(integration)
    with connection.open_client(found, interactive=True) as client:
        stages = client.job_stages()
        jobs = client.open_jobs()
    names: dict[str, str] = {}
    for stage in sorted(
        stages, key=lambda item: (item.get("sort_order") or 0, str(item.get("name")))
    ):
        name = str(stage.get("name") or "").strip()
        if name and stage.get("active") is not False:
            names.setdefault(stage_key(name), name)
    return StageOptions(
        stages=list(names.values()),
        jobs=[
            (str(job["id"]), str(job.get("name") or job["id"]))
            for job in jobs
            if job.get("id") is not None
        ],
    )


def field_options(integration: Integration) -> list[tuple[str, str]]:
    found = connection.credentials(integration)
    options = []
    with connection.open_client(found, interactive=True) as client:
        for level in Level:
            for item in client.custom_fields(level):
                name_key = str(item.get("name_key") or "")
                value_type = str(item.get("value_type") or "")
                if not name_key or value_type not in WRITABLE_VALUE_TYPES:
                    continue
                if item.get("active") is False:
                    continue
                name = str(item.get("name") or name_key)
                options.append((f"{level}:{name_key}", f"{name} ({level}, {value_type})"))
    return options
