"""Invitations in the admin: the list in constant queries, and the bulk actions (extend to a
date, re-invite, withdraw) for Harver Admins, on 500 invitations in constant queries."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.admin import helpers
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from assessments.models import Assessment, CandidateAssessment
from tests import bulk_invitations, factories
from tests.admin_support import staff_member
from tests.bulk_invitations import SETS

Status = CandidateAssessment.Status
CHANGELIST = "admin:assessments_candidateassessment_changelist"


@pytest.fixture
def assessment(db: None) -> Assessment:
    return factories.AssessmentFactory.create(name="Store Associate", completion_days=7)


def signed_in(client: Client, assessment: Assessment, *, harver_admin: bool = True) -> Client:
    client.force_login(
        staff_member(assessment.account, username="hannah", harver_admin=harver_admin)
    )
    return client


def invitations(assessment: Assessment, count: int, **fields: Any) -> list[int]:
    rows = CandidateAssessment.objects.bulk_create(
        [
            CandidateAssessment(
                account_id=assessment.account_id,
                assessment=assessment,
                email=f"candidate{index}@example.com",
                expires_at=timezone.now() + datetime.timedelta(hours=6),
                **fields,
            )
            for index in range(count)
        ]
    )
    return [row.pk for row in rows]


def act(client: Client, action: str, ids: list[int], **extra: str) -> Any:
    return client.post(
        reverse(CHANGELIST),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(pk) for pk in ids], **extra},
    )


def test_the_list_shows_each_deadline_in_constant_queries(
    client: Client, assessment: Assessment
) -> None:
    signed_in(client, assessment)
    invitations(assessment, 3)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse(CHANGELIST))
        assert page.status_code == 200
        return len(captured.captured_queries)

    few = queries()
    invitations(assessment, 60)
    assert queries() == few


def test_extending_asks_for_the_date_then_moves_every_deadline(
    client: Client, assessment: Assessment
) -> None:
    signed_in(client, assessment)
    ids = invitations(assessment, 3)
    until = timezone.localdate() + datetime.timedelta(days=12)

    form = act(client, "extend_deadline", ids)
    assert form.status_code == 200
    assert "Give the 3 selected invitation(s) a new deadline." in form.content.decode()

    done = act(client, "extend_deadline", ids, apply="1", until=until.isoformat())
    assert done.status_code == 302
    deadlines = {
        timezone.localtime(moment).date()
        for moment in CandidateAssessment.objects.values_list("expires_at", flat=True)
    }
    assert deadlines == {until}


def test_extending_refuses_a_past_date_naming_it(client: Client, assessment: Assessment) -> None:
    signed_in(client, assessment)
    ids = invitations(assessment, 1)

    refused = act(client, "extend_deadline", ids, apply="1", until="2001-01-01")

    assert refused.status_code == 422
    assert "Give a date from today on." in refused.content.decode()


def test_reinviting_and_withdrawing_say_what_they_did_and_did_not(
    client: Client, assessment: Assessment, django_capture_on_commit_callbacks: Any
) -> None:
    signed_in(client, assessment)
    live = invitations(assessment, 2)
    (completed,) = invitations(assessment, 1, status=Status.COMPLETED)

    with django_capture_on_commit_callbacks(execute=True):
        reinvited = act(client, "reinvite", [*live, completed])
    page = client.get(reinvited.url).content.decode()
    assert "Re-invited 2 invitation(s)." in page
    assert (
        "Not re-invited 1 invitation(s): candidate0@example.com (Store Associate): it is "
        "completed." in page
    )
    assert len(mail.outbox) == 2

    withdrawn = act(client, "withdraw", live)
    assert "Withdrew 2 invitation(s)." in client.get(withdrawn.url).content.decode()
    assert set(
        CandidateAssessment.objects.filter(pk__in=live).values_list("status", flat=True)
    ) == {Status.REJECTED}


def test_staff_who_are_not_harver_admins_get_no_actions(
    client: Client, assessment: Assessment
) -> None:
    signed_in(client, assessment, harver_admin=False)
    ids = invitations(assessment, 1)

    page = client.get(reverse(CHANGELIST)).content.decode()
    response = act(client, "withdraw", ids)

    assert "Withdraw the selected invitations" not in page
    assert CandidateAssessment.objects.get().status == Status.PENDING
    assert response.status_code in (200, 302)


def test_another_accounts_invitations_are_refused_as_a_whole(
    client: Client, assessment: Assessment
) -> None:
    signed_in(client, assessment)
    other = factories.AssessmentFactory.create()
    theirs = invitations(other, 1)

    assert act(client, "withdraw", theirs).status_code == 404
    assert CandidateAssessment.objects.get().status == Status.PENDING


@pytest.mark.postgres  # SQLite splits bulk writes into batches of 999 parameters
@pytest.mark.parametrize("statuses", SETS.values(), ids=SETS.keys())
@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("extend_deadline", {"apply": "1", "until": "{until}"}),
        ("reinvite", {}),
        ("withdraw", {}),
    ],
    ids=["extend", "reinvite", "withdraw"],
)
def test_a_bulk_action_on_500_invitations_costs_what_it_costs_on_5(
    db: None,
    client: Client,
    settings: Settings,
    tmp_path: Path,
    action: str,
    extra: dict[str, str],
    statuses: tuple[str, ...],
) -> None:
    # given invitations through Workable and Greenhouse: a few (each state through each ATS,
    # 5 or 8) and 500
    settings.VAR_DIR = tmp_path
    settings.GREENHOUSE_VERIFY_ON_ENABLE = False
    account = factories.AccountFactory.create()
    client.force_login(staff_member(account, username="hannah"))
    channels = bulk_invitations.channels(account)
    until = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    filled = {key: value.format(until=until) for key, value in extra.items()}
    few = bulk_invitations.invitations(channels, max(5, 2 * len(statuses)), statuses)
    many = bulk_invitations.invitations(channels, 500, statuses, first=1000)
    ContentType.objects.get_for_model(CandidateAssessment)  # read once per process

    def queries(rows: list[CandidateAssessment]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert act(client, action, [row.pk for row in rows], **filled).status_code == 302
        return len(captured.captured_queries)

    # when an admin applies the action to each, then both cost the same
    assert queries(many) == queries(few)
    # and it applied to every one of the 500 it applies to, each with its history entry
    changed = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(CandidateAssessment),
        object_id__in=[row.pk for row in many],
    )
    applies = {
        "extend_deadline": (Status.PENDING, Status.STARTED, Status.EXPIRED),
        "reinvite": SETS["mixed"],
        "withdraw": (Status.PENDING, Status.STARTED),
    }[action]
    assert changed.count() == sum(row.status in applies for row in many)
