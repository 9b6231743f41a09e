"""Migrations 0008 and 0009: today's invitations keep their references, their repeat check and
their deliveries once the Workable-shaped columns are gone."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.utils import timezone
from responses import matchers

from assessments import lifecycle
from integrations import inbound, services
from integrations.models import AtsInvitation, Delivery, Integration
from tests.migration_support import latest, migrate, schema_before, state_before
from workable.invitations import invitation_refs

pytestmark = pytest.mark.django_db(transaction=True)

MIGRATION = ("integrations", "0008_invitation_identity")
TOKEN = "wk-migrated-4c1d9e2f7a3b5c6d"
SPI = "https://acme.workable.com/spi/v3"
CALLBACK = "https://acme.workable.com/spi/v3/assessments/{}/results"


def before() -> list[tuple[str, str]]:
    return state_before(MIGRATION)


@pytest.fixture
def old_schema() -> Iterator[Any]:
    """The models as they were before 0008; the schema is brought back up to date afterwards."""
    with schema_before(MIGRATION) as apps:
        yield apps


def make_rows(apps: Any) -> dict[str, Any]:
    """Two customers' Workable integrations, as production holds them before 0008."""
    Account = apps.get_model("accounts", "Account")
    Assessment = apps.get_model("assessments", "Assessment")
    CandidateAssessment = apps.get_model("assessments", "CandidateAssessment")
    Integration = apps.get_model("integrations", "Integration")
    AtsInvitation = apps.get_model("integrations", "AtsInvitation")
    Delivery = apps.get_model("integrations", "Delivery")
    now = timezone.now()
    rows: dict[str, Any] = {}
    for name, subdomain in (("Acme Retail", "acme"), ("Globex", "globex")):
        account = Account.objects.create(name=name)
        assessment = Assessment.objects.create(
            account=account, name="Store Associate", job_code=f"{subdomain.upper()}-01"
        )
        integration = Integration.objects.create(
            account=account, provider="workable", is_enabled=True, setup_state="ready"
        )
        rows[subdomain] = (integration, assessment)

    def invitation(subdomain: str, key: str, email: str, **columns: Any) -> Any:
        integration, assessment = rows[subdomain]
        candidate = CandidateAssessment.objects.create(
            account_id=integration.account_id,
            assessment=assessment,
            email=email,
            status=columns.pop("status", "pending"),
            expires_at=now + datetime.timedelta(days=14),
        )
        return AtsInvitation.objects.create(
            integration=integration,
            candidate_assessment=candidate,
            assessment=assessment,
            email_key=email.lower(),
            callback_url=CALLBACK.format(key),
            **columns,
        )

    job = {"job_shortcode": "A1B2C3", "job_id": "81", "job_title": "Store Associate, Amsterdam"}
    rows["invitations"] = {
        "live": invitation("acme", "live", "Jane.Doe@example.com", **job),
        "no job": invitation("acme", "nojob", "sam@example.com"),
        "expired": invitation(
            "acme", "expired", "kim@example.com", is_live=False, status="expired", **job
        ),
        "invited again": invitation("acme", "again", "kim@example.com", **job),
        "other customer": invitation("globex", "globex", "jane.doe@example.com", **job),
        "completed": invitation("acme", "done", "lee@example.com", status="completed", **job),
    }
    completed = rows["invitations"]["completed"]
    rows["note"] = Delivery.objects.create(
        integration_id=completed.integration_id,
        candidate_assessment_id=completed.candidate_assessment_id,
        kind="comment",
        label="Timeline note",
        payload={"comment": {"body": "Harver assessment completed.", "policy": ["admin"]}},
        next_attempt_at=now,
    )
    return rows


def request_for(invitation: AtsInvitation, callback_url: str) -> inbound.InvitationRequest:
    refs = {**invitation.refs, "callback_url": callback_url}
    return inbound.InvitationRequest(
        assessment=invitation.assessment,
        email=invitation.candidate_assessment.email,
        refs=invitation_refs(**refs),
    )


