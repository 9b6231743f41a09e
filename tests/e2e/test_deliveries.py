"""Deliveries end to end: PostgreSQL, a private broker, real `celery worker` processes (prefork,
concurrency 2) and the scheduler, against a stand-in Workable on 127.0.0.1.

The broker is a private Redis, and for the crash, restart, 429 and rate-limit tests also a
private RabbitMQ node (quorum queues, publisher confirms): `infra` is parametrised by broker. A
node of its own, on free ports, lets the restart test stop and start it without touching the
machine's RabbitMQ or another test run's.

Time is compressed as in docs/deliveries.md: retries after 0.2, 0.5, 1 and 2 s, a 5 s lease, a
sweep every second, and Workable's 10 requests per 10 s as 10 per second. After every test the
tokens it used are searched for in the worker and scheduler logs, everything that passed
through the broker, this process's log records, the delivery rows and the admin's pages, and
the processes' logs for the candidates' emails and names (`tests.e2e.process_logs`).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from werkzeug import Request, Response

from assessments import lifecycle
from assessments.models import Assessment, CandidateAssessment
from integrations import credential_rotation, inbound, services
from integrations.models import Delivery, DeliveryAttempt, Integration
from tests import factories
from tests.e2e.delivery_harness import (
    RATE_LIMIT,
    RATE_WINDOW,
    REQUEUE_AFTER_SECONDS,
    Broker,
    Cluster,
    RabbitServer,
    RabbitTrace,
    RedisServer,
    StandIn,
    candidate_id,
    json_response,
    max_in_window,
    publishing_to,
    queued,
    shared_cache,
    stand_in,
    worker_env,
)
from tests.e2e.process_logs import ProcessLogs
from tests.processes import wait_until
from tests.workable.delivery_support import MEMBER_ID, RESULT, configure
from workable.invitations import invitation_refs

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

State = Delivery.State
Kind = Delivery.Kind
# The figures the tests measure, shown with `--log-cli-level=INFO`.
measured = logging.getLogger("e2e.measured")


@dataclass
class Infra:
    """The private Redis (the cache, and the broker unless a RabbitMQ node is given)."""

    redis: RedisServer
    broker: Broker | RabbitTrace
    cluster: Cluster
    rabbitmq: RabbitServer | None = None

    @property
    def broker_url(self) -> str:
        return self.rabbitmq.url if self.rabbitmq else self.redis.url

    def restart_broker(self) -> None:
        server = self.rabbitmq or self.redis
        server.stop()
        server.start()


# Every test runs on Redis; `on_both_brokers` ones on a RabbitMQ node too.
on_both_brokers = pytest.mark.parametrize(
    "infra", ["redis", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)], indirect=True
)


@pytest.fixture(scope="module")
def workable() -> Iterator[StandIn]:
    with stand_in() as server:
        yield server


@pytest.fixture(scope="module", params=["redis"])
def infra(request, django_db_setup: None, workable: StandIn, tmp_path_factory) -> Iterator[Infra]:
    directory = tmp_path_factory.mktemp(f"deliveries-{request.param}")
    server = RedisServer(directory)
    rabbitmq = None
    watcher: Broker | RabbitTrace
    if request.param == "rabbitmq":
        rabbitmq = RabbitServer(directory)
        rabbitmq.start()
        watcher = RabbitTrace(rabbitmq)
    else:
        watcher = Broker(server.url)
    server.start()
    watcher.watch()
    cluster = Cluster(
        worker_env(directory, server.url, workable, rabbitmq.url if rabbitmq else None), directory
    )
    cluster.start()
    try:
        assert cluster.wait_ready(), cluster.logs()[-3000:]
        yield Infra(server, watcher, cluster, rabbitmq)
    finally:
        cluster.stop()
        watcher.stop()
        server.stop()
        if rabbitmq:
            rabbitmq.stop()


@dataclass
class Run:
    """One test's view: the infrastructure, the stand-in and the tokens it must never leak."""

    infra: Infra
    workable: StandIn
    tokens: list[str] = field(default_factory=list)

    def integration(self) -> tuple[Integration, Assessment, str]:
        token = f"wk-e2e-{uuid.uuid4().hex}"
        self.tokens.append(token)
        account = factories.AccountFactory.create()
        integration, assessment = configure(account, token=token)
        return integration, assessment, token

    def invite(self, integration: Integration, assessment: Assessment) -> CandidateAssessment:
        key = uuid.uuid4().hex[:12]
        outcome = inbound.invite(
            integration,
            inbound.InvitationRequest(
                assessment=assessment,
                email=f"{key}@example.com",
                refs=invitation_refs(
                    callback_url=f"{self.workable.base}/cb/{key}", job_shortcode="JOB1"
                ),
                first_name="Jane",
                last_name="Doe",
            ),
        )
        return outcome.candidate_assessment


