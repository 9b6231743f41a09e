"""Batches: a task sends every due delivery of its integration, over one session, within limits.

Workable is faked with `responses`. What a single delivery does (bodies, retries, order) is in
`test_deliveries.py`; here: what a batch takes, how it stops, and what it leaves to others.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import re
import threading
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import requests
import responses
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import CandidateAssessment
from harver_integration.broker_options import BACKLOG_QUEUE, FRESH_QUEUE, SCHEDULED_QUEUE
from integrations import inbound
from integrations.http import RateBudget
from integrations.models import Delivery, DeliveryAttempt, Integration
from integrations.outbox import publishing, recording, requeue, sending
from integrations.outbox.outcomes import BatchOutcome
from integrations.ratelimit import limiter_key
from integrations.transport import Exchange, Postponed
from tests.factories import AccountFactory
from tests.workable.delivery_support import (
    WORKABLE_TOKEN,
    configure,
    invited_fixture,  # noqa: F401
    reload,
    run,
)
from workable.invitations import invitation_refs
from workable.tasks import send_delivery

State = Delivery.State
CALLBACKS = "https://acme.workable.com/spi/v3/assessments/{}/results"
numbers = itertools.count()


def invite_more(setup: Any, count: int, *, integration: Integration | None = None) -> list[int]:
    """`count` more invited candidates; returns their pending-status deliveries' ids."""
    integration = integration or setup.integration
    ids = []
    for number in itertools.islice(numbers, count):
        outcome = inbound.invite(
            integration,
            inbound.InvitationRequest(
                assessment=setup.assessment,
                email=f"candidate{number}.{integration.pk}@example.com",
                refs=invitation_refs(
                    callback_url=CALLBACKS.format(f"i{integration.pk}n{number}"),
                    job_shortcode="A1B2C3",
                    job_title="Store Associate",
                ),
                first_name="Cand",
                last_name=f"Idate {number}",
            ),
        )
        ids.append(_pending_of(outcome.candidate_assessment))
    return ids


def _pending_of(candidate_assessment: CandidateAssessment) -> int:
    return Delivery.objects.get(candidate_assessment=candidate_assessment).pk


def accept_callbacks() -> responses.BaseResponse:
    return responses.put(re.compile(r"https://acme\.workable\.com/spi/v3/assessments/.+"), json={})


@pytest.fixture(name="statuses")
def statuses_fixture(invited: Any) -> list[int]:
    """Four due pending statuses of one integration: the fixture's candidate's and 3 more."""
    [first] = invited.deliveries()
    return [first.pk, *invite_more(invited, 3)]


@responses.activate
def test_one_task_sends_every_due_delivery_of_its_integration_over_one_session(invited, statuses):
    # given another customer's due delivery too
    other_account = AccountFactory.create(name="Other Retail")
    other_integration, _ = configure(other_account, token="wk-other-token-1234567890")
    [other] = invite_more(invited, 1, integration=other_integration)
    accept_callbacks()

    with mock.patch("integrations.http.requests.Session", wraps=requests.Session) as sessions:
        assert run(Delivery.objects.get(pk=statuses[2])) == BatchOutcome.SUCCEEDED

    sent = Delivery.objects.filter(pk__in=statuses)
    assert {delivery.state for delivery in sent} == {State.SUCCEEDED}
    assert sessions.call_count == 1
    # the named delivery went first, the others by due time
    order = DeliveryAttempt.objects.filter(delivery_id__in=statuses).order_by("pk")
    assert list(order.values_list("delivery_id", flat=True)) == [
        statuses[2],
        statuses[0],
        statuses[1],
        statuses[3],
    ]
    # and the other customer's delivery waits for its own task
    assert reload(Delivery.objects.get(pk=other)).state == State.PENDING
    assert len(responses.calls) == 4


