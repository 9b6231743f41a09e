"""Re-invitation and withdrawal end to end with Greenhouse: the stand-in Greenhouse over HTTP on
127.0.0.1, the platform under gunicorn, real `celery worker` processes and the scheduler (the
infrastructure of `test_greenhouse`).

The customer maps a status field (`application:harver_status`), Greenhouse's only way to hear a
status (the contract's §3.3): `Invited` for pending, `Expired`, `Withdrawn` for rejected. A
signed stage change invites; the invitation expires; an admin re-invites (a fresh link by email,
the old link a clear 410, the field back to `Invited`); then Greenhouse voids it, by a rejection
or by a move out of the Harver stage, which the worker confirms with Harvest before it withdraws.
Every request the stand-in received for the application is asserted, in order: each status
once, each check the contract asks for, nothing else.
"""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from assessments import candidate_actions, lifecycle
from assessments.models import CandidateAssessment, Reminder
from integrations import services
from integrations.models import Delivery
from tests.e2e.test_greenhouse import (  # noqa: F401 (fixtures)
    STAGE,
    Greenhouse,
    Run,
    infra,
    run,
)
from tests.processes import wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
Status = CandidateAssessment.Status
STATUS_KEY = "harver_status"
# Django's file email backend ends every message with this line.
MESSAGE_END = "-" * 79
LINK = re.compile(r"https?://\S+?(/assessment/[\w-]+/)")
REMINDER_HOURS = 24


def with_status_field(run: Run) -> Greenhouse:  # noqa: F811
    """A customer whose Harver status field is an application-level short text field."""
    if not any(item["name_key"] == STATUS_KEY for item in run.harvest.custom_fields.values()):
        run.harvest.add_custom_field(STATUS_KEY, field_type="application", value_type="short_text")
    greenhouse = run.greenhouse()
    services.set_ats_credentials(greenhouse.integration, status_field=f"application:{STATUS_KEY}")
    return greenhouse


def mails_to(var_dir: Path, email: str) -> list[str]:
    """The messages the workers emailed to `email`, oldest first."""
    mail_dir = var_dir / "mail"
    if not mail_dir.is_dir():
        return []
    messages = []
    for path in sorted(mail_dir.iterdir(), key=lambda path: path.stat().st_mtime_ns):
        for message in path.read_text(errors="replace").split(f"\n{MESSAGE_END}\n"):
            if f"\nTo: {email}\n" in f"\n{message}":
                messages.append(message)
    return messages


def emailed_links(var_dir: Path, email: str) -> list[str]:
    return [found.group(1) for mail in mails_to(var_dir, email) if (found := LINK.search(mail))]


def status_words(run: Run, application: Any) -> list[str]:  # noqa: F811
    """What the status field was set to, as the application's timeline in Greenhouse shows it."""
    return [
        entry["text"]
        for entry in run.harvest.timeline(application["candidate_id"])
        if entry["kind"] == "field" and entry["application_id"] == application["id"]
    ]


def harvest_calls(run: Run, greenhouse: Greenhouse, *, since: int = 0) -> list[tuple[Any, ...]]:  # noqa: F811
    """The customer's requests to the stand-in from its `since`-th on: (method, path, what it
    asked or wrote, the answer's status)."""
    calls = []
    for arrival in run.harvest.requests(client_id=greenhouse.client_id)[since:]:
        asked = (
            {key: values[0] for key, values in arrival.query.items()}
            if arrival.method == "GET"
            else arrival.body
        )
        calls.append((arrival.method, arrival.path, asked, arrival.status))
    return calls