@pytest.fixture
def run(
    infra: Infra,
    process_logs: ProcessLogs,
    workable: StandIn,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[Run]:
    caplog.set_level(logging.DEBUG)
    settings.CACHES = shared_cache(infra.redis.url)
    settings.DELIVERY_REQUEUE_AFTER_SECONDS = REQUEUE_AFTER_SECONDS
    workable.reset()
    if not infra.cluster.processes:
        # A test that stopped the workers failed before starting them again.
        infra.cluster.start()
        assert infra.cluster.wait_ready()
    current = Run(infra, workable)
    with publishing_to(infra.broker_url):
        yield current
    assert_no_token_leaked(current, caplog.text)


def deliveries_of(candidate: CandidateAssessment, **filters: Any) -> list[Delivery]:
    return list(Delivery.objects.filter(candidate_assessment=candidate, **filters).order_by("pk"))


def wait_for_states(
    candidates: list[CandidateAssessment], state: str, *, count: int, timeout: float
) -> bool:
    ids = [candidate.pk for candidate in candidates]

    def reached() -> bool:
        done = Delivery.objects.filter(candidate_assessment_id__in=ids, state=state).count()
        return done >= count

    return wait_until(reached, timeout=timeout, interval=0.2)


def admin_pages(integration: Integration) -> list[str]:
    superuser = factories.UserFactory.create(username=f"root-{uuid.uuid4().hex[:6]}")
    superuser.is_superuser = True
    superuser.save()
    client = Client()
    client.force_login(superuser)
    urls = [
        reverse("admin:integrations_integration_changelist"),
        reverse("admin:integrations_delivery_changelist"),
        f"{reverse('admin:integrations_delivery_timeline')}?integration={integration.pk}",
        reverse("admin:integrations_integration_overview", args=[integration.pk]),
        reverse("admin:integrations_integration_verify", args=[integration.pk]),
    ]
    urls += [
        reverse("admin:integrations_delivery_change", args=[pk])
        for pk in Delivery.objects.filter(integration=integration).values_list("pk", flat=True)[:10]
    ]
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.content.decode())
    return pages


def assert_no_token_leaked(run: Run, test_log: str) -> None:
    rows = json.dumps(
        [
            list(Delivery.objects.values()),
            list(DeliveryAttempt.objects.values()),
            list(Integration.objects.values("last_error")),
        ],
        default=str,
    )
    pages = "\n".join(
        page
        for integration in Integration.objects.filter(ats_credential__isnull=False)
        for page in admin_pages(integration)
    )
    places = {
        "worker and scheduler logs": run.infra.cluster.logs(),
        "broker traffic": run.infra.broker.text(),
        "this process's logs": test_log,
        "delivery rows": rows,
        "admin pages": pages,
    }
    for token in run.tokens:
        for place, text in places.items():
            assert token not in text, f"a token appeared in the {place}"
    # and what reached Workable was the token itself, never its ciphertext
    assert all(not arrival.token.startswith("gAAAA") for arrival in run.workable.requests())


# --- The contract ------------------------------------------------------------------------------