def test_a_claim_takes_at_most_a_batch_and_never_what_is_not_due(invited, statuses):
    later = timezone.now() + datetime.timedelta(minutes=5)
    Delivery.objects.filter(pk=statuses[3]).update(next_attempt_at=later)

    first = sending.claim(statuses[1], size=2)
    second = sending.claim(statuses[1], size=2)

    assert [delivery.pk for delivery in first] == [statuses[1], statuses[0]]
    assert [delivery.pk for delivery in second] == [statuses[2]]
    assert sending.claim(statuses[1], size=2) == []
    # one lease marks a whole claim
    assert len({delivery.locked_until for delivery in first}) == 1


@responses.activate
def test_the_task_takes_batch_after_batch_until_nothing_is_due(invited, statuses, settings):
    settings.DELIVERY_BATCH_SIZE = 3
    more = invite_more(invited, 4)
    accept_callbacks()

    assert run(Delivery.objects.get(pk=statuses[0])) == BatchOutcome.SUCCEEDED

    states = Delivery.objects.filter(pk__in=[*statuses, *more]).values_list("state", flat=True)
    assert set(states) == {State.SUCCEEDED}
    assert len(responses.calls) == 8


@responses.activate
def test_at_the_time_box_the_rest_is_released_unsent_to_another_task(invited, statuses, settings):
    # given a time box already over when the first send ends
    settings.DELIVERY_BATCH_SECONDS = 0.0
    accept_callbacks()

    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        assert run(Delivery.objects.get(pk=statuses[0])) == BatchOutcome.SUCCEEDED

    # then the first was sent and the rest handed back, no attempt, one task published for them
    rest = Delivery.objects.filter(pk__in=statuses[1:])
    assert {(delivery.state, delivery.attempt_count) for delivery in rest} == {(State.PENDING, 0)}
    assert all(delivery.locked_until is None for delivery in rest)
    apply_async.assert_called_once_with(args=(statuses[1],), retry=False, queue=BACKLOG_QUEUE)
    assert len(responses.calls) == 1


@responses.activate
def test_the_rate_limit_postpones_the_rest_of_the_batch_without_sending_it(
    invited, statuses, settings
):
    # given a limit of 2 requests per window
    settings.WORKABLE_RATE_LIMIT_REQUESTS = 2
    accept_callbacks()

    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        assert run(Delivery.objects.get(pk=statuses[0])) == BatchOutcome.SUCCEEDED

    sent, waiting, rest = statuses[:2], reload(Delivery.objects.get(pk=statuses[2])), statuses[3:]
    assert set(Delivery.objects.filter(pk__in=sent).values_list("state", flat=True)) == {
        State.SUCCEEDED
    }
    # the third waits for the window to have room; the fourth for the same moment, unsent
    assert (waiting.state, waiting.attempt_count) == (State.PENDING, 0)
    assert waiting.next_attempt_at > timezone.now() + datetime.timedelta(seconds=5)
    [fourth] = Delivery.objects.filter(pk__in=rest)
    assert (fourth.state, fourth.attempt_count) == (State.PENDING, 0)
    assert fourth.next_attempt_at == waiting.next_attempt_at
    # one task, at the slot, in the scheduled lane (not behind the sweeper's), takes both;
    # nothing beyond the limit was sent
    apply_async.assert_called_once_with(
        args=(waiting.pk,), retry=False, queue=SCHEDULED_QUEUE, eta=waiting.next_attempt_at
    )
    assert len(responses.calls) == 2


class FixedDelay:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.max_waits: list[float | None] = []

    def reserve(self, key: str, max_wait: float | None = None, slot_id: str = "") -> float:
        self.max_waits.append(max_wait)
        return self.delay

    def reserve_with_spares(
        self, key: str, max_wait: float | None, slot_id: str, spares: int
    ) -> tuple[float, int]:
        return self.reserve(key, max_wait, slot_id), 0

    def release(self, key: str, slot_ids: list[str]) -> None:
        raise AssertionError("not expected")

    def answered(self, key: str, slot_id: str) -> None:
        raise AssertionError("not expected")

    def block(self, key: str, seconds: float) -> None:
        raise AssertionError("not expected")


