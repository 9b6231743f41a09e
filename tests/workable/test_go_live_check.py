"""The go-live check of a Workable integration, against the sandbox's stand-in Workable.

Everything is real HTTP on 127.0.0.1: the platform is served by pytest-django's live server,
with the sandbox mounted, so the check asks the stand-in Workable (SPI v3) and sends its token
check to the provider base URL as Workable would. Each failure mode is made in the stand-in or
in the configuration, and must produce its ✖ with the sentence that says what to do.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessments import lifecycle
from assessments.models import Assessment, CandidateAssessment
from assessments.reports import ReportType
from integrations import golive, services
from integrations.models import Delivery, Integration, PauseCause, ReportSettings
from integrations.outbox import pausing
from tests.admin_support import integration_url, staff_member
from tests.factories import CandidateAssessmentFactory
from tests.workable.delivery_support import RESULT, invite
from tests.workable.golive_support import (
    STEPS,
    Ready,
    ready_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db(transaction=True)


def run(ready: Ready, **options: Any) -> golive.GoLiveReport:
    ready.integration.refresh_from_db()
    return golive.run(ready.integration, **options)


# --- Everything in order ------------------------------------------------------------------------


def test_every_step_passes_and_the_dry_run_shows_what_the_next_result_sends(ready):
    deliveries, candidates = Delivery.objects.count(), CandidateAssessment.objects.count()

    report = run(ready)

    assert [step.name for step in report.steps] == STEPS
    assert report.ok, [step.message for step in report.steps if not step.ok]
    assert ready.step(report, "Credentials accepted")[1].startswith("Workable accepted the API")
    assert "Riley Recruiter" in ready.step(report, "Note author exists and is active")[1]
    offered = ready.step(report, "The offered tests are what the ATS will list")[1]
    assert (
        offered == f"Workable will list 1 test(s): Store Associate ({ready.assessment.job_code})."
    )
    inbound = ready.step(report, "The inbound token works from outside")[1]
    assert "refuses a wrong token (HTTP 401)" in inbound
    assert "last used the active token" in inbound
    # the preview is what the provider writes for a completed result: status, note, fields
    labels = [delivery.label for delivery in report.preview]
    assert labels == [
        "Status completed",
        "Timeline note",
        "Field harver_score (Overall matching score)",
        "Field harver_fit (Recommendation)",
    ]
    status = report.preview[0]
    assert status.url.endswith("/assessments/the-callback-workable-gives-each-invitation/results")
    assert status.payload["status"] == "completed"
    assert status.payload["assessment"]["grade"] == "passed"
    assert status.payload["assessment"]["score"] == "74"
    assert "matching score 74/100" in report.preview[1].payload["comment"]["body"]
    assert [d.payload["value"] for d in report.preview[2:]] == ["74", "Good fit"]
    # and nothing was written: no delivery, no candidate, nothing in Workable
    assert (Delivery.objects.count(), CandidateAssessment.objects.count()) == (
        deliveries,
        candidates,
    )
    assert ready.sandbox.account("acme")["candidates"] == {}


def test_the_last_run_is_kept_on_the_integration(ready):
    report = run(ready)

    ready.integration.refresh_from_db()
    stored = ready.integration.go_live_report
    assert ready.integration.go_live_checked_at == report.checked_at
    assert stored["ok"] is True
    assert stored["live"] is False
    assert [step["name"] for step in stored["steps"]] == STEPS
    assert len(stored["preview"]) == 4


def test_a_chosen_candidate_assessment_previews_its_own_callback(ready):
    candidate = invite(ready.integration, ready.assessment, "jane.doe@example.com")
    before = Delivery.objects.filter(candidate_assessment=candidate).count()

    report = run(ready, candidate_assessment_id=candidate.pk)

    assert report.sample == f"candidate assessment {candidate.pk}"
    assert report.preview[0].url == "https://acme.workable.com/spi/v3/assessments/abc123/results"
    assert Delivery.objects.filter(candidate_assessment=candidate).count() == before
    assert CandidateAssessment.objects.get(pk=candidate.pk).status == "pending"


def test_a_completed_candidate_assessment_previews_its_result_again(ready):
    candidate = invite(ready.integration, ready.assessment, "jane.doe@example.com")
    lifecycle.record_status(candidate.pk, "completed", source="engine", result=RESULT)

    report = run(ready, candidate_assessment_id=candidate.pk)

    assert report.preview[0].payload["assessment"]["score"] == "82"


# --- Each failure mode and its sentence -------------------------------------------------------


def test_a_refused_token_fails_the_credentials_and_stops_the_asking(ready):
    ready.sandbox.create_account("acme", "Acme (sandbox)", api_token="another-token")

    report = run(ready)

    assert not report.ok
    ok, message = ready.step(report, "Credentials accepted")
    assert not ok
    assert message.startswith("Workable refused the API token (HTTP 401)")
    assert "Generate a new token in Workable" in message
    assert ready.step(report, "Every scope the platform uses") == (
        False,
        'Not checked: "Credentials accepted" failed first.',
    )


def test_a_missing_scope_is_named(ready):
    ready.sandbox.create_account(
        "acme", "Acme", api_token=ready.spi_token, scopes=("r_jobs", "r_candidates", "w_candidates")
    )

    ok, message = ready.step(run(ready), "Every scope the platform uses")

    assert not ok
    assert message.startswith("The token lacks the r_requisitions scope: generate a token")


def test_a_note_author_who_is_not_a_member_is_named(ready):
    services.set_ats_credentials(ready.integration, note_author_member_id="m-gone")

    ok, message = ready.step(run(ready), "Note author exists and is active")

    assert not ok
    assert "(m-gone) is not a member of this Workable account" in message


def test_a_deactivated_note_author_is_named(ready):
    members = ready.sandbox.account("acme")["members"]
    ready.change_account(members=[{**members[0], "active": False}])

    ok, message = ready.step(run(ready), "Note author exists and is active")

    assert not ok
    assert message.startswith("The timeline note author Riley Recruiter (riley@example.com) is ")
    assert "deactivated in Workable: pick an active member" in message


def test_a_mapped_field_that_does_not_exist_is_named(ready):
    services.map_field(
        ready.integration, assessment=ready.assessment, score="overall", ats_field_id="harver_x"
    )

    ok, message = ready.step(run(ready), "Mapped ATS fields exist and can hold their values")

    assert not ok
    assert "Store Associate, Overall matching score: the ATS Field Id 'harver_x' is not" in message


def test_a_mapped_field_whose_type_cannot_hold_the_score_is_named(ready):
    attributes = ready.sandbox.account("acme")["custom_attributes"]
    ready.change_account(custom_attributes=[{**attributes[0], "type": "date"}, attributes[1]])

    ok, message = ready.step(run(ready), "Mapped ATS fields exist and can hold their values")

    assert not ok
    assert "'harver_score' is of the type \"date\", which cannot hold a number" in message


def test_no_enabled_report_type_is_named(ready):
    ReportSettings.objects.filter(integration=ready.integration).update(
        **{report_type.value: False for report_type in ReportType}
    )

    ok, message = ready.step(run(ready), "Every enabled report type renders")

    assert (ok, message) == (
        False,
        "No report type is enabled: enable one (Harver to ATS, Reports).",
    )


def test_every_enabled_report_type_renders(ready):
    services.configure_reports(
        ready.integration, enabled=list(ReportType), results_link=ReportType.SIGNED_REPORT
    )

    ok, message = ready.step(run(ready), "Every enabled report type renders")

    assert ok
    assert message.count(",") == 3


def test_no_offered_test_is_named(ready):
    Assessment.objects.filter(pk=ready.assessment.pk).update(is_active=False)

    report = run(ready)

    ok, message = ready.step(report, "The offered tests are what the ATS will list")
    assert not ok
    assert message == (
        "Workable will list no test: Acme Retail has no active assessment. Activate one "
        "(Assessments)."
    )
    # and nothing can be previewed
    assert ready.step(report, "Every enabled report type renders") == (
        False,
        "Acme Retail has no active assessment, so no result can be previewed.",
    )


def test_a_token_workable_never_used_is_named(ready):
    services.rotate_inbound_token(ready.integration)

    ok, message = ready.step(run(ready), "The inbound token works from outside")

    assert not ok
    assert "Workable has not used the active token yet: paste the inbound settings" in message


def test_a_public_address_that_is_not_harver_is_named(ready, settings, live_server):
    settings.PUBLIC_BASE_URL = f"{live_server.url}/sandbox/workable"

    ok, message = ready.step(run(ready), "The inbound token works from outside")

    assert not ok
    assert "did not answer as Harver does" in message
    assert "is Harver's public address and is reachable from the internet" in message


def test_a_real_integration_never_probes_a_loopback_address(ready):
    services.set_sandbox(ready.integration, on=False)

    ok, message = ready.step(run(ready), "The inbound token works from outside")

    assert not ok
    assert "Not sent" in message


# --- The command line -----------------------------------------------------------------------------


def test_the_command_prints_the_contract_s_json_and_exits_0_when_all_pass(ready):
    out = io.StringIO()

    call_command("integrations", "go-live-check", str(ready.integration.pk), "--json", stdout=out)

    data = json.loads(out.getvalue())
    assert set(data) == {"ok", "steps"}
    assert data["ok"] is True
    assert [set(step) for step in data["steps"]] == [{"name", "ok", "message"}] * len(STEPS)


def test_the_command_exits_non_zero_when_a_step_fails(ready):
    ready.sandbox.create_account("acme", "Acme (sandbox)", api_token="another-token")
    out = io.StringIO()

    with pytest.raises(CommandError) as failed:
        call_command(
            "integrations", "go-live-check", str(ready.integration.pk), "--json", stdout=out
        )

    assert failed.value.returncode == 1
    assert json.loads(out.getvalue())["ok"] is False


def test_the_command_s_text_shows_each_step_and_the_preview(ready):
    out = io.StringIO()

    call_command("integrations", "go-live-check", str(ready.integration.pk), stdout=out)

    text = out.getvalue()
    assert "✔ Credentials accepted: Workable accepted the API token" in text
    assert "of a synthetic candidate, go-live-check@harver.example, would send:" in text
    assert '"custom_attribute_key": "harver_fit", "value": "Good fit"' in text


def test_the_command_refuses_a_candidate_of_another_integration(ready):
    elsewhere = CandidateAssessmentFactory.create()

    with pytest.raises(CommandError, match="was not invited through this integration"):
        call_command(
            "integrations",
            "go-live-check",
            str(ready.integration.pk),
            "--candidate-assessment",
            str(elsewhere.pk),
        )


# --- The admin: the button, the report, the overview ---------------------------------------------


def _admin(ready: Ready, *, harver_admin: bool = True) -> Client:
    client = Client()
    name = "hannah" if harver_admin else "victor"
    client.force_login(
        staff_member(ready.integration.account, username=name, harver_admin=harver_admin)
    )
    return client


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_button_runs_the_dry_run_and_the_page_shows_each_step(ready):
    client = _admin(ready)

    response = client.post(integration_url("go_live", ready.integration))

    assert response.status_code == 302
    page = client.get(integration_url("go_live", ready.integration)).content.decode()
    assert "Every step passed" in page
    assert page.count('class="go-live-step passed"') == len(STEPS)
    assert "What the next completed result would send" in page
    assert "harver_fit" in page
    overview = client.get(integration_url("overview", ready.integration)).content.decode()
    assert "Last go-live check (dry run" in overview
    assert "every step passed." in overview


def test_a_failed_run_is_shown_on_the_overview_with_its_first_failed_step(ready):
    ready.sandbox.create_account("acme", "Acme (sandbox)", api_token="another-token")
    client = _admin(ready)

    client.post(integration_url("go_live", ready.integration))

    overview = client.get(integration_url("overview", ready.integration)).content.decode()
    assert "4 of 7 steps failed, first “Credentials accepted”" in overview
    page = client.get(integration_url("go_live", ready.integration)).content.decode()
    assert "Workable refused the API token (HTTP 401)" in page


def test_only_a_harver_admin_may_run_the_check(ready):
    client = _admin(ready, harver_admin=False)

    assert client.get(integration_url("go_live", ready.integration)).status_code == 200
    assert client.post(integration_url("go_live", ready.integration)).status_code == 403


def test_the_overview_and_the_report_page_keep_their_number_of_queries(ready):
    client = _admin(ready)
    overview = integration_url("overview", ready.integration)
    page = integration_url("go_live", ready.integration)
    before = (_queries(client, overview), _queries(client, page))

    # a report with its steps and preview, a pause, and many more deliveries and attempts
    client.post(page)
    candidates = [
        invite(ready.integration, ready.assessment, f"c{number}@example.com")
        for number in range(25)
    ]
    pausing.pause(ready.integration, PauseCause.CREDENTIALS_REFUSED, "refused")

    assert len(candidates) == 25
    assert (_queries(client, overview), _queries(client, page)) == before


# --- Live: a test candidate through the stand-in Workable ----------------------------------------

LIVE_STEPS = [
    "Test candidate added to job {job}",
    "Timeline note written",
    "Field harver_score (Overall matching score) written",
    "Field harver_fit (Recommendation) written",
    "Note and fields read back",
    "Test candidate cleaned up",
]


def test_live_round_trips_a_test_candidate_and_cleans_it_up(ready):
    job = ready.sandbox.add_job("acme", "Go-live test job")
    deliveries, candidates = Delivery.objects.count(), CandidateAssessment.objects.count()

    report = run(ready, live=True, job=job)

    assert report.ok, [step.message for step in report.steps if not step.ok]
    assert [step.name for step in report.steps] == STEPS + [
        name.format(job=job) for name in LIVE_STEPS
    ]
    # in Workable: the candidate, the note, the values, and the clean-up
    [candidate] = ready.sandbox.account("acme")["candidates"].values()
    assert candidate["name"] == "Harver Go-Live Check"
    assert candidate["job_shortcode"] == job
    assert candidate["custom_attributes"] == {"harver_score": "74", "harver_fit": "Good fit"}
    kinds = [entry["kind"] for entry in candidate["timeline"]]
    assert kinds == ["applied", "comment", "field", "field", "disqualified"]
    assert candidate["disqualified"] is True
    assert "disqualified on job" in report.steps[-1].message
    # every step has its evidence, as a delivery attempt has
    evidence = [step.evidence for step in report.steps[len(STEPS) :]]
    assert [item["http_status"] for item in evidence] == [201, 201, 200, 200, 200, 200]
    assert evidence[0]["request"].endswith(f"/acme/spi/v3/jobs/{job}/candidates")
    # the writes proved the write scope; nothing was written on Harver's side
    credential = ready.integration.ats_credential
    credential.refresh_from_db()
    assert credential.verification["scopes"]["w_candidates"] == "verified"
    assert (Delivery.objects.count(), CandidateAssessment.objects.count()) == (
        deliveries,
        candidates,
    )
    stored = Integration.objects.get(pk=ready.integration.pk).go_live_report
    assert stored["live"] is True
    assert len(stored["evidence"]) == len(report.steps)


def test_live_does_not_run_while_a_step_fails(ready):
    job = ready.sandbox.add_job("acme", "Go-live test job")
    Assessment.objects.filter(pk=ready.assessment.pk).update(is_active=False)

    report = run(ready, live=True, job=job)

    ok, message = ready.step(report, "Live round trip")
    assert not ok
    assert message.startswith("Not run: the live check writes to the real tenant only once")
    assert ready.sandbox.account("acme")["candidates"] == {}


def test_live_names_a_job_workable_does_not_have(ready):
    report = run(ready, live=True, job="NOPE")

    ok, message = ready.step(report, "Test candidate added to job NOPE")
    assert not ok
    assert message == "Workable refused the request (HTTP 404): Job not found."


def test_the_command_refuses_live_without_a_test_job(ready):
    with pytest.raises(CommandError, match="Choose the Workable test job"):
        call_command("integrations", "go-live-check", str(ready.integration.pk), "--live")


def test_the_live_button_needs_the_confirmation_and_offers_workable_s_jobs(ready):
    job = ready.sandbox.add_job("acme", "Go-live test job")
    client = _admin(ready)
    url = integration_url("go_live", ready.integration)

    page = client.get(url).content.decode()
    assert f'<option value="{job}">Go-live test job ({job})</option>' in page
    unconfirmed = client.post(url, {"live": "on", "job": job})
    assert unconfirmed.status_code == 200
    assert "This field is required." in unconfirmed.content.decode()
    assert ready.sandbox.account("acme")["candidates"] == {}

    confirmed = client.post(url, {"live": "on", "job": job, "confirm": "on"})

    assert confirmed.status_code == 302
    assert len(ready.sandbox.account("acme")["candidates"]) == 1
    assert "live" in client.get(integration_url("overview", ready.integration)).content.decode()