def test_a_completed_result_reaches_workable_as_the_contract_body_with_note_and_fields(run):
    integration, assessment, token = run.integration()
    candidate = run.invite(integration, assessment)
    callback = f"/cb/{candidate.email.split('@')[0]}"
    assert wait_until(lambda: len(run.workable.requests(method="PUT")) == 1, timeout=20)

    committed = time.time()
    lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)

    assert wait_for_states([candidate], State.SUCCEEDED, count=5, timeout=30)
    puts = [arrival for arrival in run.workable.requests(method="PUT")]
    assert [(arrival.path, arrival.body["status"]) for arrival in puts] == [
        (callback, "pending"),
        (callback, "completed"),
    ]
    [completed] = deliveries_of(candidate, kind=Kind.STATUS, rank=2)
    body = puts[1].body
    assert body == completed.payload
    assert set(body) == {"status", "results_url", "assessment", "attachments"}
    assert body["assessment"] == {
        "score": "82",
        "grade": "excelled",
        "summary": RESULT.summary,
        "details": {"Conscientiousness": 88, "Agreeableness": 79},
        "duration": "00:41:17",
    }
    [note] = run.workable.requests(method="POST")
    assert note.path == f"/acme/spi/v3/candidates/{candidate_id(candidate.email)}/comments"
    assert note.body["member_id"] == MEMBER_ID
    assert body["results_url"] in note.body["comment"]["body"]
    fields = sorted(
        (arrival.body["custom_attribute_key"], arrival.body["value"])
        for arrival in run.workable.requests(method="PATCH")
    )
    assert fields == [("harver_c", "88"), ("harver_score", "82")]
    assert {arrival.token for arrival in run.workable.requests()} == {token}
    measured.info(
        f"commit to arrival of the completed PUT: {(puts[1].at - committed) * 1000:.0f} ms"
    )


# --- Crashes and restarts -------------------------------------------------------------------


@on_both_brokers
def test_a_worker_killed_mid_put_delivers_afterwards(run):
    integration, assessment, _ = run.integration()
    release = threading.Event()
    blocked: list[str] = []

    def block_first_put(request: Request) -> Response | None:
        if request.method == "PUT" and not blocked:
            blocked.append(request.path)
            release.wait(timeout=30)
            return json_response({})
        return None

    run.workable.scripts.append(block_first_put)
    started = time.monotonic()
    candidate = run.invite(integration, assessment)
    assert wait_until(lambda: blocked, timeout=20)

    # when every pool process of both workers is killed while the PUT is in flight
    for pid in run.infra.cluster.children():
        os.kill(pid, signal.SIGKILL)
    release.set()

    # then the delivery still succeeds, once the lease of the dead worker has run out
    assert wait_for_states([candidate], State.SUCCEEDED, count=1, timeout=40)
    elapsed = time.monotonic() - started
    puts = run.workable.requests(method="PUT")
    assert 1 <= len(puts) <= 2
    assert all(put.body == {"status": "pending"} for put in puts)
    [delivery] = deliveries_of(candidate)
    outcomes = list(delivery.attempts.values_list("outcome", flat=True))
    assert outcomes[-1] == "succeeded"
    assert "interrupted" in outcomes
    measured.info("killed mid-PUT: delivered after %.1f s, attempts %s", elapsed, outcomes)


@on_both_brokers
def test_the_broker_restarted_with_100_deliveries_queued_delivers_them_all(run):
    # given 100 deliveries queued in the broker while no worker runs
    run.infra.cluster.stop()
    pairs = [run.integration()[:2] for _ in range(10)]
    candidates = [
        run.invite(integration, assessment) for integration, assessment in pairs for _ in range(10)
    ]
    assert queued(run.infra.broker_url) >= 100

    # when the broker restarts and the workers come back
    run.infra.restart_broker()
    if run.infra.rabbitmq:
        # a quorum queue is on disk: RabbitMQ gives back every message it confirmed
        assert queued(run.infra.broker_url) >= 100
    else:
        # Redis without persistence has lost its queue
        assert queued(run.infra.broker_url) == 0
    returned = time.monotonic()
    run.infra.cluster.start()
    assert run.infra.cluster.wait_ready()

    # then (from the queue, or re-queued by the sweeper) every one is delivered, each at most twice
    assert wait_for_states(candidates, State.SUCCEEDED, count=100, timeout=60)
    elapsed = time.monotonic() - returned
    per_callback: dict[str, int] = {}
    for arrival in run.workable.requests(method="PUT"):
        per_callback[arrival.path] = per_callback.get(arrival.path, 0) + 1
    assert len(per_callback) == 100
    assert max(per_callback.values()) <= 2
    broker = "RabbitMQ" if run.infra.rabbitmq else "Redis"
    measured.info("%s restart: 100 delivered %.1f s after it returned", broker, elapsed)


# --- Retries, rate limits, order ------------------------------------------------------------


