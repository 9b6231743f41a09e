"""Replacing the Workable token with no gap, resuming after a 401, and the expiry countdown.

Workable is faked with `responses`: a token it accepts answers every listing, any other token
is refused with 401. The outbox runs inline, as one worker would.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import sys

import pytest
import responses
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from integrations import credential_rotation
from integrations.credential_expiry import credential_expiry
from integrations.models import AtsCredential, Delivery, DeliveryAttempt, Integration, PauseCause
from integrations.outbox import pausing
from integrations.outbox.outcomes import BatchOutcome
from integrations.providers import get_provider
from tests.admin_support import integration_url, staff_member
from tests.workable.delivery_support import (
    CALLBACK_URL,
    MEMBER_ID,
    WORKABLE_TOKEN,
    invited_fixture,  # noqa: F401
    reload,
    run,
)

NEW_TOKEN = "wk-new-token-1c3d5e7f9b2f4e6a"
State = Delivery.State


def workable_accepting(token: str, on_listing=None) -> None:
    """Workable accepts `token` (and only it) on every call the platform makes."""

    def answer(request):
        if request.headers.get("Authorization") != f"Bearer {token}":
            return 401, {}, json.dumps({"error": "Not authorized"})
        if on_listing is not None:
            on_listing(request)
        path = request.path_url.split("?")[0].rsplit("/", 1)[-1]
        bodies = {
            "members": {"members": [{"id": MEMBER_ID, "name": "Rita", "email": "r@acme.test"}]},
            "custom_attributes": {
                "custom_attributes": [{"key": "harver_score"}, {"key": "harver_c"}]
            },
        }
        return 200, {}, json.dumps(bodies.get(path, {path: []}))

    for method in ("GET", "PUT", "POST", "PATCH"):
        responses.add_callback(method, re.compile(r"https://acme\.workable\.com/.*"), answer)


def stored_token(integration: Integration) -> str:
    return AtsCredential.objects.get(integration=integration).secret("token")


@responses.activate
def test_a_new_token_workable_accepts_is_switched_to(invited):
    workable_accepting(NEW_TOKEN)
    expiry = timezone.localdate() + datetime.timedelta(days=365)

    outcome = credential_rotation.replace_credentials(
        invited.integration, token=NEW_TOKEN, expires_on=expiry
    )

    assert outcome.switched, outcome.problems
    assert stored_token(invited.integration) == NEW_TOKEN
    assert AtsCredential.objects.get(integration=invited.integration).expires_on == expiry
    assert Integration.objects.get(pk=invited.integration.pk).deliveries_paused_at is None


@responses.activate
def test_a_token_workable_refuses_leaves_the_old_one_in_use(invited):
    workable_accepting(WORKABLE_TOKEN)  # not the new one
    credential = AtsCredential.objects.get(integration=invited.integration)
    old_expiry, old_hint = credential.expires_on, credential.secret_hints["token"]

    outcome = credential_rotation.replace_credentials(
        invited.integration, token=NEW_TOKEN, expires_on=timezone.localdate()
    )

    assert not outcome.switched
    assert outcome.problems[0].startswith("Workable refused the API token (HTTP 401)")
    credential.refresh_from_db()
    assert stored_token(invited.integration) == WORKABLE_TOKEN
    assert (credential.expires_on, credential.secret_hints["token"]) == (old_expiry, old_hint)
    assert Integration.objects.get(pk=invited.integration.pk).deliveries_paused_at is None


@responses.activate
def test_a_delivery_due_during_the_switch_waits_and_goes_with_the_new_token(invited):
    [pending] = invited.deliveries()
    during: list[BatchOutcome] = []

    def worker_runs_now(request) -> None:
        if not during:  # the first call of the verification: the switch is under way
            during.append(run(pending))

    workable_accepting(NEW_TOKEN, on_listing=worker_runs_now)

    outcome = credential_rotation.replace_credentials(invited.integration, token=NEW_TOKEN)

    # the worker that ran during the switch sent nothing and failed nothing
    assert during == [BatchOutcome.PAUSED]
    assert outcome.switched
    assert outcome.resumed == 1
    pending = reload(pending)
    assert (pending.state, pending.failures, pending.attempt_count) == (State.PENDING, 0, 0)
    # after the switch it goes, once, with the new token
    assert run(pending) == BatchOutcome.SUCCEEDED
    [put] = [call for call in responses.calls if call.request.method == "PUT"]
    assert put.request.headers["Authorization"] == f"Bearer {NEW_TOKEN}"
    assert put.request.url == CALLBACK_URL


@responses.activate
def test_entering_a_working_token_from_the_command_line_resumes_a_401_pause(invited, monkeypatch):
    # given deliveries paused because Workable refused the token
    [pending] = invited.deliveries()
    responses.put(CALLBACK_URL, status=401, json={"error": "Not authorized"})
    assert run(pending) == BatchOutcome.PAUSED
    responses.reset()
    workable_accepting(NEW_TOKEN)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_TOKEN + "\n"))

    # when support sets a token Workable accepts
    call_command(
        "integrations",
        "set-credentials",
        str(invited.integration.pk),
        "--token-stdin",
        "--json",
        stdout=out,
    )

    # then the waiting delivery is resumed and goes, without a failed attempt
    assert json.loads(out.getvalue())["resumed_deliveries"] == 1
    integration = Integration.objects.get(pk=invited.integration.pk)
    assert integration.deliveries_paused_at is None
    assert run(pending) == BatchOutcome.SUCCEEDED
    outcomes = list(reload(pending).attempts.values_list("outcome", flat=True))
    assert outcomes == [DeliveryAttempt.Outcome.PAUSED, DeliveryAttempt.Outcome.SUCCEEDED]


@responses.activate
def test_a_token_still_refused_keeps_the_deliveries_waiting(invited):
    [pending] = invited.deliveries()
    responses.put(CALLBACK_URL, status=401, json={"error": "Not authorized"})
    run(pending)
    responses.reset()
    workable_accepting("some-other-token")

    assert credential_rotation.resume_if_credentials_work(invited.integration) is None

    integration = Integration.objects.get(pk=invited.integration.pk)
    assert integration.pause_cause == PauseCause.CREDENTIALS_REFUSED


# --- The countdown ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "level", "words"),
    [
        (90, "ok", "The API token expires on {date}, in 90 days."),
        (12, "warning", "The API token expires on {date}: in 12 day(s). Replace it"),
        (0, "error", "The API token expires today. Replace it"),
        (-3, "error", "The API token expired on {date}, 3 day(s) ago. Replace it"),
    ],
)
def test_the_countdown_says_how_long_the_token_works(invited, days, level, words):
    today = timezone.localdate()
    credential = AtsCredential.objects.get(integration=invited.integration)
    credential.expires_on = today + datetime.timedelta(days=days)

    expiry = credential_expiry(get_provider("workable"), credential, today=today)

    assert expiry is not None
    assert (expiry.level, expiry.days_left) == (level, days)
    assert expiry.message.startswith(words.format(date=credential.expires_on.isoformat()))


def test_a_token_without_a_recorded_expiry_is_a_warning(invited):
    credential = AtsCredential.objects.get(integration=invited.integration)
    credential.expires_on = None

    expiry = credential_expiry(get_provider("workable"), credential, today=timezone.localdate())

    assert expiry is not None
    assert expiry.level == "warning"
    assert expiry.message.startswith("No token expiry is recorded, so nobody is warned")


def test_no_countdown_before_a_token_is_set(invited):
    credential = AtsCredential(integration=invited.integration)

    assert (
        credential_expiry(get_provider("workable"), credential, today=timezone.localdate()) is None
    )


# --- The admin's form ---------------------------------------------------------------------------


def _harver_admin(invited) -> Client:
    client = Client()
    client.force_login(staff_member(invited.integration.account, username="hannah"))
    return client


@responses.activate
def test_the_form_verifies_and_switches_and_the_overview_counts_down(invited):
    workable_accepting(NEW_TOKEN)
    client = _harver_admin(invited)
    expiry = timezone.localdate() + datetime.timedelta(days=20)

    response = client.post(
        integration_url("replace_credential", invited.integration),
        {"secret": NEW_TOKEN, "expires_on": expiry.isoformat()},
    )

    assert response.status_code == 302
    assert stored_token(invited.integration) == NEW_TOKEN
    overview = client.get(response.url).content.decode()
    assert "Workable accepted the new API token; it is in use now." in overview
    assert f"The API token expires on {expiry.isoformat()}: in 20 day(s)." in overview
    assert "20 days left" in overview
    assert NEW_TOKEN not in overview


@responses.activate
def test_the_form_names_the_refusal_and_keeps_the_old_token(invited):
    workable_accepting(WORKABLE_TOKEN)
    client = _harver_admin(invited)

    response = client.post(
        integration_url("replace_credential", invited.integration), {"secret": NEW_TOKEN}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Workable refused the API token (HTTP 401)" in page
    assert "The old API token is still in use." in page
    assert NEW_TOKEN not in page
    assert stored_token(invited.integration) == WORKABLE_TOKEN


def test_the_overview_says_why_deliveries_wait(invited):
    pausing.pause(
        invited.integration,
        PauseCause.CREDENTIALS_REFUSED,
        "Workable rejected the credentials (HTTP 401): Not authorized.",
    )

    overview = _harver_admin(invited).get(integration_url("overview", invited.integration))

    text = overview.content.decode()
    assert "Deliveries are waiting" in text
    assert "Workable rejected the credentials (HTTP 401): Not authorized." in text
    assert "Nothing is lost and no retry is used up." in text


def test_only_a_harver_admin_may_replace_the_credential(invited):
    client = Client()
    client.force_login(
        staff_member(invited.integration.account, username="victor", harver_admin=False)
    )

    response = client.get(integration_url("replace_credential", invited.integration))

    assert response.status_code == 403