def about(application: Any, calls: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The calls that name the application (a read of it or its stage, a write to it)."""
    number = str(application["id"])
    return [
        call
        for call in calls
        if call[1] == f"/v3/applications/{number}"
        or (call[0] == "GET" and number in (call[2].get("ids"), call[2].get("application_ids")))
    ]


FIELD_DEFINITIONS = (
    "GET",
    "/v3/custom_fields",
    {"field_type": "application", "active": "true", "per_page": "500"},
    200,
)


def invitation_checks(application: Any) -> list[tuple[Any, ...]]:
    """What the worker asks Harvest before it invites: still active, still in that stage."""
    number = str(application["id"])
    return [
        ("GET", "/v3/applications", {"ids": number}, 200),
        ("GET", "/v3/application_stages", {"application_ids": number, "current": "true"}, 200),
    ]


def status_write(application: Any, word: str) -> tuple[Any, ...]:
    return (
        "PATCH",
        f"/v3/applications/{application['id']}",
        {"custom_fields": [{"name_key": STATUS_KEY, "value": word}]},
        200,
    )


def settled(run: Run, greenhouse: Greenhouse, application: Any, want: list[str]) -> bool:  # noqa: F811
    """The status field went through `want`, and nothing is left to send."""
    return (
        status_words(run, application) == want
        and not Delivery.objects.filter(
            integration=greenhouse.integration,
            state__in=[Delivery.State.PENDING, Delivery.State.SENDING],
        ).exists()
    )


def test_reinvite_then_a_rejection_withdraws_with_a_real_worker_and_greenhouse(run: Run) -> None:  # noqa: F811
    # given a signed stage change invited the candidate, Greenhouse shows `Invited`, then the
    # invitation expired and Greenhouse shows `Expired`
    greenhouse = with_status_field(run)
    enabled = len(run.harvest.requests(client_id=greenhouse.client_id))
    application, candidate = run.invited(greenhouse)
    email, var_dir = candidate.email, run.infra.var_dir
    assert wait_until(lambda: len(emailed_links(var_dir, email)) == 1, timeout=30)
    assert wait_until(lambda: settled(run, greenhouse, application, ["Invited"]), timeout=30)
    lifecycle.record_status(candidate.pk, Status.EXPIRED, source="expiry")
    assert wait_until(
        lambda: settled(run, greenhouse, application, ["Invited", "Expired"]), timeout=30
    )
    (old_link,) = emailed_links(var_dir, email)
    client = Client()
    assert client.get(old_link).status_code == 410

    # when an admin re-invites the candidate
    candidate.refresh_from_db()
    assert candidate_actions.reinvite([candidate]).done == [candidate]

    # then a worker emails a fresh link, Greenhouse shows `Invited` again, the new link opens
    # the assessment and the old one says it was replaced
    assert wait_until(lambda: len(emailed_links(var_dir, email)) == 2, timeout=30)
    assert wait_until(
        lambda: settled(run, greenhouse, application, ["Invited", "Expired", "Invited"]), timeout=30
    )
    new_link = emailed_links(var_dir, email)[-1]
    assert new_link != old_link
    assert client.get(new_link).status_code == 200
    replaced = client.get(old_link)
    assert replaced.status_code == 410
    assert "This link has been replaced" in replaced.content.decode()

    # when the recruiter rejects the application and Greenhouse sends the stage change
    run.harvest.update("applications", application["id"], status="rejected")
    sent = greenhouse.sender.send(run.harvest.stage_change_payload(application["id"]))
    assert sent.status == 200, sent.answer

    # then the worker confirms it with Harvest and withdraws: `Withdrawn` last, both links 410
    want = ["Invited", "Expired", "Invited", "Withdrawn"]
    assert wait_until(lambda: settled(run, greenhouse, application, want), timeout=30)
    time.sleep(1.5)  # a sweep or two: anything sent twice or late would arrive now
    assert status_words(run, application) == want
    candidate.refresh_from_db()
    assert candidate.status == Status.REJECTED
    withdrawn = client.get(new_link)
    assert withdrawn.status_code == 410
    assert "This invitation has been withdrawn" in withdrawn.content.decode()
    assert client.get(old_link).status_code == 410
    assert len(mails_to(var_dir, email)) == 2
    number = str(application["id"])
    # the token minted when the integration was enabled serves every call; each status is one
    # batch, which reads the field definitions first (a field's type decides the value sent)
    assert harvest_calls(run, greenhouse, since=enabled) == [
        *invitation_checks(application),
        FIELD_DEFINITIONS,
        status_write(application, "Invited"),
        FIELD_DEFINITIONS,
        status_write(application, "Expired"),
        FIELD_DEFINITIONS,
        status_write(application, "Invited"),
        # rejected: no need to ask for the stage
        ("GET", "/v3/applications", {"ids": number}, 200),
        FIELD_DEFINITIONS,
        status_write(application, "Withdrawn"),
    ]


def test_a_move_out_of_the_harver_stage_withdraws_and_no_reminder_goes(run: Run) -> None:  # noqa: F811
    # given two candidates invited from the Harver stage of one job, reminded a day before
    # their deadline
    greenhouse = with_status_field(run)
    greenhouse.assessment.reminder_hours_before = [REMINDER_HOURS]
    greenhouse.assessment.save(update_fields=["reminder_hours_before"])
    leaving, leaving_candidate = run.invited(greenhouse)
    staying, staying_candidate = run.invited(greenhouse)
    var_dir = run.infra.var_dir
    assert wait_until(lambda: len(mails_to(var_dir, leaving_candidate.email)) == 1, timeout=30)
    assert wait_until(lambda: len(mails_to(var_dir, staying_candidate.email)) == 1, timeout=30)
    assert wait_until(lambda: settled(run, greenhouse, leaving, ["Invited"]), timeout=30)
    assert wait_until(lambda: settled(run, greenhouse, staying, ["Invited"]), timeout=30)
    (link,) = emailed_links(var_dir, leaving_candidate.email)

    # when one application moves on to the offer stage and Greenhouse sends the stage change
    sent = run.enter_stage(greenhouse, leaving, "Offer")
    assert sent.status == 200, sent.answer

    # then the worker confirms the move with Harvest and withdraws that invitation only
    assert wait_until(
        lambda: settled(run, greenhouse, leaving, ["Invited", "Withdrawn"]), timeout=30
    )
    leaving_candidate.refresh_from_db()
    assert leaving_candidate.status == Status.REJECTED
    withdrawn = Client().get(link)
    assert withdrawn.status_code == 410
    assert "This invitation has been withdrawn" in withdrawn.content.decode()

    # when both invitations' reminders come due (sent two days ago, a deadline an hour away)
    now = timezone.now()
    CandidateAssessment.objects.filter(pk__in=[leaving_candidate.pk, staying_candidate.pk]).update(
        invitation_sent_at=now - datetime.timedelta(days=2),
        expires_at=now + datetime.timedelta(hours=1),
    )

    # then the scheduler reminds the live one once, and the withdrawn one never
    assert wait_until(lambda: len(mails_to(var_dir, staying_candidate.email)) == 2, timeout=30)
    time.sleep(2.5)  # two more reminder sweeps
    assert len(mails_to(var_dir, staying_candidate.email)) == 2
    assert len(mails_to(var_dir, leaving_candidate.email)) == 1
    assert list(Reminder.objects.values_list("candidate_assessment_id", "rule")) == [
        (staying_candidate.pk, f"{REMINDER_HOURS}h-before")
    ]
    assert status_words(run, staying) == ["Invited"]
    number = str(leaving["id"])
    assert about(leaving, harvest_calls(run, greenhouse)) == [
        *invitation_checks(leaving),
        status_write(leaving, "Invited"),
        # still active: is it really in the stage the web hook names?
        ("GET", "/v3/applications", {"ids": number}, 200),
        ("GET", "/v3/application_stages", {"application_ids": number, "current": "true"}, 200),
        status_write(leaving, "Withdrawn"),
    ]