def test_500_three_times_then_200_is_delivered_with_4_attempts(run):
    integration, assessment, _ = run.integration()
    answers = [500, 500, 500]

    def fail_three_times(request: Request) -> Response | None:
        if request.method == "PUT" and answers:
            return json_response({"error": "down"}, status=answers.pop(0))
        return None

    run.workable.scripts.append(fail_three_times)
    candidate = run.invite(integration, assessment)

    assert wait_for_states([candidate], State.SUCCEEDED, count=1, timeout=30)
    [delivery] = deliveries_of(candidate)
    attempts = list(delivery.attempts.order_by("number"))
    assert [(a.number, a.outcome, a.http_status) for a in attempts] == [
        (1, "transient", 500),
        (2, "transient", 500),
        (3, "transient", 500),
        (4, "succeeded", 200),
    ]
    assert all(attempt.duration_ms is not None for attempt in attempts)
    times = [arrival.at for arrival in run.workable.requests(method="PUT")]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    for gap, step in zip(gaps, (0.2, 0.5, 1.0), strict=True):
        assert step * 0.8 - 0.05 <= gap <= step + 1.5, gaps
    measured.info("500 x3 then 200: gaps between attempts %s s", [round(gap, 2) for gap in gaps])


@on_both_brokers
def test_429_with_retry_after_keeps_every_request_of_that_token_back(run):
    integration, assessment, token = run.integration()
    other, other_assessment, other_token = run.integration()
    limited: list[float] = []

    def answer_429_once(request: Request) -> Response | None:
        if request.headers.get("Authorization") == f"Bearer {token}" and not limited:
            limited.append(time.time())
            return json_response({}, status=429, headers={"Retry-After": "2"})
        return None

    run.workable.scripts.append(answer_429_once)
    # when the token's first request is answered 429 and more deliveries for it are made after
    candidates = [run.invite(integration, assessment)]
    assert wait_until(lambda: limited, timeout=20)
    candidates += [run.invite(integration, assessment) for _ in range(2)]
    unaffected = run.invite(other, other_assessment)

    assert wait_for_states(candidates, State.SUCCEEDED, count=3, timeout=30)
    assert wait_for_states([unaffected], State.SUCCEEDED, count=1, timeout=10)
    later = [arrival.at for arrival in run.workable.requests(token=token)][1:]
    assert len(later) == 3
    assert min(later) >= limited[0] + 2
    assert run.workable.requests(token=other_token)[0].at < limited[0] + 2


@on_both_brokers
def test_200_deliveries_for_one_token_across_2_workers_stay_within_the_rate_limit(run):
    integration, assessment, token = run.integration()
    started = time.monotonic()
    candidates = [run.invite(integration, assessment) for _ in range(200)]

    # 20 s at the limit; a loaded machine takes up to three times that (RabbitMQ, whose delayed
    # delivery keeps the postponed sends in whole seconds, the slower), so the bound is generous.
    assert wait_for_states(candidates, State.SUCCEEDED, count=200, timeout=240)
    elapsed = time.monotonic() - started
    arrivals = [arrival.at for arrival in run.workable.requests(token=token)]
    assert len(arrivals) == 200
    busiest = max_in_window(arrivals, RATE_WINDOW)
    assert busiest <= RATE_LIMIT
    gaps = sorted(later - earlier for earlier, later in itertools.pairwise(arrivals))
    measured.info(
        "200 deliveries, one token: %.1f s, at most %d in any %g s window, median gap %.0f ms",
        elapsed,
        busiest,
        RATE_WINDOW,
        statistics.median(gaps) * 1000,
    )


