"""Support sets up a Greenhouse integration from a shell with the commands every provider shares."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.models import AssessmentFieldMapping, StageMapping
from tests import factories
from tests.greenhouse.support import CLIENT_SECRET, WEBHOOK_SECRET, credentials

pytestmark = pytest.mark.django_db


def run(*args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> Any:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("integrations", *args, "--json", stdout=out)
    text = out.getvalue()
    assert CLIENT_SECRET not in text
    assert WEBHOOK_SECRET not in text
    return json.loads(text)


def test_support_sets_up_greenhouse_with_the_shared_commands(monkeypatch, settings):
    settings.PUBLIC_BASE_URL = "https://harver.example"
    account = factories.AccountFactory.create()
    assessment = factories.AssessmentFactory.create(account=account, competencies=["Drive"])

    # create: the id and the webhook URL the admin pastes into Greenhouse
    created = run("create", "--account", str(account.pk), "--ats", "greenhouse")
    ident = str(created["id"])
    urls = [value for value in json.dumps(created).split('"') if "/webhooks/" in value]
    assert urls, created
    prefix = "https://harver.example/api/greenhouse/webhooks/"
    assert urls[0].startswith(prefix)
    assert len(urls[0]) > len(prefix) + 20

    # set-credentials: the four Harvest v3 fields as one JSON object on standard input
    shown = run(
        "set-credentials",
        ident,
        "--from-json",
        "-",
        stdin=json.dumps(credentials()),
        monkeypatch=monkeypatch,
    )
    fields = shown["credentials"]
    assert fields["client_id"] == credentials()["client_id"]
    assert fields["client_secret"]["ends_with"] == CLIENT_SECRET[-4:]
    assert fields["webhook_secret"]["set"] is True

    # map-stage by name, whatever its case; map-field with a level:name_key id
    run("map-stage", ident, "--assessment", str(assessment.pk), "--stage", "harver ASSESSMENT")
    run(
        "map-field",
        ident,
        "--assessment",
        str(assessment.pk),
        "--score",
        "overall",
        "--ats-field-id",
        "candidate:harver_score",
    )
    [mapping] = StageMapping.objects.filter(integration_id=ident)
    assert mapping.assessment_id == assessment.pk
    assert AssessmentFieldMapping.objects.filter(
        integration_id=ident, ats_field_id="candidate:harver_score"
    ).exists()

    # show: the provider's fields, secrets only as set
    state = run("show", ident)
    assert set(state["credentials"]) >= {"client_id", "client_secret", "user_id", "webhook_secret"}


def test_a_field_id_without_a_level_is_refused_naming_the_form(monkeypatch):
    account = factories.AccountFactory.create()
    assessment = factories.AssessmentFactory.create(account=account, competencies=["Drive"])
    ident = str(run("create", "--account", str(account.pk), "--ats", "greenhouse")["id"])
    with pytest.raises(CommandError, match=r"level:name_key|candidate:"):
        run(
            "map-field",
            ident,
            "--assessment",
            str(assessment.pk),
            "--score",
            "overall",
            "--ats-field-id",
            "harver_score",
        )
