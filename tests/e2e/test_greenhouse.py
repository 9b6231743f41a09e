"""Greenhouse end to end: the stand-in Greenhouse (`greenhouse.sandbox`) over HTTP on 127.0.0.1,
the platform under gunicorn, real `celery worker` processes and the scheduler, PostgreSQL and a
private Redis (broker, token cache and rate limit).

Webhooks are sent as Greenhouse sends them (signed over the exact bytes, `\\u003c` escapes, a
fresh `Greenhouse-Event-ID`) to the gunicorn server; the workers invite, email (the file email
backend) and deliver results to the stand-in's Harvest v3, which checks the token, the scopes,
the Site Admin `sub`, cursor paging and its rate limit. Time is compressed as for Workable:
retries after 0.2, 0.5, 1 and 2 s, a 5 s lease, a sweep every second. After every test the
secrets it used (Client Secret, Secret Key, every access token the stand-in issued) are searched
for in the worker, scheduler and server logs, this process's log records and the delivery rows,
and those logs for the candidates' emails and names (`tests.e2e.process_logs`).
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from assessments import lifecycle
from assessments.models import Assessment, CandidateAssessment
from assessments.reports import ReportType
from greenhouse.sandbox.webhooks import WebhookSender
from harver_integration.logs import RedactIssuedTokens
from integrations import inbound, services, stages
from integrations.models import Delivery, DeliveryAttempt, InboundEvent, Integration
from tests import factories
from tests.e2e.delivery_harness import (
    REQUEUE_AFTER_SECONDS,
    Cluster,
    RedisServer,
    publishing_to,
    shared_cache,
)
from tests.e2e.process_logs import ProcessLogs
from tests.greenhouse.standin import HarvestServer, harvest_server
from tests.processes import gunicorn, platform_env, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

State = Delivery.State
Kind = Delivery.Kind
measured = logging.getLogger("e2e.measured")

STAGE = "Harver Assessment"
RATE_LIMIT = 20
RATE_WINDOW = 1.0
READ_TIMEOUT = 2
RESULT = lifecycle.Result(
    score=82,
    recommendation="great_fit",
    competency_scores={"Conscientiousness": 88},
    summary="Great fit. Strongest: Conscientiousness (88).",
    duration=datetime.timedelta(minutes=41),
)


def greenhouse_env(var_dir: Path, redis_url: str, harvest: HarvestServer) -> dict[str, str]:
    return platform_env(
        var_dir,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_VISIBILITY_TIMEOUT="10",
        LOG_LEVEL="DEBUG",
        GREENHOUSE_API_BASE_URL=harvest.api_base_url,
        GREENHOUSE_TOKEN_URL=harvest.token_url,
        GREENHOUSE_API_ALLOW_INSECURE="true",
        GREENHOUSE_CONNECT_TIMEOUT="1",
        GREENHOUSE_READ_TIMEOUT=str(READ_TIMEOUT),
        GREENHOUSE_RATE_LIMIT_DEFAULT=str(RATE_LIMIT),
        GREENHOUSE_RATE_LIMIT_WINDOW_SECONDS=str(RATE_WINDOW),
        GREENHOUSE_RATE_LIMIT_MARGIN_SECONDS="0.5",
        DELIVERY_RETRY_SCHEDULE="0.2,0.5,1,2",
        DELIVERY_LEASE_SECONDS="5",
        DELIVERY_SWEEP_SECONDS="1",
        REMINDER_SWEEP_SECONDS="1",
        DELIVERY_REQUEUE_AFTER_SECONDS=str(REQUEUE_AFTER_SECONDS),
        CELERY_TASK_SOFT_TIME_LIMIT="20",
        CELERY_TASK_TIME_LIMIT="30",
    )


@dataclass
class Infra:
    redis: RedisServer
    cluster: Cluster
    harvest: HarvestServer
    base_url: str
    var_dir: Path


@pytest.fixture(scope="module")
def infra(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    directory = tmp_path_factory.mktemp("greenhouse")
    server = RedisServer(directory)
    server.start()
    with harvest_server(rate_limit=RATE_LIMIT, rate_window=RATE_WINDOW) as harvest:
        env = greenhouse_env(directory, server.url, harvest)
        cluster = Cluster(env, directory)
        cluster.start()
        try:
            assert cluster.wait_ready(), cluster.logs()[-3000:]
            with gunicorn(env, workers=2) as base_url:
                yield Infra(server, cluster, harvest, base_url, directory)
        finally:
            cluster.stop()
            server.stop()


def sent_emails(var_dir: Path, to: str) -> int:
    """Messages to `to` written by Django's file email backend (several may share one file)."""
    mail_dir = var_dir / "mail"
    if not mail_dir.is_dir():
        return 0
    text = "".join(path.read_text(errors="replace") for path in sorted(mail_dir.iterdir()))
    return sum(1 for line in text.splitlines() if line == f"To: {to}")