@on_both_brokers
def test_a_customer_owed_500_results_does_not_hold_back_another_customers_fresh_ones(run):
    # given a customer whose 500 candidates were invited while its integration was off (those
    # invitations' statuses are not this test's subject: dropped), and another customer's three
    busy, busy_assessment, busy_token = run.integration()
    quiet, quiet_assessment, quiet_token = run.integration()
    services.disable_integration(busy)
    backlog = [run.invite(busy, busy_assessment) for _ in range(500)]
    Delivery.objects.filter(integration=busy, state=State.HELD).update(state=State.DROPPED)
    fresh = [run.invite(quiet, quiet_assessment) for _ in range(3)]
    invited = CandidateAssessment.objects.filter(pk__in=[c.pk for c in [*backlog, *fresh]])
    assert wait_until(
        lambda: not invited.filter(invitation_sent_at__isnull=True).exists(), timeout=120
    )
    assert wait_for_states(fresh, State.SUCCEEDED, count=3, timeout=30)
    assert services.enable_integration(Integration.objects.get(pk=busy.pk)).enabled

    # when the first comes to owe Workable 500 results, each committed on its own, while no
    # worker runs (as after an outage: everything owed is due at once)
    run.infra.cluster.stop()
    for candidate in backlog:
        lifecycle.record_status(candidate.pk, "expired", source="engine")
    run.infra.cluster.start()
    assert run.infra.cluster.wait_ready()
    # and the other's candidates complete, one a second, while that backlog drains
    committed: dict[str, float] = {}
    for candidate in fresh:
        key = candidate.email.split("@")[0]
        with transaction.atomic():
            transaction.on_commit(lambda key=key: committed.setdefault(key, time.time()))
            lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)
        time.sleep(1)

    # then each of those results reaches Workable within seconds, not after the backlog
    def completed_puts() -> dict[str, float]:
        return {
            arrival.path.rsplit("/", 1)[-1]: arrival.at
            for arrival in run.workable.requests(token=quiet_token, method="PUT")
            if arrival.body["status"] == "completed"
        }

    assert wait_until(lambda: len(completed_puts()) == 3, timeout=60)
    latencies = {key: at - committed[key] for key, at in completed_puts().items()}
    still_owed = Delivery.objects.filter(integration=busy, state=State.PENDING).count()
    assert still_owed > 0, "the backlog had drained before the fresh results: nothing measured"
    # (tens of milliseconds on a quiet machine, in the fresh lane; 4-5 s in one FIFO queue)
    assert max(latencies.values()) < 1.5, latencies

    # and the backlog drains, each result sent exactly once (that it keeps to the rate limit
    # is the 200-deliveries test's: here the stand-in shares this busy process, and its arrival
    # times jitter on a loaded machine)
    assert wait_for_states(backlog, State.SUCCEEDED, count=500, timeout=300)
    puts = sorted(arrival.path for arrival in run.workable.requests(token=busy_token))
    assert puts == sorted(f"/cb/{candidate.email.split('@')[0]}" for candidate in backlog)
    arrivals = [arrival.at for arrival in run.workable.requests(token=busy_token)]
    measured.info(
        "fresh results during a 500-result backlog: commit to arrival %s ms; backlog drained "
        "in %.1f s, at most %d arrivals in any %g s window",
        sorted(round(latency * 1000) for latency in latencies.values()),
        max(arrivals) - min(arrivals),
        max_in_window(arrivals, RATE_WINDOW),
        RATE_WINDOW,
    )


def test_a_stale_pending_queued_after_completed_never_reaches_workable(run):
    # given an integration that is off while the candidate is invited and completes
    integration, assessment, _ = run.integration()
    services.disable_integration(integration)
    candidate = run.invite(integration, assessment)
    lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)
    [pending, completed] = deliveries_of(candidate, kind=Kind.STATUS)

    # when it is enabled again: the pending is queued before the completed
    assert services.enable_integration(Integration.objects.get(pk=integration.pk)).enabled
    assert wait_for_states([candidate], State.SUCCEEDED, count=4, timeout=30)
    # and the late pending is queued once more after the completed was delivered
    Delivery.objects.filter(pk=pending.pk).update(state=State.PENDING)
    from workable.tasks import send_delivery

    send_delivery.delay(pending.pk)
    assert wait_until(
        lambda: Delivery.objects.get(pk=pending.pk).state == State.DROPPED, timeout=15
    )

    # then Workable only ever saw the completed status
    statuses = [arrival.body["status"] for arrival in run.workable.requests(method="PUT")]
    assert statuses == ["completed"]
    assert Delivery.objects.get(pk=completed.pk).state == State.SUCCEEDED


# --- Replay ---------------------------------------------------------------------------------


def test_replaying_a_failed_delivery_sends_exactly_one_new_attempt(run):
    integration, assessment, _ = run.integration()
    refusing = [True]

    def refuse_until_fixed(request: Request) -> Response | None:
        if request.method == "PUT" and refusing:
            return json_response({"error": "Not found"}, status=404)
        return None

    run.workable.scripts.append(refuse_until_fixed)
    candidate = run.invite(integration, assessment)
    assert wait_for_states([candidate], State.FAILED, count=1, timeout=20)
    [delivery] = deliveries_of(candidate)

    # when the admin replays it with Workable fixed
    refusing.clear()
    admin = factories.UserFactory.create(username="replayer", is_superuser=True)
    client = Client()
    client.force_login(admin)
    replay = client.post(reverse("admin:integrations_delivery_replay", args=[delivery.pk]))
    assert replay.status_code == 302

    # then exactly one new attempt reaches Workable, and succeeds
    assert wait_for_states([candidate], State.SUCCEEDED, count=1, timeout=20)
    time.sleep(2)
    assert len(run.workable.requests(method="PUT")) == 2
    assert list(delivery.attempts.order_by("number").values_list("outcome", flat=True)) == [
        "permanent",
        "succeeded",
    ]


