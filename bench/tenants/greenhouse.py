"""bench/tenants' Greenhouse customers: integrations on the stand-in Harvest, their backlog of
status writes, their fresh candidates and the plain loop of their requests.

Each integration has its own API credential (its own Client ID, so its own window at the
stand-in and its own slot log in our limiter) and the admin's status field, so an outage leaves
it owing status writes as it leaves a Workable customer owing status callbacks.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bench.delivery.platform import StandInProcess, Tenant
from bench.tenants.harvest import JOB_STAGE, STATUS_FIELD
from bench.tenants.owed import expired_candidates

# Greenhouse's own limit and window (Harvest v3), as `GREENHOUSE_RATE_LIMIT_*` default them.
LIMIT = 50
WINDOW_SECONDS = 30.0
# The production margin and in-place wait, as a share of the window (0.5 s of 30 s).
LIMITER_SHARE = 0.5 / WINDOW_SECONDS
SECRET = "gh-bench-secret-0123456789"  # noqa: S105 (a stand-in credential)


@dataclass(frozen=True)
class Application:
    candidate_id: int
    application_id: int


def settings_for(port: int, window: float) -> dict[str, str]:
    """Greenhouse's addresses pointed at the stand-in, its limit over `window` seconds."""
    return {
        "GREENHOUSE_API_BASE_URL": f"http://127.0.0.1:{port}/v3",
        "GREENHOUSE_TOKEN_URL": f"http://127.0.0.1:{port}/token",
        "GREENHOUSE_API_ALLOW_INSECURE": "true",
        "GREENHOUSE_RATE_LIMIT_DEFAULT": str(LIMIT),
        "GREENHOUSE_RATE_LIMIT_WINDOW_SECONDS": str(window),
        "GREENHOUSE_RATE_LIMIT_MARGIN_SECONDS": str(window * LIMITER_SHARE),
        "GREENHOUSE_RATE_LIMIT_WAIT_SECONDS": str(window * LIMITER_SHARE),
    }


def client_id(number: int) -> str:
    return f"gh-bench-client-{number:04d}"


def organise(
    harvest: StandInProcess, clients: list[str], applications: int
) -> tuple[str, list[Application]]:
    """The clients and `applications` new applications at the stand-in; the acting user's id."""
    made = harvest.post(
        "/__bench/organisation",
        {"clients": [[client, SECRET] for client in clients], "applications": applications},
        timeout=600,
    )
    return str(made["user_id"]), [Application(*pair) for pair in made["applications"]]


def create_tenants(first: int, count: int, user_id: str) -> list[Tenant]:
    """Enabled Greenhouse integrations as the admin pages leave them: credentials with a status
    field, reports, the Harver stage mapped. `Tenant.token` is the Client ID."""
    from assessments.reports import ReportType
    from integrations import services, stages
    from tests.factories import AccountFactory, AssessmentFactory, ready_integration

    tenants = []
    for number in range(first, first + count):
        account = AccountFactory.create(name=f"Tenant {number:02d}")
        assessment = AssessmentFactory.create(account=account, name="Store Associate")
        integration = ready_integration(account, provider="greenhouse")
        services.set_ats_credentials(
            integration,
            client_id=client_id(number),
            client_secret=SECRET,
            user_id=user_id,
            webhook_secret=f"whsec-bench-{number:04d}-0123456789",
            status_field=f"application:{STATUS_FIELD}",
        )
        services.configure_reports(
            integration,
            enabled=[ReportType.READONLY_CANDIDATE_DETAILS_PAGE],
            results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
        )
        stages.map_stage(integration, assessment=assessment, stage_name=JOB_STAGE)
        outcome = services.enable_integration(integration)
        if not outcome.enabled:
            raise RuntimeError(f"tenant {number} not enabled: {outcome.problems}")
        tenants.append(Tenant(integration.pk, assessment.pk, "", client_id(number)))
    return tenants


