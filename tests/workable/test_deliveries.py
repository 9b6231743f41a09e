"""Deliveries to Workable: written with the status change, sent once, retried, ordered, held.

Workable is faked with `responses`, matching URL, headers and JSON body.
"""

from __future__ import annotations

import datetime
import json
from unittest import mock

import pytest
import requests
import responses
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from responses import matchers

from assessments import lifecycle
from harver_integration.broker_options import BACKLOG_QUEUE
from integrations import inbound, services
from integrations.http import USER_AGENT
from integrations.models import AtsCredential, Delivery, DeliveryAttempt, Integration
from integrations.outbox import publishing, requeue, sending
from integrations.outbox.outcomes import BatchOutcome
from tests.workable.delivery_support import (
    CALLBACK_URL,
    CANDIDATE_ID,
    MEMBER_ID,
    RESULT,
    SPI,
    WORKABLE_TOKEN,
    invited_fixture,  # noqa: F401
    make_due,
    reload,
    run,
)
from workable import deliveries
from workable.invitations import invitation_refs
from workable.tasks import send_delivery

State = Delivery.State
Kind = Delivery.Kind
AUTH = {"Authorization": f"Bearer {WORKABLE_TOKEN}", "User-Agent": USER_AGENT}


def callback(
    status: int = 200, body: dict[str, str] | None = None, **headers: str
) -> responses.BaseResponse:
    matches = [matchers.header_matcher(AUTH)]
    if body is not None:
        matches.append(matchers.json_params_matcher(body))
    return responses.put(CALLBACK_URL, status=status, json={}, headers=headers, match=matches)


JANE = {"id": CANDIDATE_ID, "email": "jane.doe@example.com", "job": {"shortcode": "A1B2C3"}}


def candidate_lookup() -> responses.BaseResponse:
    return responses.get(
        f"{SPI}/candidates",
        json={"candidates": [JANE]},
        match=[
            matchers.header_matcher(AUTH),
            matchers.query_param_matcher({"email": "jane.doe@example.com", "shortcode": "A1B2C3"}),
        ],
    )


# --- What a status change writes ----------------------------------------------------------------


def test_it_writes_a_pending_status_with_the_invitation(invited):
    # given an invitation (the fixture) then when nothing else happened
    [pending] = invited.deliveries()

    # then the pending status is owed to the callback URL, with the contract's body
    assert (pending.kind, pending.state, pending.url) == (Kind.STATUS, State.PENDING, CALLBACK_URL)
    assert pending.payload == {"status": "pending"}
    assert pending.rank == 0


def test_it_writes_the_exact_completed_body_the_note_and_one_write_per_mapping(invited):
    # when the candidate completes
    invited.complete()

    # then the completed callback body is the contract's, built from the result
    status, comment, *fields = invited.deliveries(
        rank__isnull=False, rank__gt=0
    ) + invited.deliveries(kind__in=[Kind.COMMENT, Kind.FIELD])
    body = status.payload
    assert body["status"] == "completed"
    assert body["assessment"] == {
        "score": "82",
        "grade": "excelled",
        "summary": "Great fit. Strongest: Conscientiousness (88).",
        "details": {"Conscientiousness": 88, "Agreeableness": 79},
        "duration": "00:41:17",
    }
    assert body["results_url"].startswith("https://integrations.harver.test/r/")
    assert body["attachments"] == [
        {"description": "PDF report", "url": body["attachments"][0]["url"]}
    ]
    assert body["attachments"][0]["url"].endswith("/pdf")
    # and the timeline note carries the recommendation and both links
    note = comment.payload["comment"]
    assert "Great fit, matching score 82/100" in note["body"]
    assert body["results_url"] in note["body"]
    assert body["attachments"][0]["url"] in note["body"]
    assert note["policy"] == ["recruiter", "hiring_manager", "recruiting_admin", "admin"]
    # and each enabled field mapping gets its own write
    assert sorted(field.payload["custom_attribute_key"] for field in fields) == [
        "harver_c",
        "harver_score",
    ]
    assert {field.payload["value"] for field in fields} == {"82", "88"}
    # and no body holds the token
    assert WORKABLE_TOKEN not in json.dumps([d.payload for d in invited.deliveries()])