# --- Refused credentials: pause, replace, resume ----------------------------------------------


def test_a_401_for_an_hour_pauses_then_the_new_token_delivers_everything_once_in_order(
    run, settings
):
    """Workable refuses the token for "an hour" (compressed: 8 s, twice the whole retry
    schedule); results keep completing meanwhile. Nothing fails and no retry is used up; once
    the token is replaced (verified against the stand-in), every result arrives once, in order.
    """
    settings.WORKABLE_API_BASE_URL = f"{run.workable.base}/{{subdomain}}/spi/v3"
    settings.WORKABLE_CALLBACK_ALLOW_INSECURE = True
    integration, assessment, old_token = run.integration()
    new_token = f"wk-e2e-new-{uuid.uuid4().hex}"
    run.tokens.append(new_token)
    accepted = {"token": old_token}
    refusing = threading.Event()

    def refuse_all_but_the_accepted_token(request: Request) -> Response | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if refusing.is_set() or token != accepted["token"]:
            return json_response({"error": "Not authorized"}, status=401)
        return None

    run.workable.scripts.append(refuse_all_but_the_accepted_token)
    refusing.set()
    candidates = [run.invite(integration, assessment) for _ in range(3)]
    assert wait_until(
        lambda: Integration.objects.get(pk=integration.pk).deliveries_paused_at is not None,
        timeout=20,
    )
    outage_started = time.time()
    for candidate in candidates:
        lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)
    time.sleep(8)

    # while refused: nothing failed, no retry was used up, Workable was asked once or so
    ids = [candidate.pk for candidate in candidates]
    owed = Delivery.objects.filter(candidate_assessment_id__in=ids)
    assert not owed.filter(state=State.FAILED).exists()
    assert sum(owed.values_list("failures", flat=True)) == 0
    refused_during_outage = [a for a in run.workable.requests() if a.at >= outage_started]
    refused_before = len(run.workable.requests()) - len(refused_during_outage)
    # at most the batches already in flight when the first 401 came back, then silence
    assert 1 <= refused_before <= len(candidates), refused_before
    assert refused_during_outage == []
    paused = Integration.objects.get(pk=integration.pk)
    assert "HTTP 401" in paused.paused_reason

    # when the admin replaces the token with one Workable accepts
    accepted["token"] = new_token
    refusing.clear()
    replaced = time.time()
    outcome = credential_rotation.replace_credentials(integration, token=new_token)
    assert outcome.switched, outcome.problems

    # then every result arrives, once, with the new token, each candidate's in order
    assert wait_for_states(candidates, State.SUCCEEDED, count=12, timeout=60)
    assert not owed.filter(state=State.FAILED).exists()
    sent = [a for a in run.workable.requests(token=new_token) if a.method != "GET"]
    for candidate in candidates:
        # the callback names the candidate's key, the SPI calls the stand-in's candidate id
        paths = (f"/cb/{candidate.email.split('@')[0]}", candidate_id(candidate.email))
        mine = [a for a in sent if a.path.startswith(paths[0]) or paths[1] in a.path]
        assert [a.method for a in mine] == ["PUT", "POST", "PATCH", "PATCH"], mine
        assert mine[0].body["status"] == "completed"
    first_puts = [a.path for a in sent if a.method == "PUT"]
    assert first_puts == [f"/cb/{c.email.split('@')[0]}" for c in candidates]
    paused_attempts = DeliveryAttempt.objects.filter(
        delivery__candidate_assessment_id__in=ids, outcome=DeliveryAttempt.Outcome.PAUSED
    ).count()
    assert paused_attempts == refused_before
    measured.info(
        "401 outage of 8 s: %d request(s) refused, 0 failed, 0 retries used; all 12 results "
        "delivered %.1f s after the token was replaced",
        refused_before,
        max(a.at for a in sent) - replaced,
    )
