"""The admin's pages: they load, never show a token they should not, explain refusals, save
through the services, and cost a constant number of queries however many rows there are."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from html import unescape

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Account, StaffTOTPDevice
from assessments.models import Assessment, CandidateAssessment, Competency, PersonalDataRecord
from assessments.reports import ReportType
from engine.models import EngineApiKey, EngineEvent
from harver_integration.crypto import encrypt
from harver_integration.tokens import hash_token
from integrations import services, token_reveal
from integrations.models import (
    AssessmentFieldMapping,
    AtsCredential,
    Delivery,
    DeliveryAttempt,
    InboundToken,
    Integration,
    Issue,
    IssueEvent,
    ReportSettings,
)
from tests import factories
from tests.admin_support import (  # noqa: F401 (fixtures)
    eager_celery,
    integration_url,
    private_cache,
    remote_problems_fixture,
    staff_member,
)

pytestmark = pytest.mark.usefixtures("private_cache")

WORKABLE_TOKEN = "wk-live-4f1b2c3d4e5f60718293a4b5c6d7e8f9"
# Admins that only show what was recorded: no add or delete pages to open.
READ_ONLY_MODELS = (
    LogEntry,
    EngineEvent,
    Delivery,
    PersonalDataRecord,
    CandidateAssessment,
    Issue,
)
# Rows the platform writes itself (sign-in attempts, two-factor devices): deleted, never added.
NO_ADD_MODELS = (AccessAttempt, AccessLog, AccessFailureLog, StaffTOTPDevice)
OVERVIEW_TABS = [
    "",
    "credentials=ats-to-harver",
    "harver_to_ats=reports",
    "credentials=ats-to-harver&harver_to_ats=reports",
]


@pytest.fixture
def superuser(db: None) -> User:
    return factories.UserFactory.create(username="root", is_superuser=True)


@pytest.fixture
def harver_admin(client: Client, integration: Integration) -> Client:
    client.force_login(staff_member(integration.account, username="hannah"))
    return client


def _text(response) -> str:
    return response.content.decode()


# --- Every page loads ---------------------------------------------------------------------------


def _admin_pages(integration: Integration) -> list[str]:
    """Every admin page of the site with at least one row each, as a superuser reaches them."""
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{info}_changelist"))
        pages.append(reverse("admin:app_list", args=[model._meta.app_label]))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            pages.append(reverse(f"{info}_change", args=[obj.pk]))
            pages.append(reverse(f"{info}_history", args=[obj.pk]))
            if model not in READ_ONLY_MODELS:
                pages.append(reverse(f"{info}_delete", args=[obj.pk]))
        if model not in READ_ONLY_MODELS + NO_ADD_MODELS:
            pages.append(reverse(f"{info}_add"))
    pages += [integration_url("overview", integration, tabs) for tabs in OVERVIEW_TABS]
    pages += [
        integration_url(name, integration)
        for name in ("setup", "setup_status", "rotate", "history")
    ]
    pages.append(reverse("admin:assessments_personaldatarecord_candidate"))
    return pages


def test_it_loads_every_admin_page(client, integration, superuser):
    # given a configured integration, its account and assessments, and a superuser
    services.set_ats_credentials(integration, subdomain="acme", token=WORKABLE_TOKEN)
    client.force_login(superuser)

    # when every admin page is opened
    responses = {url: client.get(url, follow=True) for url in _admin_pages(integration)}

    # then each one renders
    failing = {
        url: response.status_code
        for url, response in responses.items()
        if response.status_code != 200
    }
    assert failing == {}


def test_it_shows_the_seeds_words_on_the_overview(harver_admin, integration):
    # given a Harver Admin and a freshly set-up integration

    # when they open the overview on each tab
    pages = [
        _text(harver_admin.get(integration_url("overview", integration, tabs)))
        for tabs in OVERVIEW_TABS
    ]

    # then every section, tab and report name of the guide is there
    everything = unescape(" ".join(pages))
    for words in [
        "General",
        "ATS First Ad-Hoc",
        "Credentials",
        "Harver to ATS",
        "ATS to Harver",
        "Assessments",
        "Reports",
        "ATS Field Id",
        "Send status",
        "Candidate Details Page URL",
        "Read-only Candidate Details Page URL",
        "PDF Report URL",
        "Signed report URL",
        "Results link",
        "Link lifetime (days)",
        "History",
    ]:
        assert words in everything, words


def test_it_names_the_menu_and_the_add_button_as_the_guide_does(harver_admin, integration):
    # given a Harver Admin

    # when they open the admin index and the integrations list
    index = _text(harver_admin.get(reverse("admin:index")))
    listed = _text(harver_admin.get(reverse("admin:integrations_integration_changelist")))

    # then the menu says Integrations and the list offers "Add new integration"
    assert ">Integrations</a>" in index
    assert "Add new integration" in listed


# --- Tokens are never rendered back -------------------------------------------------------------


def test_it_never_renders_either_token_on_any_admin_page(client, integration, superuser):
    # given a Workable token set and an ATS to Harver token minted through the services
    services.set_ats_credentials(integration, subdomain="acme", token=WORKABLE_TOKEN)
    minted = services.rotate_inbound_token(integration)
    stored_hash = InboundToken.objects.active().get(integration=integration).token_hash
    hannah = staff_member(integration.account, username="hannah")

    # when a superuser and a Harver Admin open every admin page
    contents = []
    for user in (superuser, hannah):
        client.force_login(user)
        for url in _admin_pages(integration):
            contents.append(_text(client.get(url, follow=True)))
        for entry in LogEntry.objects.all():
            contents.append(
                _text(client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])))
            )

    # then neither token (nor the stored hash) appears anywhere
    for content in contents:
        assert WORKABLE_TOKEN not in content
        assert minted not in content
        assert stored_hash not in content


def test_it_does_not_echo_the_token_when_the_form_is_refused(harver_admin, integration):
    # given a Harver Admin posting a token with an invalid subdomain
    response = harver_admin.post(
        integration_url("harver_to_ats", integration),
        {"subdomain": "Not A Subdomain!", "token": WORKABLE_TOKEN},
    )

    # then the form explains the subdomain, and neither stores nor shows the token
    assert response.status_code == 200
    assert "Enter the subdomain only" in unescape(_text(response))
    assert WORKABLE_TOKEN not in _text(response)
    assert not AtsCredential.objects.get(integration=integration).has_secret("token")


def test_it_saves_the_workable_credentials_and_keeps_the_token_when_left_blank(
    harver_admin, integration
):
    # given a Harver Admin who saved the token once
    harver_admin.post(
        integration_url("harver_to_ats", integration),
        {"subdomain": "acme", "token": WORKABLE_TOKEN, "token_expires_on": "2027-01-31"},
    )

    # when they change only the note author, leaving the token blank
    response = harver_admin.post(
        integration_url("harver_to_ats", integration),
        {"subdomain": "acme", "token": "", "note_author_member_id": "m-42"},
    )

    # then the token is kept, shown only by its last four characters
    assert response.status_code == 302
    credential = AtsCredential.objects.get(integration=integration)
    assert credential.secret("token") == WORKABLE_TOKEN
    assert credential.value("note_author_member_id") == "m-42"
    assert credential.expires_on == datetime.date(2027, 1, 31)
    page = _text(harver_admin.get(response["Location"]))
    assert f"…{WORKABLE_TOKEN[-4:]}" in page
    assert 'name="token" ' in page
    assert WORKABLE_TOKEN not in page


def test_it_clears_the_token_expiry_only_when_the_box_is_ticked(harver_admin, integration):
    # given a Harver Admin who saved the token with an expiry
    url = integration_url("harver_to_ats", integration)
    harver_admin.post(
        url, {"subdomain": "acme", "token": WORKABLE_TOKEN, "token_expires_on": "2027-01-31"}
    )
    page = _text(harver_admin.get(integration_url("overview", integration)))
    assert 'name="clear_token_expiry"' in page

    # when they save with the expiry left blank, it is kept
    harver_admin.post(url, {"subdomain": "acme", "token_expires_on": ""})
    credential = AtsCredential.objects.get(integration=integration)
    assert credential.expires_on == datetime.date(2027, 1, 31)

    # when they tick "Clear the token expiry", the date still shown beside it
    response = harver_admin.post(
        url,
        {"subdomain": "acme", "token_expires_on": "2027-01-31", "clear_token_expiry": "on"},
    )

    # then the expiry is gone, the token kept, and there is nothing left to clear
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.expires_on is None
    assert credential.secret("token") == WORKABLE_TOKEN
    page = _text(harver_admin.get(response["Location"]))
    assert 'name="clear_token_expiry"' not in page
    assert "expires" not in page.split('id="current-token">')[1].split("</span>")[0]


def test_it_refuses_a_new_expiry_and_clearing_it_at_once(harver_admin, integration):
    # given a token with an expiry
    url = integration_url("harver_to_ats", integration)
    harver_admin.post(
        url, {"subdomain": "acme", "token": WORKABLE_TOKEN, "token_expires_on": "2027-01-31"}
    )

    # when a new date is entered and the clear box ticked too
    response = harver_admin.post(
        url,
        {"subdomain": "acme", "token_expires_on": "2028-01-31", "clear_token_expiry": "on"},
    )

    # then the box says why, and the expiry is unchanged
    assert response.status_code == 200
    assert "Enter a new expiry or clear it, not both" in _text(response)
    credential = AtsCredential.objects.get(integration=integration)
    assert credential.expires_on == datetime.date(2027, 1, 31)


def test_the_service_clears_an_expiry_but_not_together_with_a_new_one(integration):
    services.set_ats_credentials(integration, expires_on=datetime.date(2027, 1, 31))

    with pytest.raises(services.IntegrationError):
        services.set_ats_credentials(
            integration, expires_on=datetime.date(2028, 1, 31), clear_expiry=True
        )
    assert integration.ats_credential.expires_on == datetime.date(2027, 1, 31)

    credential = services.set_ats_credentials(integration, clear_expiry=True)
    assert credential.expires_on is None


def test_it_shows_a_rotated_token_once_after_confirming(harver_admin, integration):
    # given a Harver Admin on the rotation confirmation
    old = InboundToken.objects.active().get(integration=integration)
    confirmation = _text(harver_admin.get(integration_url("rotate", integration)))

    # when they confirm and open the ATS to Harver tab, twice
    response = harver_admin.post(integration_url("rotate", integration))
    first = _text(harver_admin.get(response["Location"]))
    second = _text(harver_admin.get(response["Location"]))

    # then the warning was given, the new token is shown the first time only, the old one is dead
    assert "The old token stops working at once." in confirmation
    new = InboundToken.objects.active().get(integration=integration)
    old.refresh_from_db()
    assert old.revoked_at is not None
    revealed = first.split('id="ats-to-harver-token"')[1].split('value="')[1].split('"')[0]
    assert hash_token(revealed) == new.token_hash
    assert revealed not in second
    assert f"…{new.token_last4}" in second


def test_it_keeps_a_waiting_token_from_viewers_outside_the_harver_admin_group(client, integration):
    # given a token a Harver Admin minted, waiting to be shown, and a viewer outside the group
    hannah = staff_member(integration.account, username="hannah")
    token = services.rotate_inbound_token(integration, actor=hannah)
    token_reveal.stash(integration.pk, token, minted_by=hannah.pk)
    client.force_login(staff_member(integration.account, username="victor", harver_admin=False))

    # when the viewer opens the ATS to Harver tab
    page = _text(client.get(integration_url("overview", integration, "credentials=ats-to-harver")))

    # then they do not see it, and it still waits for the admin who minted it
    assert token not in page
    assert f"…{token[-4:]}" in page
    assert token_reveal.pop(integration, hannah) == token


def test_a_rotated_token_is_shown_only_to_the_admin_who_rotated_it(integration):
    # given Hannah rotates the token, and Oscar, another Harver Admin, opens the tab first
    hannah, oscar = Client(), Client()
    hannah.force_login(staff_member(integration.account, username="hannah"))
    oscar.force_login(staff_member(integration.account, username="oscar"))
    response = hannah.post(integration_url("rotate", integration))
    oscars_page = _text(oscar.get(response["Location"]))

    # then Oscar sees it masked, and Hannah still gets it once
    new = InboundToken.objects.active().get(integration=integration)
    assert 'id="ats-to-harver-token"' not in oscars_page
    assert f"…{new.token_last4}" in oscars_page
    hannahs_page = _text(hannah.get(response["Location"]))
    revealed = hannahs_page.split('id="ats-to-harver-token"')[1].split('value="')[1].split('"')[0]
    assert hash_token(revealed) == new.token_hash
    assert revealed not in oscars_page


def test_it_never_shows_a_waiting_token_that_is_no_longer_active(harver_admin, integration):
    # given a token waiting to be shown, then rotated again elsewhere
    stale = services.rotate_inbound_token(integration)
    hannah = User.objects.get(username="hannah")
    token_reveal.stash(integration.pk, stale, minted_by=hannah.pk)
    services.rotate_inbound_token(integration)

    # when the ATS to Harver tab is opened
    page = _text(
        harver_admin.get(integration_url("overview", integration, "credentials=ats-to-harver"))
    )

    # then the stale token is not shown
    assert stale not in page
    assert 'id="ats-to-harver-token"' not in page


# --- Adding and the setup progress --------------------------------------------------------------


def test_it_adds_an_integration_and_runs_its_setup_after_commit(
    harver_admin, account, django_capture_on_commit_callbacks
):
    # given a Harver Admin of an account without an integration
    Integration.objects.filter(account=account).delete()

    # when they add a Workable integration
    with eager_celery(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = harver_admin.post(
            reverse("admin:integrations_integration_add"),
            {"account": account.pk, "provider": "workable"},
        )

    # then the set-up was queued after commit, ran, and the setup page offers the Overview
    integration = Integration.objects.get(account=account)
    assert len(callbacks) == 1
    assert response["Location"] == integration_url("setup", integration)
    assert integration.setup_state == Integration.SetupState.READY
    status = harver_admin.get(integration_url("setup_status", integration)).json()
    assert status["finished"]
    assert [step["status"] for step in status["steps"]] == ["done"] * 4
    setup_page = _text(harver_admin.get(response["Location"]))
    assert 'id="continue-to-overview" class="button default">Continue to Overview' in setup_page
    overview = _text(
        harver_admin.get(integration_url("overview", integration, "credentials=ats-to-harver"))
    )
    revealed = overview.split('id="ats-to-harver-token"')[1].split('value="')[1].split('"')[0]
    assert (
        hash_token(revealed)
        == InboundToken.objects.active().get(integration=integration).token_hash
    )
    assert AssessmentFieldMapping.objects.filter(integration=integration).count() == 7
    assert ReportSettings.objects.filter(integration=integration).exists()


@pytest.mark.parametrize(
    ("state", "step", "expected"),
    [
        ("pending", "", ["pending", "pending", "pending", "pending"]),
        ("running", "token", ["done", "running", "pending", "pending"]),
        ("failed", "assessments", ["done", "done", "failed", "pending"]),
        ("ready", "reports", ["done", "done", "done", "done"]),
    ],
    ids=["waiting", "running", "failed", "ready"],
)
def test_it_reports_each_setup_step(harver_admin, integration, state, step, expected):
    # given an integration at some point of its set-up
    Integration.objects.filter(pk=integration.pk).update(setup_state=state, setup_step=step)

    # when the setup page asks for the progress
    status = harver_admin.get(integration_url("setup_status", integration)).json()

    # then each step says where it is
    assert [item["status"] for item in status["steps"]] == expected
    assert status["finished"] is (state == "ready")
    assert status["failed"] is (state == "failed")


def test_it_retries_a_failed_setup(harver_admin, integration, django_capture_on_commit_callbacks):
    # given a set-up that failed
    Integration.objects.filter(pk=integration.pk).update(setup_state="failed", setup_step="token")

    # when the Harver Admin retries it
    with eager_celery(), django_capture_on_commit_callbacks(execute=True):
        response = harver_admin.post(integration_url("setup_retry", integration))

    # then it runs again to the end
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.setup_state == Integration.SetupState.READY


# --- General: pattern and the enable toggle -----------------------------------------------------


def test_it_lists_every_problem_next_to_the_toggle_and_enables_nothing(harver_admin, integration):
    # given a freshly set-up integration, which misses several things
    mapping = integration.field_mappings.first()
    AssessmentFieldMapping.objects.filter(pk=mapping.pk).update(send_status=True)
    expected = services.local_problems(integration)
    assert len(expected) >= 3

    # when the Harver Admin turns the toggle on
    response = harver_admin.post(integration_url("toggle", integration), {"enable": "on"})

    # then each problem is listed in plain words by the toggle, and nothing changed
    assert response.status_code == 200
    content = _text(response)
    box = content.split('id="enable-problems"')[1].split("</div>")[0]
    for problem in expected:
        assert escape(problem) in box
    assert f"these {len(expected)} problems" in box
    integration.refresh_from_db()
    assert not integration.is_enabled
    assert 'aria-checked="false"' in content


def _configure_completely(integration: Integration) -> None:
    services.set_ats_credentials(
        integration,
        subdomain="acme",
        token=WORKABLE_TOKEN,
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )


def test_it_enables_and_disables_with_the_same_toggle(harver_admin, integration, remote_problems):
    # given a completely configured integration
    _configure_completely(integration)

    # when the toggle is turned on, then off
    enabled = harver_admin.post(integration_url("toggle", integration), {"enable": "on"})
    integration.refresh_from_db()
    was_enabled = integration.is_enabled
    disabled = harver_admin.post(integration_url("toggle", integration), {"enable": "off"})

    # then it was enabled, and is disabled again
    assert enabled.status_code == disabled.status_code == 302
    assert was_enabled
    integration.refresh_from_db()
    assert not integration.is_enabled


def test_it_lists_what_workable_itself_refuses_next_to_the_toggle(
    harver_admin, integration, remote_problems
):
    # given a complete configuration whose token Workable refuses
    _configure_completely(integration)
    remote_problems.append("Workable refused the API token (401): generate a new one.")

    # when the toggle is turned on
    response = harver_admin.post(integration_url("toggle", integration), {"enable": "on"})

    # then Workable's answer is listed by the toggle and nothing is enabled
    box = _text(response).split('id="enable-problems"')[1].split("</div>")[0]
    assert escape("Workable refused the API token (401): generate a new one.") in box
    integration.refresh_from_db()
    assert not integration.is_enabled


def test_it_refuses_a_pattern_workable_does_not_support(harver_admin, integration):
    # given Workable, which supports only ATS First Ad-Hoc

    # when ATS First Inline is posted
    response = harver_admin.post(
        integration_url("pattern", integration), {"pattern": "ats_first_inline"}
    )

    # then it is refused with the reason
    assert response.status_code == 200
    assert "Workable does not support that pattern; choose ATS First Ad-Hoc." in _text(response)
    integration.refresh_from_db()
    assert integration.pattern == "ats_first_ad_hoc"


# --- Harver to ATS: Assessments and Reports -----------------------------------------------------


def _assessment_rows(integration: Integration) -> dict[str, str]:
    data = {}
    for mapping in integration.field_mappings.all():
        if mapping.send_status:
            data[f"send_{mapping.pk}"] = "on"
        data[f"field_{mapping.pk}"] = mapping.ats_field_id
    return data


def test_it_refuses_to_send_a_score_without_an_ats_field_id(harver_admin, integration):
    # given the Assessments tab with one score switched on but no ATS Field Id
    mapping = integration.field_mappings.get(competency__name="Conscientiousness")
    data = _assessment_rows(integration) | {f"send_{mapping.pk}": "on"}

    # when it is saved
    response = harver_admin.post(integration_url("assessments", integration), data)

    # then the row says what is missing and nothing is saved
    assert response.status_code == 200
    assert escape("Enter the ATS Field Id, or turn sending off.") in _text(response)
    mapping.refresh_from_db()
    assert not mapping.send_status


def test_it_saves_the_assessments_tab_through_the_mapping_service(harver_admin, integration):
    # given the Assessments tab with a competency score sent to a Workable field
    mapping = integration.field_mappings.get(competency__name="Conscientiousness")
    data = _assessment_rows(integration) | {
        f"send_{mapping.pk}": "on",
        f"field_{mapping.pk}": "  conscientiousness_score ",
    }

    # when it is saved
    response = harver_admin.post(integration_url("assessments", integration), data)

    # then that row is on, with the trimmed field id, and the others are untouched
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert (mapping.send_status, mapping.ats_field_id) == (True, "conscientiousness_score")
    assert integration.field_mappings.filter(send_status=True).count() == 1


def test_it_lists_new_assessments_again_on_request(harver_admin, integration):
    # given an assessment created after the set-up
    assessment = factories.AssessmentFactory.create(
        account=integration.account, competencies=["Grit", "Focus"]
    )

    # when the Harver Admin asks to list the account's assessments again
    harver_admin.post(integration_url("assessments_refresh", integration))

    # then its overall, recommendation and competency scores have rows
    page = _text(harver_admin.get(integration_url("overview", integration)))
    assert integration.field_mappings.filter(assessment=assessment).count() == 4
    assert "Grit" in page
    assert "Focus" in page


def test_it_refuses_a_results_link_that_is_not_an_enabled_report(harver_admin, integration):
    # given the Reports tab with the PDF report chosen as results link but not enabled
    data = {
        "signed_report": "on",
        "results_link": ReportType.PDF_REPORT.value,
        "link_lifetime_days": "30",
    }

    # when it is saved
    response = harver_admin.post(integration_url("reports", integration), data)

    # then the results link says so and nothing changed
    assert response.status_code == 200
    assert "Enable PDF Report URL above, or choose an enabled report type." in _text(response)
    assert integration.report_settings.link_lifetime_days != 30


def test_it_saves_the_reports_tab(harver_admin, integration):
    # given report types, a results link, a link lifetime and hiding personal data
    data = {
        "candidate_details_page": "on",
        "pdf_report": "on",
        "results_link": ReportType.PDF_REPORT.value,
        "link_lifetime_days": "30",
        "hide_personal_data": "on",
    }

    # when they are saved
    response = harver_admin.post(integration_url("reports", integration), data)

    # then the settings hold exactly that
    assert response.status_code == 302
    report_settings = ReportSettings.objects.get(integration=integration)
    assert report_settings.enabled_types() == [
        ReportType.CANDIDATE_DETAILS_PAGE,
        ReportType.PDF_REPORT,
    ]
    assert report_settings.results_link == ReportType.PDF_REPORT
    assert report_settings.link_lifetime_days == 30
    assert report_settings.hide_personal_data


# --- Every section's form goes back to its own section and tab ------------------------------------


REPORTS = {"pdf_report": "on", "results_link": ReportType.PDF_REPORT.value, "link_lifetime_days": 9}


@pytest.mark.parametrize(
    ("name", "data", "back_to"),
    [
        ("pattern", {"pattern": "ats_first_ad_hoc"}, "harver_to_ats=reports#general"),
        ("harver_to_ats", {"subdomain": "acme"}, "harver_to_ats=reports#credentials"),
        ("assessments", {}, "harver_to_ats=assessments#harver-to-ats"),
        ("reports", REPORTS, "harver_to_ats=reports#harver-to-ats"),
    ],
)
def test_each_saved_form_returns_to_its_section_and_tab(
    harver_admin, integration, name, data, back_to
):
    # given the Overview opened on the ATS to Harver and Reports tabs
    query = "credentials=ats-to-harver&harver_to_ats=reports"
    credentials = "harver-to-ats" if name == "harver_to_ats" else "ats-to-harver"

    # when one section's form is saved
    response = harver_admin.post(integration_url(name, integration, query), data)

    # then the Overview opens at that section, on the tab of the form that was saved
    assert response.status_code == 302
    assert response.url == integration_url(
        "overview", integration, f"credentials={credentials}&{back_to}"
    )


# --- History ------------------------------------------------------------------------------------


def test_it_shows_who_changed_what_in_the_integrations_history(
    harver_admin, integration, django_assert_max_num_queries
):
    # given changes by a Harver Admin to the integration and its rows, and another integration
    harver_admin.post(
        integration_url("harver_to_ats", integration),
        {"subdomain": "acme", "token": WORKABLE_TOKEN},
    )
    harver_admin.post(integration_url("rotate", integration))
    other = factories.ready_integration(factories.AccountFactory.create(name="Elsewhere Ltd"))
    services.set_ats_credentials(other, subdomain="elsewhere")

    # when the history is opened from the overview
    overview = _text(harver_admin.get(integration_url("overview", integration)))
    history = _text(harver_admin.get(integration_url("history", integration)))

    # then it is one click away and names the actor, the rows and the changed fields
    assert f'href="{integration_url("history", integration)}"' in overview
    assert "hannah" in history
    assert "Harver to ATS credential" in history
    assert "Subdomain" in history
    assert "API token ends with" in history
    assert "ATS to Harver token" in history
    assert "Elsewhere" not in history
    assert WORKABLE_TOKEN not in history


def _history_queries(client: Client, integration: Integration) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(integration_url("history", integration))
    assert response.status_code == 200
    return len(context.captured_queries)


def test_it_reads_the_history_in_a_constant_number_of_queries(harver_admin, integration):
    # given a history of a few entries
    services.set_ats_credentials(integration, subdomain="a")
    few = _history_queries(harver_admin, integration)

    # when many more entries are added
    for number in range(60):
        services.set_ats_credentials(integration, subdomain=f"a{number}")
        services.map_field(
            integration,
            assessment=integration.account.assessments.first(),
            score="overall",
            ats_field_id=f"field{number}",
        )

    # then reading it costs the same
    assert _history_queries(harver_admin, integration) == few


# --- Constant queries on every list page --------------------------------------------------------


def _make_accounts(count: int, member: User) -> None:
    start = Account.objects.count()
    accounts = Account.objects.bulk_create(
        Account(name=f"Bulk account {start + number}") for number in range(count)
    )
    for account in accounts:
        account.members.add(member)


def _make_assessments(count: int, member: User) -> None:
    account = Account.objects.filter(members=member).first() or factories.AccountFactory.create()
    account.members.add(member)
    start = Assessment.objects.count()
    assessments = Assessment.objects.bulk_create(
        Assessment(account=account, name=f"Bulk {start + n}", job_code=f"BULK-{start + n}")
        for n in range(count)
    )
    Competency.objects.bulk_create(
        Competency(assessment=assessment, name="Grit") for assessment in assessments
    )


def _make_integrations(count: int, member: User) -> None:
    _make_accounts(count, member)
    accounts = Account.objects.filter(members=member).order_by("-pk")[:count]
    integrations = Integration.objects.bulk_create(
        Integration(account=account, provider="workable") for account in accounts
    )
    token = encrypt("bulk-token-0000abcd")
    AtsCredential.objects.bulk_create(
        AtsCredential(
            integration=integration,
            values={"subdomain": "bulk"},
            secrets={"token": token},
            secret_hints={"token": {"last4": "abcd", "set_at": None}},
        )
        for integration in integrations
    )


def _make_engine_keys(count: int, member: User) -> None:
    account = Account.objects.filter(members=member).first() or factories.AccountFactory.create()
    account.members.add(member)
    start = EngineApiKey.objects.count()
    EngineApiKey.objects.bulk_create(
        EngineApiKey(
            account=account,
            name=f"Engine {start + n}",
            key_hash=hash_token(f"engine-{start + n}"),
            key_last4=f"{start + n:04d}"[-4:],
            created_by=member,
        )
        for n in range(count)
    )


def _make_engine_events(count: int, member: User) -> None:
    account = Account.objects.filter(members=member).first() or factories.AccountFactory.create()
    account.members.add(member)
    candidate = factories.CandidateAssessmentFactory.create(
        assessment=factories.AssessmentFactory.create(account=account)
    )
    start = EngineEvent.objects.count()
    EngineEvent.objects.bulk_create(
        EngineEvent(
            account=account,
            event_id=f"evt-{start + n}",
            candidate_assessment=candidate,
            type="started",
            payload={},
            fingerprint="0" * 64,
            response_status=200,
            response_body={},
        )
        for n in range(count)
    )


def _make_deliveries(count: int, member: User) -> None:
    account = Account.objects.filter(members=member).first() or factories.AccountFactory.create()
    account.members.add(member)
    integration = Integration.objects.create(account=account, provider="workable")
    candidate = factories.CandidateAssessmentFactory.create(
        assessment=factories.AssessmentFactory.create(account=account)
    )
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            integration=integration,
            candidate_assessment=candidate,
            kind=Delivery.Kind.STATUS,
            label="Status pending",
            payload={"status": "pending"},
            next_attempt_at=now,
        )
        for _ in range(count)
    )
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(
            delivery=delivery,
            integration=integration,
            number=1,
            started_at=now,
            outcome=DeliveryAttempt.Outcome.TRANSIENT,
        )
        for delivery in deliveries
    )


def _make_users(count: int, member: User) -> None:
    start = User.objects.count()
    User.objects.bulk_create(User(username=f"bulk{start + n}") for n in range(count))


def _make_groups(count: int, member: User) -> None:
    start = Group.objects.count()
    Group.objects.bulk_create(Group(name=f"Bulk group {start + n}") for n in range(count))


def _make_log_entries(count: int, member: User) -> None:
    start = Account.objects.count()
    for number in range(count):
        Account.objects.create(name=f"Logged account {start + number}")


def _make_access_attempts(count: int, member: User) -> None:
    start = AccessAttempt.objects.count()
    AccessAttempt.objects.bulk_create(
        AccessAttempt(username=f"guess{start + n}", ip_address="127.0.0.1", failures_since_start=1)
        for n in range(count)
    )


def _make_access_logs(count: int, member: User) -> None:
    AccessLog.objects.bulk_create(
        AccessLog(username=member.username, ip_address="127.0.0.1") for _ in range(count)
    )


def _make_access_failure_logs(count: int, member: User) -> None:
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(username=member.username, ip_address="127.0.0.1") for _ in range(count)
    )


def _make_two_factor_devices(count: int, member: User) -> None:
    start = User.objects.count()
    for n in range(count):
        user = User.objects.create(username=f"two-factor{start + n}", is_staff=True)
        StaffTOTPDevice.objects.create(user=user, name="Authenticator app")


def _make_personal_data_records(count: int, member: User) -> None:
    account = Account.objects.filter(members=member).first() or factories.AccountFactory.create()
    account.members.add(member)
    PersonalDataRecord.objects.bulk_create(
        PersonalDataRecord(account=account, action="export", actor=member.username)
        for _ in range(count)
    )


def _make_candidate_assessments(count: int, member: User) -> None:
    account = Account.objects.filter(members=member).first() or factories.AccountFactory.create()
    account.members.add(member)
    assessment = factories.AssessmentFactory.create(account=account)
    CandidateAssessment.objects.bulk_create(
        CandidateAssessment(
            account=account,
            assessment=assessment,
            email=f"candidate{n}@example.com",
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
        for n in range(count)
    )


def _make_issues(count: int, member: User) -> None:
    account = Account.objects.filter(members=member).first() or factories.AccountFactory.create()
    account.members.add(member)
    integration = Integration.objects.create(account=account, provider="workable")
    now = timezone.now()
    made = Issue.objects.bulk_create(
        Issue(
            integration=integration,
            type=Issue.Type.FIELD_GONE,
            subject=f"drift:field{Issue.objects.count() + number}",
            message="The mapped Workable field is gone.",
            first_seen_at=now,
            last_seen_at=now,
        )
        for number in range(count)
    )
    IssueEvent.objects.bulk_create(
        IssueEvent(issue=issue, action=IssueEvent.Action.OPENED, at=now) for issue in made
    )


ROW_MAKERS: dict[type, Callable[[int, User], None]] = {
    Account: _make_accounts,
    Assessment: _make_assessments,
    Integration: _make_integrations,
    EngineApiKey: _make_engine_keys,
    EngineEvent: _make_engine_events,
    Delivery: _make_deliveries,
    Issue: _make_issues,
    User: _make_users,
    Group: _make_groups,
    LogEntry: _make_log_entries,
    AccessAttempt: _make_access_attempts,
    AccessLog: _make_access_logs,
    AccessFailureLog: _make_access_failure_logs,
    StaffTOTPDevice: _make_two_factor_devices,
    PersonalDataRecord: _make_personal_data_records,
    CandidateAssessment: _make_candidate_assessments,
}
SCOPED_MODELS = [
    Account,
    Assessment,
    Integration,
    EngineApiKey,
    EngineEvent,
    Delivery,
    PersonalDataRecord,
    CandidateAssessment,
    Issue,
]


def test_it_knows_how_to_fill_every_list_page():
    # given the admins registered on the site
    # then each has a row maker below, so the constant-query test covers every list page
    missing = {model.__name__ for model in admin.site._registry} - {m.__name__ for m in ROW_MAKERS}
    assert missing == set(), "add a row maker to ROW_MAKERS for each new admin"


def _changelist_queries(
    client: Client, model: type, query: dict[str, str] | None = None
) -> tuple[int, int]:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client.get(url, query)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, query)
    assert response.status_code == 200
    return len(context.captured_queries), response.context["cl"].result_count


@pytest.mark.parametrize(
    ("model", "as_superuser"),
    [(model, True) for model in ROW_MAKERS] + [(model, False) for model in SCOPED_MODELS],
    ids=[f"{model.__name__} superuser" for model in ROW_MAKERS]
    + [f"{model.__name__} Harver Admin" for model in SCOPED_MODELS],
)
def test_it_lists_rows_in_a_constant_number_of_queries(client, db, model, as_superuser):
    # given a user and 5 rows of the list
    if as_superuser:
        user = factories.UserFactory.create(username="root", is_superuser=True)
    else:
        user = factories.UserFactory.create(username="hannah", harver_admin=True)
    client.force_login(user)
    ROW_MAKERS[model](5, user)
    few_queries, few_rows = _changelist_queries(client, model)

    # when the list grows to 200 rows and more
    ROW_MAKERS[model](195, user)
    many_queries, many_rows = _changelist_queries(client, model)

    # then the page costs the same number of queries
    assert many_rows >= 200 > few_rows
    assert many_queries == few_queries


def _account_type() -> str:
    from django.contrib.contenttypes.models import ContentType

    return str(ContentType.objects.get_for_model(Account).pk)


FILTERED_LISTS: dict[str, tuple[type, Callable[[], dict[str, str]]]] = {
    "engine events by response status": (EngineEvent, lambda: {"response_class": "2xx"}),
    "audit log by resource type": (LogEntry, lambda: {"resource_type": _account_type()}),
}


@pytest.mark.parametrize("name", FILTERED_LISTS)
def test_a_filtered_list_costs_a_constant_number_of_queries(client, db, name):
    # given a superuser and 5 rows the filter keeps
    model, query = FILTERED_LISTS[name]
    client.force_login(factories.UserFactory.create(username="root", is_superuser=True))
    ROW_MAKERS[model](5, User.objects.get(username="root"))
    few_queries, few_rows = _changelist_queries(client, model, query())

    # when the filtered list grows to 200 rows and more
    ROW_MAKERS[model](195, User.objects.get(username="root"))
    many_queries, many_rows = _changelist_queries(client, model, query())

    # then the page costs the same number of queries
    assert many_rows >= 200 > few_rows
    assert many_queries == few_queries