def test_it_writes_nothing_for_started(invited):
    lifecycle.record_status(invited.candidate_assessment.pk, "started", source="candidate")

    assert len(invited.deliveries()) == 1


def test_it_writes_the_deliveries_in_the_status_change_transaction(invited):
    # given a status change that fails after its listeners ran
    def complete_then_fail() -> None:
        with transaction.atomic():
            lifecycle.record_status(
                invited.candidate_assessment.pk, "completed", source="engine", result=RESULT
            )
            raise RuntimeError

    with pytest.raises(RuntimeError):
        complete_then_fail()

    # then nothing is owed
    assert len(invited.deliveries()) == 1


def test_it_publishes_only_after_commit(invited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        invited.complete()

    assert len(callbacks) == 1


# --- Sending ------------------------------------------------------------------------------------


@responses.activate
def test_it_sends_the_status_put_with_the_token_and_records_the_attempt(invited):
    [pending] = invited.deliveries()
    callback(body={"status": "pending"})

    assert run(pending) == BatchOutcome.SUCCEEDED

    pending = reload(pending)
    assert pending.state == State.SUCCEEDED
    [attempt] = pending.attempts.all()
    assert (attempt.number, attempt.outcome, attempt.http_status) == (1, "succeeded", 200)
    assert attempt.request == f"PUT {CALLBACK_URL}"
    assert attempt.task_id == "task-1"
    assert attempt.duration_ms is not None


@responses.activate
def test_it_posts_the_note_as_the_chosen_author_after_finding_the_candidate(invited):
    invited.complete()
    [comment] = invited.deliveries(kind=Kind.COMMENT)
    lookup = candidate_lookup()
    post = responses.post(
        f"{SPI}/candidates/{CANDIDATE_ID}/comments",
        json={"id": "note1"},
        match=[
            matchers.header_matcher(AUTH),
            matchers.json_params_matcher(
                {"member_id": MEMBER_ID, "comment": comment.payload["comment"]}
            ),
        ],
    )

    assert run(comment) == BatchOutcome.SUCCEEDED

    assert (lookup.call_count, post.call_count) == (1, 1)
    # and the candidate's id is kept for the field writes, which need no second lookup
    assert {d.remote_ref for d in invited.deliveries(kind=Kind.FIELD)} == {CANDIDATE_ID}
    # and the first write proves the w_candidates scope
    credential = AtsCredential.objects.get(integration=invited.integration)
    assert credential.verification["scopes"]["w_candidates"] == "verified"


@responses.activate
def test_it_writes_each_mapped_field_in_one_batch_with_one_candidate_lookup(invited):
    invited.complete()
    lookup = candidate_lookup()
    writes = [
        responses.patch(
            f"{SPI}/candidates/{CANDIDATE_ID}/update_custom_attribute_value",
            json={},
            match=[matchers.json_params_matcher({"custom_attribute_key": key, "value": value})],
        )
        for key, value in (("harver_score", "82"), ("harver_c", "88"))
    ]

    first, second = invited.deliveries(kind=Kind.FIELD)

    # one task run takes every due delivery of the integration, the named one first
    assert run(first) == BatchOutcome.SUCCEEDED

    assert reload(second).state == State.SUCCEEDED
    assert [write.call_count for write in writes] == [1, 1]
    assert lookup.call_count == 1
    assert run(second) == BatchOutcome.NOT_CLAIMED


@responses.activate
def test_a_task_delivered_twice_after_success_sends_nothing(invited):
    # given a note delivered once
    invited.complete()
    [comment] = invited.deliveries(kind=Kind.COMMENT)
    candidate_lookup()
    post = responses.post(f"{SPI}/candidates/{CANDIDATE_ID}/comments", json={"id": "n"})
    assert run(comment) == BatchOutcome.SUCCEEDED

    # when its task message is delivered again
    send_delivery.apply(args=(comment.pk,))
    send_delivery.apply(args=(comment.pk,))

    # then Workable received exactly one note
    assert post.call_count == 1
    assert reload(comment).attempt_count == 1


@responses.activate
def test_it_retries_5xx_on_the_schedule_then_succeeds(invited, settings):
    settings.DELIVERY_RETRY_SCHEDULE = [30.0, 120.0, 600.0, 1800.0]
    settings.DELIVERY_RETRY_JITTER = 0.2
    [pending] = invited.deliveries()
    for status in (500, 502, 503, 200):
        callback(status=status)

    outcomes = []
    delays = []
    for _ in range(4):
        before = timezone.now()
        outcomes.append(run(pending))
        pending = reload(pending)
        delays.append((pending.next_attempt_at - before).total_seconds())

    assert outcomes == [BatchOutcome.FAILED_ATTEMPT] * 3 + [BatchOutcome.SUCCEEDED]
    assert pending.state == State.SUCCEEDED
    attempts = list(pending.attempts.values_list("number", "outcome", "http_status"))
    assert attempts == [
        (1, "transient", 500),
        (2, "transient", 502),
        (3, "transient", 503),
        (4, "succeeded", 200),
    ]
    for delay, step in zip(delays[:3], (30.0, 120.0, 600.0), strict=True):
        assert step * 0.8 - 1 <= delay <= step + 1


@responses.activate
def test_it_fails_after_the_whole_schedule(invited, settings):
    settings.DELIVERY_RETRY_SCHEDULE = [1.0, 2.0]
    [pending] = invited.deliveries()
    responses.put(CALLBACK_URL, status=500, json={"error": "boom"})

    outcomes = [run(pending) for _ in range(3)]
    pending = reload(pending)

    assert pending.state == State.FAILED
    assert pending.attempt_count == 3 == len(settings.DELIVERY_RETRY_SCHEDULE) + 1
    assert "HTTP 500" in pending.last_error
    # and nothing more is sent
    assert run(pending) == BatchOutcome.NOT_CLAIMED
    assert len(responses.calls) == 3
    assert outcomes == [BatchOutcome.FAILED_ATTEMPT] * 3


@responses.activate
def test_it_stops_at_once_on_a_permanent_error(invited):
    [pending] = invited.deliveries()
    callback(status=422, body=None).json = {"error": "Invalid status"}

    assert run(pending) == BatchOutcome.FAILED_ATTEMPT

    pending = reload(pending)
    assert pending.state == State.FAILED
    assert pending.attempt_count == 1
    assert pending.attempts.get().outcome == "permanent"


@responses.activate
@pytest.mark.parametrize(("status", "state"), [(401, State.PENDING), (403, State.FAILED)])
def test_a_rejected_token_flags_the_integration(invited, status, state):
    # a 401 makes the delivery wait (tests/test_pausing.py); a 403 (a scope) fails it
    [pending] = invited.deliveries()
    responses.put(CALLBACK_URL, status=status, json={"error": "Not authorized"})

    run(pending)

    assert reload(pending).state == state
    integration = Integration.objects.get(pk=invited.integration.pk)
    assert integration.last_error.startswith("Workable rejected the credentials")
    assert integration.last_error_at is not None
    assert WORKABLE_TOKEN not in integration.last_error


@responses.activate
def test_a_later_success_clears_the_credentials_flag(invited):
    Integration.objects.filter(pk=invited.integration.pk).update(last_error="Workable rejected…")
    [pending] = invited.deliveries()
    callback()

    run(pending)

    assert Integration.objects.get(pk=invited.integration.pk).last_error == ""


@responses.activate
def test_a_timeout_is_recorded_as_such_and_retried(invited):
    [pending] = invited.deliveries()
    responses.put(CALLBACK_URL, body=requests.ReadTimeout("slow"))

    run(pending)

    pending = reload(pending)
    assert pending.state == State.PENDING
    assert pending.attempts.get().outcome == "timeout"


@responses.activate
def test_429_honours_retry_after_for_the_delivery_and_the_token(invited):
    # given Workable asking us to come back in 40 s
    [pending] = invited.deliveries()
    responses.put(CALLBACK_URL, status=429, json={}, headers={"Retry-After": "40"})

    before = timezone.now()
    run(pending)

    # then the delivery waits at least that long
    pending = reload(pending)
    assert pending.next_attempt_at >= before + datetime.timedelta(seconds=40)
    assert pending.attempts.get().http_status == 429
    # and every other request with that token waits too, without being sent or counted
    invited.complete()
    [completed] = invited.deliveries(kind=Kind.STATUS, rank=2)
    assert run(completed) == BatchOutcome.POSTPONED
    completed = reload(completed)
    assert completed.next_attempt_at >= before + datetime.timedelta(seconds=39)
    assert completed.attempt_count == 0
    assert len(responses.calls) == 1


@responses.activate
def test_the_rate_limit_postpones_instead_of_sending(invited, settings):
    # given a limit of 2 requests per window
    settings.WORKABLE_RATE_LIMIT_REQUESTS = 2
    callback()
    candidate_lookup()
    responses.post(f"{SPI}/candidates/{CANDIDATE_ID}/comments", json={"id": "n"})

    # when three requests are due within the window
    results = [run(invited.deliveries()[0])]
    invited.complete()
    results.append(run(invited.deliveries(kind=Kind.STATUS, rank=2)[0]))
    results.append(run(invited.deliveries(kind=Kind.COMMENT)[0]))

    # then the third waits in the database for the window to have room; nothing was sent
    # beyond the limit, and it holds no slot it might be late for
    assert results == [BatchOutcome.SUCCEEDED, BatchOutcome.SUCCEEDED, BatchOutcome.POSTPONED]
    assert len(responses.calls) == 2
    comment = invited.deliveries(kind=Kind.COMMENT)[0]
    assert comment.next_attempt_at > timezone.now() + datetime.timedelta(seconds=5)
    assert comment.attempt_count == 0


# --- Order ----------------------------------------------------------------------------------


@responses.activate
def test_a_stale_pending_after_completed_is_dropped_not_sent(invited):
    # given the completed result already delivered
    invited.complete()
    [pending, completed] = invited.deliveries(kind=Kind.STATUS)
    callback(body=completed.payload)
    assert run(completed) == BatchOutcome.SUCCEEDED

    # when a late pending comes round after all (a retry or a replay put it back in the queue)
    Delivery.objects.filter(pk=pending.pk).update(state=State.PENDING)
    assert run(pending) == BatchOutcome.DROPPED

    # then it never reached Workable
    pending = reload(pending)
    assert pending.state == State.DROPPED
    assert "newer status" in pending.last_error
    assert [call.request.method for call in responses.calls].count("PUT") == 1


def test_a_pending_not_yet_sent_is_dropped_as_soon_as_completed_is_recorded(invited):
    invited.complete()

    [pending, completed] = invited.deliveries(kind=Kind.STATUS)

    assert (pending.state, completed.state) == (State.DROPPED, State.PENDING)
    assert "newer status (Status completed)" in pending.last_error
    assert run(pending) == BatchOutcome.NOT_CLAIMED


def test_a_newer_status_waits_while_an_older_one_is_being_sent(invited):
    invited.complete()
    [pending, completed] = invited.deliveries(kind=Kind.STATUS)
    Delivery.objects.filter(pk=pending.pk).update(
        state=State.SENDING, locked_until=timezone.now() + datetime.timedelta(seconds=60)
    )

    assert run(completed) == BatchOutcome.WAITING_FOR_OLDER_STATUS
    assert reload(completed).state == State.PENDING


# --- Holding, replaying, sweeping ---------------------------------------------------------------


@responses.activate
def test_disabling_holds_and_enabling_releases(invited, django_capture_on_commit_callbacks):
    [pending] = invited.deliveries()
    services.disable_integration(invited.integration)
    assert reload(pending).state == State.HELD
    # a change while disabled is held too (and the pending it supersedes is dropped)
    invited.complete()
    assert {d.state for d in invited.deliveries()} == {State.HELD, State.DROPPED}
    assert reload(pending).state == State.DROPPED

    callback()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.enable_integration(invited.integration).enabled

    assert {d.state for d in invited.deliveries()} == {State.PENDING, State.DROPPED}
    assert len(callbacks) == 1
    [_, completed] = invited.deliveries(kind=Kind.STATUS)
    assert run(completed) == BatchOutcome.SUCCEEDED


def test_a_delivery_claimed_after_disabling_is_held(invited):
    [pending] = invited.deliveries()
    Integration.objects.filter(pk=invited.integration.pk).update(is_enabled=False)

    assert run(pending) == BatchOutcome.HELD
    assert reload(pending).state == State.HELD


@responses.activate
def test_replaying_a_failed_delivery_sends_exactly_one_new_attempt(invited):
    # given a delivery that failed for good
    [pending] = invited.deliveries()
    responses.put(CALLBACK_URL, status=404, json={})
    run(pending)
    assert reload(pending).state == State.FAILED

    # when an admin replays it and Workable now answers 200
    responses.replace(responses.PUT, CALLBACK_URL, status=200, json={})
    assert requeue.replay(reload(pending))
    run(pending)

    # then exactly one new attempt was made and it succeeded
    pending = reload(pending)
    assert pending.state == State.SUCCEEDED
    assert list(pending.attempts.values_list("outcome", flat=True)) == ["permanent", "succeeded"]
    assert len(responses.calls) == 2


def test_replaying_failed_since_counts_only_failed_ones_after_the_date(invited):
    invited.complete()
    everything = invited.deliveries()
    now = timezone.now()
    old, recent, other = everything[0], everything[1], everything[2]
    Delivery.objects.filter(pk=old.pk).update(
        state=State.FAILED, finished_at=now - datetime.timedelta(days=3)
    )
    Delivery.objects.filter(pk=recent.pk).update(state=State.FAILED, finished_at=now)
    Delivery.objects.filter(pk=other.pk).update(state=State.SUCCEEDED, finished_at=now)
    since = now - datetime.timedelta(days=1)

    assert requeue.failed_since(invited.integration, since).count() == 1
    assert requeue.replay_failed_since(invited.integration, since) == 1
    assert reload(recent).state == State.PENDING
    assert reload(old).state == State.FAILED


@responses.activate
def test_the_sweeper_retakes_a_delivery_whose_worker_died(invited):
    # given a worker that claimed the delivery and died mid-send
    [pending] = invited.deliveries()
    make_due(pending)
    assert [claimed.pk for claimed in sending.claim(pending.pk)] == [pending.pk]
    Delivery.objects.filter(pk=pending.pk).update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    # when the sweeper runs (its publishing is not run inline here)
    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        counts = requeue.sweep()

    # then the lost attempt is recorded and the delivery is due again, and then sent
    assert counts.reclaimed == 1
    apply_async.assert_called_once_with(args=(pending.pk,), retry=False, queue=BACKLOG_QUEUE)
    pending = reload(pending)
    assert pending.state == State.PENDING
    assert pending.attempts.get().outcome == "interrupted"
    callback()
    assert run(pending) == BatchOutcome.SUCCEEDED
    assert pending.attempts.count() == 2


def test_the_sweeper_publishes_due_deliveries_whose_task_was_lost(invited, settings):
    settings.DELIVERY_REQUEUE_AFTER_SECONDS = 60
    [pending] = invited.deliveries()
    # a publish that never happened, and one that was lost long ago
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    Delivery.objects.filter(pk=pending.pk).update(enqueued_at=None)

    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        first = requeue.sweep()
        Delivery.objects.filter(pk=pending.pk).update(
            enqueued_at=long_ago, next_attempt_at=long_ago
        )
        cache.clear()  # lost long ago: the marker of its queued doorbell has expired too
        second = requeue.sweep()
        third = requeue.sweep()

    assert (first.published, second.published, third.published) == (1, 1, 0)
    assert [c.kwargs["args"] for c in apply_async.call_args_list] == [(pending.pk,)] * 2


def test_a_broker_that_is_down_leaves_the_delivery_to_the_sweeper(invited, monkeypatch):
    monkeypatch.setattr(publishing._Broker, "down_until", 0.0)
    [pending] = invited.deliveries()
    with mock.patch.object(send_delivery, "apply_async", side_effect=ConnectionError("down")):
        published = publishing.publish(
            [publishing.Doorbell(pending.pk, "workable", invited.integration.pk)]
        )

    assert published == 0
    assert reload(pending).enqueued_at is None
    # and for a moment this process does not even try, so requests do not wait on the broker
    with mock.patch.object(send_delivery, "apply_async") as apply_async:
        assert (
            publishing.publish(
                [publishing.Doorbell(pending.pk, "workable", invited.integration.pk)]
            )
            == 0
        )
    apply_async.assert_not_called()


# --- Repeated invitations ---------------------------------------------------------------------


def test_a_repeat_of_a_completed_invitation_resends_the_result_to_the_new_callback(invited):
    invited.complete()
    new_url = "https://acme.workable.com/spi/v3/assessments/xyz789/results"

    inbound.invite(
        invited.integration,
        inbound.InvitationRequest(
            assessment=invited.assessment,
            email="jane.doe@example.com",
            refs=invitation_refs(callback_url=new_url, job_shortcode="A1B2C3"),
        ),
    )

    statuses = invited.deliveries(kind=Kind.STATUS)
    assert [d.url for d in statuses] == [CALLBACK_URL, CALLBACK_URL, new_url]
    assert statuses[-1].payload["status"] == "completed"
    assert statuses[-1].payload["assessment"] == statuses[1].payload["assessment"]


# --- Secrets ------------------------------------------------------------------------------------


@responses.activate
def test_no_token_in_attempts_errors_or_logs(invited, caplog):
    caplog.set_level("DEBUG")
    [pending] = invited.deliveries()
    responses.put(CALLBACK_URL, status=401, json={"error": f"token {WORKABLE_TOKEN} is revoked"})

    run(pending)

    attempt = DeliveryAttempt.objects.get()
    stored = " ".join(
        [attempt.response_excerpt, attempt.error, reload(pending).last_error, caplog.text]
    )
    assert "[redacted]" in attempt.response_excerpt
    assert WORKABLE_TOKEN not in stored
    assert WORKABLE_TOKEN not in Integration.objects.get(pk=invited.integration.pk).last_error


@responses.activate
def test_a_callback_url_off_the_allow_list_is_never_called(invited, settings):
    [pending] = invited.deliveries()
    Delivery.objects.filter(pk=pending.pk).update(url="https://evil.example/steal")

    run(pending)

    pending = reload(pending)
    assert pending.state == State.FAILED
    assert "not allowed" in pending.last_error
    assert len(responses.calls) == 0


def test_the_sender_reads_the_token_only_when_sending(invited):
    # the fixture's deliveries hold no credential; the sender finds it on the integration
    assert deliveries._credential(reload(invited.deliveries()[0]).integration)[1] == WORKABLE_TOKEN


def test_a_postponed_delivery_run_early_is_not_claimed(invited, settings):
    # given a delivery postponed by the rate limit
    settings.WORKABLE_RATE_LIMIT_REQUESTS = 0
    [pending] = invited.deliveries()
    assert run(pending) == BatchOutcome.POSTPONED
    due = reload(pending).next_attempt_at

    # when a duplicate of its task runs before then, nothing is claimed or sent
    assert sending.process(pending.pk, deliveries.connect) == BatchOutcome.NOT_CLAIMED
    assert reload(pending).next_attempt_at == due