def test_it_moves_each_invitations_references_into_refs(old_schema):
    # given invitations stored with the Workable-shaped columns
    rows = make_rows(old_schema)

    # when migrating
    migrate(latest())

    # then every reference is in refs, unchanged, and the columns are gone
    migrated = {
        label: AtsInvitation.objects.select_related("integration").get(pk=old.pk)
        for label, old in rows["invitations"].items()
    }
    assert migrated["live"].refs == {
        "callback_url": CALLBACK.format("live"),
        "job_shortcode": "A1B2C3",
        "job_id": "81",
        "job_title": "Store Associate, Amsterdam",
    }
    assert migrated["no job"].refs == {
        "callback_url": CALLBACK.format("nojob"),
        "job_shortcode": "",
        "job_id": "",
        "job_title": "",
    }
    assert [invitation.is_live for invitation in migrated.values()] == [
        True,
        True,
        False,
        True,
        True,
        True,
    ]
    columns = {field.name for field in AtsInvitation._meta.get_fields()}
    assert columns.isdisjoint({"callback_url", "job_shortcode", "job_id", "job_title"})
    # and each identity is the one the provider computes for the same request now
    for invitation in migrated.values():
        request = request_for(invitation, invitation.refs["callback_url"])
        assert invitation.identity_key == inbound.identity_key(invitation.integration, request)


def test_a_repeat_of_a_migrated_invitation_is_answered_with_it(old_schema):
    # given migrated invitations, one of them invited again after an earlier one expired
    rows = make_rows(old_schema)
    migrate(latest())
    live = AtsInvitation.objects.get(pk=rows["invitations"]["live"].pk)
    again = AtsInvitation.objects.get(pk=rows["invitations"]["invited again"].pk)

    # when Workable repeats both requests, one with a new callback URL
    first = inbound.invite(live.integration, request_for(live, CALLBACK.format("new")))
    second = inbound.invite(again.integration, request_for(again, again.refs["callback_url"]))

    # then each is answered with the live invitation, and the new callback URL is kept
    assert (first.created, first.candidate_assessment.pk) == (False, live.candidate_assessment_id)
    assert (second.created, second.candidate_assessment.pk) == (
        False,
        again.candidate_assessment_id,
    )
    live.refresh_from_db()
    assert live.refs["callback_url"] == CALLBACK.format("new")
    assert AtsInvitation.objects.count() == len(rows["invitations"])
    # while the same candidate for another job is a new invitation
    other_job = request_for(live, CALLBACK.format("other-job"))
    other_job = inbound.InvitationRequest(
        assessment=other_job.assessment,
        email=other_job.email,
        refs={**other_job.refs, "job_shortcode": "Z9Y8X7"},
    )
    assert inbound.invite(live.integration, other_job).created is True


@responses.activate
def test_migrated_invitations_keep_delivering(old_schema):
    # given migrated invitations: a note owed since before, and a status change after
    rows = make_rows(old_schema)
    migrate(latest())
    auth = matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"})
    responses.get(
        f"{SPI}/candidates",
        json={
            "candidates": [
                {"id": "ce4f2", "email": "lee@example.com", "job": {"shortcode": "A1B2C3"}}
            ]
        },
        match=[
            auth,
            matchers.query_param_matcher({"email": "lee@example.com", "shortcode": "A1B2C3"}),
        ],
    )
    comment = responses.post(f"{SPI}/candidates/ce4f2/comments", json={}, match=[auth])
    callback = responses.put(
        CALLBACK.format("nojob"),
        json={},
        match=[auth, matchers.json_params_matcher({"status": "expired"})],
    )
    no_job = AtsInvitation.objects.get(pk=rows["invitations"]["no job"].pk)
    services.set_ats_credentials(
        no_job.integration, subdomain="acme", token=TOKEN, note_author_member_id="3f9a"
    )

    # when the status changes (its task runs at once in the tests, taking the note along)
    lifecycle.record_status(no_job.candidate_assessment_id, "expired", source="expiry")

    # then the note found its candidate by the migrated job, the status went to the migrated URL
    expired = Delivery.objects.get(
        candidate_assessment_id=no_job.candidate_assessment_id, kind=Delivery.Kind.STATUS
    )
    note = Delivery.objects.get(pk=rows["note"].pk)
    assert (note.state, expired.state) == (Delivery.State.SUCCEEDED, Delivery.State.SUCCEEDED)
    assert (comment.call_count, callback.call_count) == (1, 1)
    assert expired.url == CALLBACK.format("nojob")
    assert not Integration.objects.get(pk=no_job.integration_id).last_error


def test_it_can_be_undone_without_losing_a_reference(old_schema):
    rows = make_rows(old_schema)
    migrate(latest())

    old = migrate(before())

    restored = old.get_model("integrations", "AtsInvitation").objects.get(
        pk=rows["invitations"]["live"].pk
    )
    assert (restored.callback_url, restored.job_shortcode, restored.job_id, restored.job_title) == (
        CALLBACK.format("live"),
        "A1B2C3",
        "81",
        "Store Associate, Amsterdam",
    )