@dataclass
class Greenhouse:
    """One test's customer: a Greenhouse organisation in the stand-in and its integration."""

    integration: Integration
    assessment: Assessment
    client_id: str
    client_secret: str
    webhook_secret: str
    user: dict[str, Any]
    job: dict[str, Any]
    sender: WebhookSender


@dataclass
class Run:
    infra: Infra
    logs: ProcessLogs
    secrets: list[str] = field(default_factory=list)

    @property
    def harvest(self) -> Any:
        return self.infra.harvest.harvest

    def greenhouse(self) -> Greenhouse:
        key = uuid.uuid4().hex[:10]
        client_id, client_secret = f"gh-e2e-{key}", f"gh-secret-{uuid.uuid4().hex}"
        webhook_secret = f"whsec-{uuid.uuid4().hex}"
        self.secrets += [client_secret, webhook_secret]
        self.harvest.add_client(client_id, client_secret)
        user = self.harvest.add_user("Harver Integration")
        job = self.harvest.add_job("Designer", ["Application Review", STAGE, "Offer"])
        if not any(
            item["name_key"] == "harver_score" for item in self.harvest.custom_fields.values()
        ):
            self.harvest.add_custom_field("harver_score", field_type="candidate")
            self.harvest.add_custom_field(
                "harver_fit",
                field_type="application",
                value_type="single_select",
                options=["Great fit", "Good fit", "Poor fit"],
            )
        account = factories.AccountFactory.create()
        assessment = factories.AssessmentFactory.create(
            account=account, name="Store Associate", competencies=["Conscientiousness"]
        )
        integration = factories.ready_integration(account, provider="greenhouse")
        services.set_ats_credentials(
            integration,
            client_id=client_id,
            client_secret=client_secret,
            user_id=str(user["id"]),
            webhook_secret=webhook_secret,
        )
        services.configure_reports(
            integration,
            enabled=[ReportType.READONLY_CANDIDATE_DETAILS_PAGE, ReportType.SIGNED_REPORT],
            results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
        )
        stages.map_stage(integration, assessment=assessment, stage_name=STAGE.lower())
        services.map_field(
            integration,
            assessment=assessment,
            score="overall",
            ats_field_id="candidate:harver_score",
        )
        services.map_field(
            integration,
            assessment=assessment,
            score="recommendation",
            ats_field_id="application:harver_fit",
        )
        token = services.rotate_inbound_token(integration)
        outcome = services.enable_integration(integration)  # asks the stand-in
        assert outcome.enabled, outcome.problems
        url = f"{self.infra.base_url}/api/greenhouse/webhooks/{token}"
        return Greenhouse(
            Integration.objects.get(pk=integration.pk),
            assessment,
            client_id,
            client_secret,
            webhook_secret,
            user,
            job,
            WebhookSender(url, webhook_secret),
        )

    def application(self, greenhouse: Greenhouse, stage: str = "Application Review") -> Any:
        email = f"{uuid.uuid4().hex[:12]}@example.com"
        candidate = self.harvest.add_candidate(
            "Giuseppe", "Hurley <&>", emails=[(email, "personal")]
        )
        self.logs.add(email=email, names=(candidate["first_name"], candidate["last_name"]))
        return self.harvest.add_application(candidate["id"], greenhouse.job["id"], stage)

    def email_of(self, application: Any) -> str:
        candidate = self.harvest.candidates[application["candidate_id"]]
        return str(candidate["email_addresses"][0]["value"])

    def enter_stage(self, greenhouse: Greenhouse, application: Any, stage: str = STAGE) -> Any:
        """The application moves into `stage` and Greenhouse sends the web hook."""
        self.harvest.move(application["id"], stage)
        return greenhouse.sender.send(self.harvest.stage_change_payload(application["id"]))

    def invited(self, greenhouse: Greenhouse) -> tuple[Any, CandidateAssessment]:
        application = self.application(greenhouse)
        sent = self.enter_stage(greenhouse, application)
        assert sent.status == 200, sent.answer
        assert wait_until(
            lambda: CandidateAssessment.objects.filter(
                ats_invitation__integration=greenhouse.integration,
                ats_invitation__refs__application_id=str(application["id"]),
            ).exists(),
            timeout=20,
        )
        return application, CandidateAssessment.objects.get(
            ats_invitation__integration=greenhouse.integration,
            ats_invitation__refs__application_id=str(application["id"]),
        )

    def notes(self, application: Any) -> list[dict[str, Any]]:
        return [
            note
            for note in self.harvest.notes.values()
            if note["application_id"] == application["id"]
        ]

    def token_requests(self, greenhouse: Greenhouse) -> int:
        return len(
            self.harvest.requests(method="POST", path="^/token$", client_id=greenhouse.client_id)
        )


