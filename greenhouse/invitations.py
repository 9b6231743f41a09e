"""What a Greenhouse invitation keeps of the webhook (its refs), and what makes it unique.

The application is what Greenhouse invites for: while an invitation of an application to an
assessment is live, another stage change into a mapped stage is a repeat, whatever the email.
"""

from __future__ import annotations

from collections.abc import Mapping

from greenhouse.payloads import StageChange


def invitation_refs(change: StageChange) -> dict[str, str]:
    job = change.job
    return {
        "application_id": str(change.application_id),
        "candidate_id": str(change.candidate_id),
        "job_id": str(job.id) if job else "",
        "job_name": job.name if job else "",
        "stage_id": "" if change.stage_id is None else str(change.stage_id),
        "stage_name": change.stage_name,
    }


def invitation_identity(refs: Mapping[str, str]) -> str:
    return f"application:{refs.get('application_id', '')}"


def job_label(refs: Mapping[str, str]) -> str:
    return str(refs.get("job_name") or "")
