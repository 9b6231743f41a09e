"""The bulk actions on many invitations through two ATSs: the same queries for 500 as for 5, and
the same result as changing each invitation by itself (statuses, deliveries, history, emails).

PostgreSQL only: SQLite splits a bulk insert or update into batches of 999 parameters, so its
count grows with the rows although the statements do not.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.fixtures import Settings

from accounts.models import Account
from assessments import candidate_actions, invitations, lifecycle
from assessments.models import CandidateAssessment, CandidateLink
from integrations.models import AtsInvitation, Delivery
from integrations.outbox import publishing
from tests import bulk_invitations
from tests.bulk_invitations import SETS, Channel
from tests.factories import AccountFactory

pytestmark = pytest.mark.postgres
Status = CandidateAssessment.Status
UNTIL = timezone.localdate() + datetime.timedelta(days=20)
Action = Callable[[list[CandidateAssessment]], candidate_actions.Outcome]
ACTIONS: dict[str, Action] = {
    "extend": lambda rows: candidate_actions.extend(rows, UNTIL),
    "reinvite": candidate_actions.reinvite,
    "withdraw": candidate_actions.withdraw,
}


@pytest.fixture(autouse=True)
def _local_stores(settings: Settings, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    settings.GREENHOUSE_VERIFY_ON_ENABLE = False


@pytest.fixture(autouse=True)
def _content_types_known(db: None) -> None:
    """The history's content type is read once per process, not per action: read it first, so
    the first action measured does not pay for it."""
    ContentType.objects.get_for_model(CandidateAssessment)


def channels_of_a_new_account(name: str) -> list[Channel]:
    account: Account = AccountFactory.create(name=name)
    return bulk_invitations.channels(account)


def queries_of(action: Action, rows: list[CandidateAssessment]) -> int:
    with CaptureQueriesContext(connection) as captured:
        action(rows)
    return len(captured.captured_queries)


# --- Constant queries -----------------------------------------------------------------------


@pytest.mark.parametrize("statuses", SETS.values(), ids=SETS.keys())
@pytest.mark.parametrize("action", ACTIONS.values(), ids=ACTIONS.keys())
def test_a_bulk_action_on_500_invitations_costs_what_it_costs_on_5(
    db: None, action: Action, statuses: tuple[str, ...]
) -> None:
    # given two sets through both ATSs: a few (each of its states through each ATS at least
    # once: 5, or 8 for the mixed set) and 500
    channels = channels_of_a_new_account("Acme Retail")
    few = bulk_invitations.invitations(channels, max(5, 2 * len(statuses)), statuses)
    many = bulk_invitations.invitations(channels, 500, statuses, first=1000)

    # when the action runs on each, then both cost the same
    assert queries_of(action, many) == queries_of(action, few)


@pytest.mark.parametrize(
    ("name", "applies_to"),
    [
        ("extend", {Status.PENDING, Status.STARTED, Status.EXPIRED}),
        ("reinvite", set(SETS["mixed"])),
        ("withdraw", {Status.PENDING, Status.STARTED}),
    ],
)
def test_the_bulk_action_changes_all_of_500_it_applies_to(
    db: None, name: str, applies_to: set[str]
) -> None:
    channels = channels_of_a_new_account("Acme Retail")
    many = bulk_invitations.invitations(channels, 500, SETS["mixed"])

    outcome = ACTIONS[name](many)

    assert outcome.done == [row for row in many if row.status in applies_to]
    assert [row for row, _ in outcome.refused] == [
        row for row in many if row.status not in applies_to
    ]
    candidate_type = ContentType.objects.get_for_model(CandidateAssessment)
    assert LogEntry.objects.filter(content_type=candidate_type).count() == len(outcome.done)


# --- The same result as one by one -----------------------------------------------------------


def one_by_one(name: str, rows: list[CandidateAssessment]) -> None:
    """What each invitation's own lifecycle call does, one savepoint each, as before the
    actions were batched (the actions' own refusals apply first, as there)."""
    now = timezone.now()
    for row in rows:
        try:
            with transaction.atomic():
                if name == "withdraw":
                    if row.status in (Status.PENDING, Status.STARTED):
                        lifecycle.record_status(row.pk, Status.REJECTED, source="admin")
                elif name == "extend":
                    if row.status != Status.REJECTED:
                        lifecycle.reopen(
                            row.pk,
                            source="admin",
                            expires_at=candidate_actions.end_of_day(UNTIL),
                            resend_invitation=False,
                        )
                else:
                    lifecycle.reopen(
                        row.pk,
                        source="admin",
                        expires_at=now + datetime.timedelta(days=row.assessment.completion_days),
                        resend_invitation=True,
                    )
                    CandidateLink.objects.filter(
                        candidate_assessment=row, superseded_at__isnull=True
                    ).update(superseded_at=now)
        except lifecycle.StatusTransitionError:
            continue
    if name == "reinvite":
        invitations.send_invitations([row.pk for row in rows])


def state_of(rows: list[CandidateAssessment]) -> list[dict[str, Any]]:
    """Everything an action changes about each invitation, comparable across two accounts."""
    state = []
    for row in CandidateAssessment.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk"):
        invitation = AtsInvitation.objects.get(candidate_assessment=row)
        state.append(
            {
                "email": row.email,
                "status": row.status,
                "reopen_count": row.reopen_count,
                "deadline": timezone.localtime(row.expires_at).strftime("%Y-%m-%d %H:%M"),
                "invited": row.invitation_sent_at is not None,
                "started": row.started_at is not None,
                "live at the ATS": invitation.is_live,
                "events": list(row.events.order_by("pk").values_list("status", "source")),
                "live links": row.links.filter(superseded_at__isnull=True).count(),
                "deliveries": list(
                    Delivery.objects.filter(candidate_assessment=row)
                    .order_by("pk")
                    .values_list("kind", "label", "url", "payload", "rank", "state", "last_error")
                ),
            }
        )
    return state


def with_identity_conflicts(rows: list[CandidateAssessment]) -> list[CandidateAssessment]:
    """Two closed invitations of one identity (only the first may be live again), and a closed
    one whose identity the ATS has invited again since (a live one: it may not)."""
    workable = set(
        AtsInvitation.objects.filter(
            candidate_assessment__in=rows, integration__provider="workable"
        ).values_list("candidate_assessment_id", flat=True)
    )

    def through_workable(status: str) -> list[CandidateAssessment]:
        return [row for row in rows if row.status == status and row.pk in workable]

    first_closed, second_closed = through_workable(Status.REJECTED)[:2]
    superseded, newer = through_workable(Status.EXPIRED)[0], through_workable(Status.PENDING)[0]
    for duplicate, original in ((second_closed, first_closed), (superseded, newer)):
        AtsInvitation.objects.filter(candidate_assessment=duplicate).update(
            identity_key=AtsInvitation.objects.get(candidate_assessment=original).identity_key
        )
    return rows


def mixed_with_links(channels: list[Channel]) -> list[CandidateAssessment]:
    rows = with_identity_conflicts(bulk_invitations.invitations(channels, 24, SETS["mixed"]))
    for row in rows:
        invitations.issue_link(row, CandidateLink.IssuedTo.EMAIL)
    return rows


@pytest.mark.parametrize("name", ACTIONS.keys())
def test_a_bulk_action_does_to_each_invitation_what_one_by_one_did(
    db: None, name: str, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    # given the same mixed set twice, through both ATSs of two accounts (the deliveries stay
    # unsent, to compare them as written), at the start of a minute: deadlines are compared to
    # the minute, so both sets must be written within the same one
    monkeypatch.setattr(publishing, "publish", lambda doorbells: 0)
    start_of_minute = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start_of_minute, tick=True):
        batched = mixed_with_links(channels_of_a_new_account("Acme Retail"))
        each = mixed_with_links(channels_of_a_new_account("Globex"))

        # when the action runs on one set at once, and on the other invitation by invitation
        with django_capture_on_commit_callbacks(execute=True):
            outcome = ACTIONS[name](batched)
        one_by_one(name, each)

    # then both end alike: statuses, deadlines, links, events and every ATS delivery's body
    assert state_of(batched) == state_of(each)
    # and the re-invited got one email each, as one by one
    sent = sorted(message.to[0] for message in mail.outbox)
    assert sent == sorted(2 * [row.email for row in outcome.done] if name == "reinvite" else [])
    # and the refusals name the ATS's newer invitation
    reasons = {problem for _, problem in outcome.refused}
    if name != "withdraw":
        assert any("invited this candidate to this assessment again" in r for r in reasons)


def test_a_bulk_withdrawal_owes_each_ats_its_rejected_in_one_doorbell_per_integration(
    db: None, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    channels = channels_of_a_new_account("Acme Retail")
    rows = bulk_invitations.invitations(channels, 40, SETS["live"])
    rung: list[publishing.Doorbell] = []

    def publish(doorbells: list[publishing.Doorbell]) -> int:
        rung.extend(doorbells)
        return len(doorbells)

    monkeypatch.setattr(publishing, "publish", publish)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = candidate_actions.withdraw(rows)

    assert len(outcome.done) == 40
    owed = Delivery.objects.filter(state=Delivery.State.PENDING)
    assert sorted((bell.integration_id, 1 + len(bell.covered)) for bell in rung) == sorted(
        (channel.integration.pk, 20) for channel in channels
    )
    assert {pk for bell in rung for pk in (bell.delivery_id, *bell.covered)} == set(
        owed.values_list("pk", flat=True)
    )
    bodies = {
        delivery.candidate_assessment_id: (delivery.integration.provider, delivery.payload)
        for delivery in owed.select_related("integration")
    }
    refs = dict(AtsInvitation.objects.values_list("candidate_assessment_id", "refs"))
    assert bodies == {
        row.pk: ("workable", {"status": "rejected"})
        if row.assessment_id == channels[0].assessment.pk
        else (
            "greenhouse",
            {
                "level": "application",
                "record_id": refs[row.pk]["application_id"],
                "fields": [{"name_key": "harver_status", "value": "Withdrawn"}],
            },
        )
        for row in rows
    }


def test_bulk_reinvitation_emails_everyone_over_one_connection_and_old_links_say_replaced(
    db: None,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given 30 candidates, live and closed, each holding an emailed link
    channels = channels_of_a_new_account("Acme Retail")
    rows = bulk_invitations.invitations(channels, 30, SETS["mixed"])
    old_links = {
        row.email: invitations.issue_link(row, CandidateLink.IssuedTo.EMAIL) for row in rows
    }
    opened: list[object] = []
    real_get_connection = invitations.get_connection

    def counted_get_connection(*args: Any, **kwargs: Any) -> Any:
        opened.append(args)
        return real_get_connection(*args, **kwargs)

    monkeypatch.setattr(invitations, "get_connection", counted_get_connection)

    # when an admin re-invites them all
    with django_capture_on_commit_callbacks(execute=True):
        outcome = candidate_actions.reinvite(rows)

    # then each got one email with a new link that opens, over one mail connection
    assert len(outcome.done) == 30
    assert len(opened) == 1
    assert sorted(message.to[0] for message in mail.outbox) == sorted(old_links)
    for message in mail.outbox:
        (new_link,) = re.findall(r"https://\S+(/assessment/\S+/)", str(message.body))
        assert client.get(new_link).status_code == 200
    # and every old link answers a clear 410
    for link in old_links.values():
        replaced = client.get(re.sub(r"^https://[^/]+", "", link))
        assert replaced.status_code == 410
        assert "This link has been replaced" in replaced.content.decode()
    # and the reminders count from the new email, the only one of the new round
    assert not CandidateAssessment.objects.filter(
        invitation_sent_at__lt=timezone.now() - datetime.timedelta(minutes=1)
    ).exists()