@pytest.fixture
def run(
    infra: Infra, process_logs: ProcessLogs, settings: Any, caplog: pytest.LogCaptureFixture
) -> Iterator[Run]:
    caplog.set_level(logging.DEBUG)
    settings.REDIS_URL = infra.redis.url
    settings.CACHES = shared_cache(infra.redis.url)
    settings.DELIVERY_REQUEUE_AFTER_SECONDS = REQUEUE_AFTER_SECONDS
    settings.VAR_DIR = infra.var_dir
    settings.GREENHOUSE_API_BASE_URL = infra.harvest.api_base_url
    settings.GREENHOUSE_TOKEN_URL = infra.harvest.token_url
    settings.GREENHOUSE_API_ALLOW_INSECURE = True
    if not infra.cluster.processes:
        infra.cluster.start()
        assert infra.cluster.wait_ready()
    current = Run(infra, process_logs)
    # The sender plays Greenhouse, whose HTTP client (urllib3) logs the web hook URL, which
    # carries our token by design; our own processes redact it (harver_integration.logs).
    sender_log = logging.getLogger("urllib3.connectionpool")
    redaction = RedactIssuedTokens()
    sender_log.addFilter(redaction)
    try:
        with publishing_to(infra.redis.url):
            yield current
    finally:
        sender_log.removeFilter(redaction)
    assert_no_secret_leaked(current, caplog.text)


def assert_no_secret_leaked(run: Run, test_log: str) -> None:
    rows = json.dumps(
        [
            list(Delivery.objects.values()),
            list(DeliveryAttempt.objects.values()),
            list(InboundEvent.objects.values("outcome", "details")),
            list(Integration.objects.values("last_error")),
        ],
        default=str,
    )
    places = {
        "worker and scheduler logs": run.infra.cluster.logs(),
        "this process's logs": test_log,
        "delivery and event rows": rows,
    }
    access_tokens = list(run.harvest.issued_tokens or [])
    for secret in [*run.secrets, *access_tokens]:
        for place, text in places.items():
            assert secret not in text, f"a secret appeared in the {place}"


def deliveries_of(candidate: CandidateAssessment, **filters: Any) -> list[Delivery]:
    return list(Delivery.objects.filter(candidate_assessment=candidate, **filters).order_by("pk"))


def all_succeeded(candidate: CandidateAssessment, count: int) -> bool:
    return len(deliveries_of(candidate, state=State.SUCCEEDED)) >= count


# --- Invitation from a web hook ---------------------------------------------------------------