def application_path(application: Application) -> str:
    """Where a status write for the application arrives."""
    return f"/v3/applications/{application.application_id}"


def write_backlog(
    tenants: list[Tenant], sizes: list[int], applications: Iterator[Application]
) -> list[str]:
    """Unpublished status writes, one application each, due only once the outage ends (as
    `bench.tenants.run.write_backlog` for Workable); returns the paths they arrive at."""
    from django.utils import timezone

    from integrations.models import Delivery

    now = timezone.now()
    outage_ends = now + datetime.timedelta(days=1)
    paths: list[str] = []
    for tenant, size in zip(tenants, sizes, strict=True):
        candidates = expired_candidates(tenant, size, now)
        owed = []
        for candidate in candidates:
            application = next(applications)
            paths.append(application_path(application))
            owed.append(
                Delivery(
                    integration_id=tenant.integration_id,
                    candidate_assessment=candidate,
                    kind=Delivery.Kind.STATUS,
                    label=f"Status Expired (application:{STATUS_FIELD})",
                    payload={
                        "level": "application",
                        "record_id": str(application.application_id),
                        "fields": [{"name_key": STATUS_FIELD, "value": "Expired"}],
                    },
                    rank=2,
                    state=Delivery.State.PENDING,
                    next_attempt_at=outage_ends,
                    enqueued_at=None,
                )
            )
        Delivery.objects.bulk_create(owed, batch_size=2000)
    return paths


def invite(tenants: list[Tenant], applications: list[Application], label: str) -> dict[int, int]:
    """One invitation per application, spread over the tenants, as a stage change into the
    mapped stage makes it; returns the Greenhouse candidate id by candidate assessment id."""
    from assessments.models import Assessment
    from integrations import inbound
    from integrations.models import Integration

    integrations = {
        tenant.integration_id: Integration.objects.get(pk=tenant.integration_id)
        for tenant in tenants
    }
    assessments = {
        tenant.assessment_id: Assessment.objects.get(pk=tenant.assessment_id) for tenant in tenants
    }
    invited = {}
    for number, application in enumerate(applications):
        tenant = tenants[number % len(tenants)]
        outcome = inbound.invite(
            integrations[tenant.integration_id],
            inbound.InvitationRequest(
                assessment=assessments[tenant.assessment_id],
                email=f"{label}-gh-{number}@example.com",
                refs={
                    "application_id": str(application.application_id),
                    "candidate_id": str(application.candidate_id),
                    "job_id": "",
                    "job_name": "Store Associate",
                    "stage_id": "",
                    "stage_name": JOB_STAGE,
                },
            ),
        )
        invited[outcome.candidate_assessment.pk] = application.candidate_id
    return invited


def loop_clients(backlog: int) -> list[str]:
    """The plain loop's own Client IDs: one for each `LIMIT` of its requests, so that no window
    refuses one (a token request for every `LIMIT` requests)."""
    return [f"gh-bench-loop-{number:04d}" for number in range(math.ceil(backlog / LIMIT))]


def loop_jobs(paths: list[str], user_id: str) -> list[Any]:
    """The backlog's writes as the plain loop sends them: `LIMIT` at a time under one of
    `loop_clients`, each a callable for a thread to run."""
    from greenhouse.client import GreenhouseClient

    class NoBudget:
        def take(self) -> None:
            return None

        def block(self, seconds: float) -> None:
            return None

        def close(self) -> None:
            return None

    def job(client: str, chunk: list[str]) -> Any:
        def send() -> None:
            with GreenhouseClient(
                client_id=client, client_secret=SECRET, user_id=user_id, budget=NoBudget()
            ) as greenhouse:
                for path in chunk:
                    greenhouse.set_custom_fields(
                        "application", path.rsplit("/", 1)[-1], [(STATUS_FIELD, "Expired")]
                    )

        return send

    clients = loop_clients(len(paths))
    return [
        job(client, paths[index * LIMIT : (index + 1) * LIMIT])
        for index, client in enumerate(clients)
    ]