def test_a_slot_a_moment_away_is_waited_for_in_place():
    near = FixedDelay(0.05)
    RateBudget(limiter_key(WORKABLE_TOKEN), near, max_wait=0.5).take()  # waits: no Postponed

    far = FixedDelay(2.0)
    before = timezone.now()
    with pytest.raises(Postponed) as postponed:
        RateBudget(limiter_key(WORKABLE_TOKEN), far, max_wait=0.5).take()
    # to the moment the slot is within the in-place wait: a task on time waits the rest there
    assert postponed.value.until >= before + datetime.timedelta(seconds=1.5)
    assert postponed.value.until <= timezone.now() + datetime.timedelta(seconds=1.5)
    # and the limiter was told not to take a slot further off than the wait
    assert near.max_waits == far.max_waits == [0.5]


def test_a_completed_result_publishes_one_task_for_all_it_owes(
    invited, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(send_delivery, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        owed = invited.complete()

    assert len(owed) == 4  # status, timeline note, two fields
    first, *rest = sorted(delivery.pk for delivery in owed)
    # in the fresh lane: a commit's doorbell goes ahead of work put back in line
    apply_async.assert_called_once_with(args=(first,), retry=False, queue=FRESH_QUEUE)
    doorbell = publishing.Doorbell(first, "workable", invited.integration.pk, covered=tuple(rest))
    assert publishing.publish([doorbell]) == 4


def test_a_commit_overtakes_its_integrations_doorbell_waiting_in_the_backlog_once(
    invited, statuses, django_capture_on_commit_callbacks
):
    # given the sweeper's doorbell for the integration, queued in the backlog lane
    integration = invited.integration.pk
    Delivery.objects.filter(pk__in=statuses).update(enqueued_at=None)  # as an outage leaves them
    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        requeue.sweep()
        # when the integration owes two fresh results, each committed on its own
        with django_capture_on_commit_callbacks(execute=True):
            [first] = invite_more(invited, 1)
        with django_capture_on_commit_callbacks(execute=True):
            invite_more(invited, 1)
        # and the sweeper runs again
        requeue.sweep()

    # then the first commit rings once more, in the fresh lane; nothing else is queued
    published = [(call.kwargs["args"], call.kwargs["queue"]) for call in apply_async.call_args_list]
    assert published == [((statuses[0],), BACKLOG_QUEUE), ((first,), FRESH_QUEUE)]
    assert Delivery.objects.filter(integration_id=integration, state=State.PENDING).count() == 6


def test_doorbells_group_what_is_due_now_by_integration():
    now = timezone.now()
    later = now + datetime.timedelta(seconds=3)
    rows = [(1, 10, "workable", now), (2, 10, "workable", now), (3, 11, "workable", now)]
    rows.append((4, 10, "workable", later))

    doorbells = publishing.doorbells_for(rows, now)

    assert doorbells == [
        publishing.Doorbell(1, "workable", 10, covered=(2,)),
        publishing.Doorbell(3, "workable", 11),
        publishing.Doorbell(4, "workable", 10, eta=later),
    ]


def test_doorbells_of_the_largest_backlogs_go_first():
    now = timezone.now()
    rows = [(1, 10, "workable", now), (2, 11, "workable", now), (3, 12, "workable", now)]
    rows += [(4, 11, "workable", now), (5, 12, "workable", now), (6, 12, "workable", now)]

    doorbells = publishing.doorbells_for(rows, now)

    assert [doorbell.integration_id for doorbell in doorbells] == [12, 11, 10]
    assert doorbells[0] == publishing.Doorbell(3, "workable", 12, covered=(5, 6))


def test_while_an_integrations_doorbell_is_queued_its_next_commits_publish_none(
    invited, django_capture_on_commit_callbacks
):
    # given another customer whose commits come in between
    other_integration, _ = configure(AccountFactory.create(), token="wk-other-token-1234567890")

    with (
        mock.patch.object(send_delivery, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ours = invite_more(invited, 3)
        [theirs] = invite_more(invited, 1, integration=other_integration)

    # then one task per integration is queued: the first's batch takes the others along
    published = [call.kwargs["args"] for call in apply_async.call_args_list]
    assert published == [(ours[0],), (theirs,)]


@responses.activate
def test_a_task_clears_the_doorbell_before_it_claims_so_the_next_commit_rings_again(
    invited, statuses, django_capture_on_commit_callbacks
):
    accept_callbacks()
    doorbell = publishing.Doorbell(statuses[0], "workable", invited.integration.pk)
    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        publishing.publish([doorbell])
        publishing.publish([doorbell])
        assert apply_async.call_count == 1

        # when its task runs, and then the integration owes something new
        assert run(Delivery.objects.get(pk=statuses[0])) == BatchOutcome.SUCCEEDED
        with django_capture_on_commit_callbacks(execute=True):
            [fresh] = invite_more(invited, 1)

    assert [call.kwargs["args"] for call in apply_async.call_args_list] == [
        (statuses[0],),
        (fresh,),
    ]


def test_a_failed_publish_clears_the_doorbell_and_due_later_ones_always_go_out(
    invited, statuses, monkeypatch
):
    monkeypatch.setattr(publishing._Broker, "down_until", 0.0)
    integration = invited.integration.pk
    doorbell = publishing.Doorbell(statuses[0], "workable", integration)
    with mock.patch.object(send_delivery, "apply_async", side_effect=ConnectionError("down")):
        assert publishing.publish([doorbell]) == 0
    monkeypatch.setattr(publishing._Broker, "down_until", 0.0)

    later = timezone.now() + datetime.timedelta(seconds=5)
    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        # the broker is back: the refused doorbell left no marker behind
        assert publishing.publish([doorbell]) == 1
        # and a retry due later goes out although the integration's doorbell is queued
        retry = publishing.Doorbell(statuses[1], "workable", integration, eta=later)
        assert publishing.publish([retry]) == 1

    assert apply_async.call_count == 2
    assert apply_async.call_args_list[1].kwargs["eta"] == later


def test_a_failed_publish_leaves_every_covered_delivery_to_the_sweeper(
    invited, statuses, monkeypatch
):
    monkeypatch.setattr(publishing._Broker, "down_until", 0.0)
    doorbell = publishing.Doorbell(
        statuses[0], "workable", invited.integration.pk, covered=tuple(statuses[1:])
    )

    with mock.patch.object(send_delivery, "apply_async", side_effect=ConnectionError("down")):
        assert publishing.publish([doorbell]) == 0

    unpublished = Delivery.objects.filter(pk__in=statuses, enqueued_at__isnull=True)
    assert unpublished.count() == 4


def test_a_worker_lost_mid_batch_gives_the_whole_batch_back_to_one_task(invited, statuses):
    claimed = sending.claim(statuses[0])
    assert len(claimed) == 4
    Delivery.objects.filter(pk__in=statuses).update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        counts = requeue.sweep()

    assert counts.reclaimed == 4
    assert counts.published == 4
    apply_async.assert_called_once()
    interrupted = Delivery.objects.filter(pk__in=statuses, attempts__outcome="interrupted")
    assert interrupted.count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_on_postgresql_take_disjoint_batches(invited, statuses):
    # (committing ran their tasks eagerly; make them all due and pending again)
    Delivery.objects.filter(pk__in=statuses).update(
        state=State.PENDING, next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    # given another worker holding the first delivery's row mid-claim
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(pk=statuses[0])
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=other_worker)
    worker.start()
    assert locked.wait(10)
    try:
        # when this worker claims the same delivery's integration
        claimed = [delivery.pk for delivery in sending.claim(statuses[0])]
    finally:
        release.set()
        worker.join()

    # then it skips the locked row instead of waiting for it, and takes the rest
    assert claimed == statuses[1:]
    assert reload(Delivery.objects.get(pk=statuses[0])).state == State.PENDING


def test_a_disabled_integration_holds_its_whole_batch(invited, statuses):
    Integration.objects.filter(pk=invited.integration.pk).update(is_enabled=False)

    assert run(Delivery.objects.get(pk=statuses[0])) == BatchOutcome.HELD

    assert set(Delivery.objects.filter(pk__in=statuses).values_list("state", flat=True)) == {
        State.HELD
    }


def test_a_note_is_recorded_before_the_next_send_and_idempotent_successes_together(invited):
    # given a completed result: its status, its note, then two field writes, in one batch
    invited.complete()
    [status] = invited.deliveries(kind=Delivery.Kind.STATUS, state=State.PENDING)
    seen: list[tuple[str, list[str]]] = []

    @contextlib.contextmanager
    def connect(integration: Integration, batch: list[Delivery]) -> Iterator[sending.Sender]:
        def send(delivery: Delivery) -> Exchange:
            recorded = Delivery.objects.filter(pk__in=[item.pk for item in batch])
            states = recorded.exclude(pk=delivery.pk).values_list("kind", "state").order_by("pk")
            seen.append((delivery.kind, [f"{kind}:{state}" for kind, state in states]))
            return Exchange(request="PUT …", http_status=200)

        yield send

    sending.process(status.pk, connect)

    # the note's success is in the database before anything after it is sent; the status's
    # success went with it; the field writes' are recorded when the batch ends
    assert [kind for kind, _ in seen] == ["status", "comment", "field", "field"]
    assert seen[1][1] == ["status:sending", "field:sending", "field:sending"]
    assert seen[2][1] == ["status:succeeded", "comment:succeeded", "field:sending"]
    owed = Delivery.objects.filter(candidate_assessment=invited.candidate_assessment)
    assert set(owed.exclude(kind="status", rank=0).values_list("state", flat=True)) == {
        State.SUCCEEDED
    }
    assert DeliveryAttempt.objects.filter(delivery__in=owed, outcome="succeeded").count() == 4


@pytest.mark.postgres
def test_the_one_statement_claim_takes_what_the_orm_claim_takes(invited, statuses):
    # given the batch's deliveries due in an order unlike their ids, one of them not yet
    now = timezone.now()
    for offset, pk in enumerate(reversed(statuses)):
        Delivery.objects.filter(pk=pk).update(
            next_attempt_at=now - datetime.timedelta(seconds=10 - offset)
        )
    Delivery.objects.filter(pk=statuses[3]).update(
        next_attempt_at=now + datetime.timedelta(minutes=5)
    )
    lease = now + datetime.timedelta(seconds=60)

    def claimed(batch: list[Delivery]) -> list[tuple[Any, ...]]:
        return [
            (d.pk, d.state, d.locked_until, d.integration.pk, d.integration.ats_credential.pk)
            for d in batch
        ]

    # when each way claims, from the same rows, what the other then gives back
    by_statement = sending.claim_in_one_statement(statuses[1], 25, now, lease)
    Delivery.objects.filter(pk__in=statuses).update(state=State.PENDING, locked_until=None)
    by_orm = sending.claim_in_orm(statuses[1], 25, now, lease)

    # then both take the same deliveries in the same order: the named one first, then by due
    # time, nothing not yet due; with one lease and the integration and its credential loaded
    assert claimed(by_statement) == claimed(by_orm)
    assert [d.pk for d in by_statement] == [statuses[1], statuses[2], statuses[0]]
    assert {d.state for d in by_statement} == {State.SENDING}
    assert {d.locked_until for d in by_statement} == {lease}
    # and a claim finds nothing more of what either holds
    assert sending.claim_in_one_statement(statuses[1], 25, now, lease) == []


@pytest.mark.postgres
def test_the_one_statement_record_writes_what_the_orm_record_writes(invited, statuses):
    # given two claimed deliveries sent with the same answer, each recorded one way
    first, second = sending.claim(statuses[0], size=2)
    now = timezone.now()
    started = now - datetime.timedelta(seconds=1)
    exchange = Exchange(request="PUT https://x/y", http_status=200, response_excerpt="{}")

    def attempt(delivery: Delivery) -> DeliveryAttempt:
        return recording.new_attempt(
            delivery,
            outcome="succeeded",
            started_at=started,
            duration_ms=12,
            exchange=exchange,
            task_id="t-1",
        )

    assert recording.record_in_orm([first], [attempt(first)], now) == 1
    assert recording.record_in_one_statement([second], [attempt(second)], now) == 1

    # then the rows agree on everything but their ids
    def recorded(delivery: Delivery) -> tuple[Any, ...]:
        row = Delivery.objects.values(
            "state", "attempt_count", "failures", "finished_at", "last_error", "locked_until"
        ).get(pk=delivery.pk)
        attempt_row = DeliveryAttempt.objects.values(
            "integration_id",
            "number",
            "started_at",
            "duration_ms",
            "outcome",
            "request",
            "http_status",
            "response_excerpt",
            "error",
            "task_id",
        ).get(delivery=delivery)
        return (row, attempt_row)

    assert recorded(first) == recorded(second)
    assert recorded(first)[0]["state"] == State.SUCCEEDED
    # and a lease that is no longer held records the attempt but settles nothing
    assert recording.record_in_one_statement([second], [attempt(second)], now) == 0
    assert DeliveryAttempt.objects.filter(delivery=second).count() == 2


# Leases, held rows, the integrations owing, their rows, marking them, the rows due soon and
# marking those.
SWEEP_QUERIES = 7


def owed_after_an_outage(setup: Any, integration: Integration, count: int, due: Any) -> None:
    """`count` due deliveries of `integration` whose task was never published (broker down)."""
    candidate = setup.candidate_assessment
    Delivery.objects.bulk_create(
        Delivery(
            integration=integration,
            candidate_assessment=candidate,
            kind=Delivery.Kind.COMMENT,
            label="Timeline note",
            next_attempt_at=due,
            enqueued_at=None,
        )
        for _ in range(count)
    )


def test_one_sweep_rings_for_every_owing_customer_whatever_their_backlogs(invited, settings):
    # given two customers owing more than a sweep's batch between them, released first, and a
    # third owing one delivery, released last
    settings.DELIVERY_REQUEUE_AFTER_SECONDS = 600
    Delivery.objects.update(state=State.SUCCEEDED)
    released = timezone.now() - datetime.timedelta(seconds=30)
    integrations = [
        invited.integration,
        *(
            configure(AccountFactory.create(), token=f"wk-outage-token-{number}-0123456789")[0]
            for number in range(2)
        ),
    ]
    for integration, count in zip(integrations[:2], (700, requeue.SWEEP_BATCH), strict=True):
        owed_after_an_outage(invited, integration, count, released)
    owed_after_an_outage(invited, integrations[2], 1, released + datetime.timedelta(seconds=20))

    # when the sweeper runs once
    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        counts = requeue.sweep()

    # then each customer's doorbell rings, once, the largest backlog first, covering all it owes
    rung = [
        Delivery.objects.get(pk=call.kwargs["args"][0]).integration_id
        for call in apply_async.call_args_list
    ]
    assert rung == [integrations[1].pk, integrations[0].pk, integrations[2].pk]
    assert counts.published == 700 + requeue.SWEEP_BATCH + 1
    assert not Delivery.objects.filter(state=State.PENDING, enqueued_at__isnull=True).exists()


def test_a_sweep_costs_the_same_queries_for_a_few_owed_deliveries_as_for_thousands(invited):
    Delivery.objects.update(state=State.SUCCEEDED)
    other, _ = configure(AccountFactory.create(), token="wk-outage-token-9-0123456789")
    released = timezone.now() - datetime.timedelta(seconds=5)

    def sweep_of(count: int) -> int:
        Delivery.objects.all().delete()
        owed_after_an_outage(invited, invited.integration, count, released)
        owed_after_an_outage(invited, other, count, released)
        # Due inside the sweep's look-ahead however long the set-up took: a moment fixed before
        # a slow set-up became due now, and that sweep skipped its ahead-of-time update.
        soon = timezone.now() + datetime.timedelta(seconds=settings.DELIVERY_SWEEP_SECONDS)
        owed_after_an_outage(invited, other, 1, soon)
        cache.clear()
        with (
            mock.patch.object(send_delivery, "apply_async"),
            CaptureQueriesContext(connection) as queries,
        ):
            assert requeue.sweep().published == 2 * count + 1
        return len(queries)

    assert sweep_of(3) == sweep_of(2000) <= SWEEP_QUERIES