def test_a_signed_stage_change_invites_and_emails_once_whatever_repeats(run):
    greenhouse = run.greenhouse()
    application = run.application(greenhouse)

    ping = greenhouse.sender.ping()
    started = time.monotonic()
    first = run.enter_stage(greenhouse, application)
    answered = time.monotonic() - started
    repeat = greenhouse.sender.replay(first)
    again = greenhouse.sender.send(run.harvest.stage_change_payload(application["id"]))
    unsigned = greenhouse.sender.send(
        run.harvest.stage_change_payload(application["id"]), signed=False
    )
    wrong = greenhouse.sender.send(
        run.harvest.stage_change_payload(application["id"]), secret_key="not-the-key"
    )

    assert (ping.status, first.status, repeat.status, again.status) == (200, 200, 200, 200)
    assert (unsigned.status, wrong.status) == (401, 401)
    assert first.answer == {"status": 200, "message": "Received: the invitation is on its way."}
    email = run.email_of(application)
    assert wait_until(lambda: sent_emails(run.infra.var_dir, email) >= 1, timeout=30)
    assert wait_until(
        lambda: (
            not InboundEvent.objects.filter(
                integration=greenhouse.integration, state__in=InboundEvent.OPEN_STATES
            ).exists()
        ),
        timeout=20,
    )
    time.sleep(1)
    candidate = CandidateAssessment.objects.get(ats_invitation__integration=greenhouse.integration)
    assert candidate.last_name == "Hurley <&>"
    assert sent_emails(run.infra.var_dir, email) == 1
    events = InboundEvent.objects.filter(integration=greenhouse.integration).order_by("pk")
    assert [event.action for event in events] == ["ping", *["candidate_stage_change"] * 2]
    assert [event.state for event in events][1:] == [InboundEvent.State.DONE] * 2
    measured.info("stage change answered in %.0f ms over HTTP", answered * 1000)


def test_an_application_that_moved_on_before_the_worker_is_not_invited(run):
    greenhouse = run.greenhouse()
    application = run.application(greenhouse)
    run.harvest.move(application["id"], STAGE)
    payload = run.harvest.stage_change_payload(application["id"])
    run.harvest.move(application["id"], "Offer")

    assert greenhouse.sender.send(payload).status == 200

    assert wait_until(
        lambda: InboundEvent.objects.filter(
            integration=greenhouse.integration, state=InboundEvent.State.IGNORED
        ).exists(),
        timeout=20,
    )
    assert "moved on" in InboundEvent.objects.get(integration=greenhouse.integration).outcome
    assert not CandidateAssessment.objects.filter(
        ats_invitation__integration=greenhouse.integration
    ).exists()


# --- Results back to Greenhouse ---------------------------------------------------------------


def test_a_completed_result_arrives_as_custom_fields_and_one_note(run):
    greenhouse = run.greenhouse()
    application, candidate = run.invited(greenhouse)

    committed = time.time()
    lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)

    assert wait_until(lambda: all_succeeded(candidate, 3), timeout=30)
    candidate_fields = dict(run.harvest.candidates[application["candidate_id"]]["custom_fields"])
    application_fields = dict(run.harvest.applications[application["id"]]["custom_fields"])
    great_fit = next(
        option["id"]
        for option in run.harvest.custom_field_options.values()
        if option["name"] == "Great fit"
    )
    assert candidate_fields == {"harver_score": 82}
    assert application_fields == {"harver_fit": great_fit}
    [note] = run.notes(application)
    assert note["user_id"] == greenhouse.user["id"]
    assert note["candidate_id"] == application["candidate_id"]
    assert note["body"].endswith(f"[harver:{candidate.public_id}]")
    assert "Candidate details (read-only): http" in note["body"]
    [arrived] = run.harvest.requests(
        method="POST", path="^/v3/notes$", client_id=greenhouse.client_id
    )
    measured.info("commit to arrival of the note: %.0f ms", (arrived.at - committed) * 1000)


def test_an_expired_access_token_is_renewed_once_and_the_write_lands(run):
    greenhouse = run.greenhouse()
    application, candidate = run.invited(greenhouse)
    minted = run.token_requests(greenhouse)

    expired_at = time.time()
    run.harvest.expire_tokens()
    lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)

    assert wait_until(lambda: all_succeeded(candidate, 3), timeout=30)
    assert run.token_requests(greenhouse) == minted + 1
    refused = [
        arrival
        for arrival in run.harvest.requests(path="^/v3/")
        if arrival.status == 401 and arrival.at >= expired_at
    ]
    assert len(refused) == 1  # the expired token, once
    assert len(run.notes(application)) == 1


def test_429_with_retry_after_holds_the_client_id_back(run):
    greenhouse = run.greenhouse()
    application, candidate = run.invited(greenhouse)
    run.harvest.fail("^/v3/notes$", 429, method="POST", headers={"Retry-After": "2"})

    lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)

    assert wait_until(lambda: all_succeeded(candidate, 3), timeout=30)
    posts = run.harvest.requests(method="POST", path="^/v3/notes$", client_id=greenhouse.client_id)
    assert [post.status for post in posts] == [429, 201]
    assert posts[1].at >= posts[0].at + 2
    assert len(run.notes(application)) == 1


def test_a_5xx_and_a_time_out_after_storing_never_post_the_note_twice(run):
    greenhouse = run.greenhouse()
    application, candidate = run.invited(greenhouse)
    run.harvest.fail("^/v3/notes$", 502, method="POST")
    run.harvest.time_out_next_note = READ_TIMEOUT + 1.0

    lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)

    assert wait_until(lambda: all_succeeded(candidate, 3), timeout=40)
    [note_delivery] = deliveries_of(candidate, kind=Kind.COMMENT)
    outcomes = list(note_delivery.attempts.order_by("number").values_list("outcome", flat=True))
    assert outcomes == ["transient", "timeout", "succeeded"]
    [note] = run.notes(application)
    assert note_delivery.remote_ref == str(note["id"])


def test_a_worker_killed_mid_send_delivers_the_note_once(run):
    greenhouse = run.greenhouse()
    application, candidate = run.invited(greenhouse)
    run.harvest.time_out_next_note = 8.0  # stored, then answered late: the worker is killed first

    lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)
    assert wait_until(lambda: run.notes(application), timeout=20)
    for pid in run.infra.cluster.children():
        os.kill(pid, signal.SIGKILL)

    assert wait_until(lambda: all_succeeded(candidate, 3), timeout=40)
    assert len(run.notes(application)) == 1
    [note_delivery] = deliveries_of(candidate, kind=Kind.COMMENT)
    outcomes = list(note_delivery.attempts.values_list("outcome", flat=True))
    assert "interrupted" in outcomes
    assert outcomes[-1] == "succeeded"


def test_replaying_a_refused_field_write_sends_it_once_more(run):
    greenhouse = run.greenhouse()
    application, candidate = run.invited(greenhouse)
    run.harvest.fail(f"^/v3/applications/{application['id']}$", 422, method="PATCH")

    lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)
    assert wait_until(lambda: deliveries_of(candidate, state=State.FAILED), timeout=30)
    [failed] = deliveries_of(candidate, state=State.FAILED)
    assert "HTTP 422" in failed.last_error

    admin = factories.UserFactory.create(username=f"replayer-{uuid.uuid4().hex[:6]}")
    admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    answer = client.post(reverse("admin:integrations_delivery_replay", args=[failed.pk]))
    assert answer.status_code == 302

    assert wait_until(lambda: all_succeeded(candidate, 3), timeout=20)
    patches = run.harvest.requests(method="PATCH", path=f"^/v3/applications/{application['id']}$")
    assert [patch.status for patch in patches] == [422, 200]
    assert len(run.notes(application)) == 1


def test_30_results_for_one_client_id_stay_within_greenhouses_rate_limit(run):
    greenhouse = run.greenhouse()
    candidates = []
    for _ in range(30):
        application = run.application(greenhouse, stage=STAGE)
        candidates.append(
            inbound.invite(
                greenhouse.integration,
                inbound.InvitationRequest(
                    assessment=greenhouse.assessment,
                    email=run.email_of(application),
                    refs={
                        "application_id": str(application["id"]),
                        "candidate_id": str(application["candidate_id"]),
                    },
                ),
            ).candidate_assessment
        )
    started = time.monotonic()
    for candidate in candidates:
        lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)

    assert wait_until(lambda: all(all_succeeded(c, 3) for c in candidates), timeout=120)
    elapsed = time.monotonic() - started
    arrivals = run.harvest.requests(path="^/v3/", client_id=greenhouse.client_id)
    assert [arrival for arrival in arrivals if arrival.status == 429] == []
    windows: dict[int, int] = {}
    for arrival in arrivals:
        window = int(arrival.at // RATE_WINDOW)
        windows[window] = windows.get(window, 0) + 1
    assert max(windows.values()) <= RATE_LIMIT
    measured.info(
        "30 results (%d Harvest requests) for one Client ID in %.1f s, at most %d in a window",
        len(arrivals),
        elapsed,
        max(windows.values()),
    )
