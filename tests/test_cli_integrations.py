"""`manage.py integrations`: support sets up and switches integrations from a shell.

The command goes through the same services as the admin; these tests check what it adds: the
arguments, the output (JSON and readable), refusals that exit non-zero naming each problem, and
that secrets never reach the output or the database in plain.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from assessments.models import Assessment
from harver_integration.tokens import ATS_TOKEN, hash_token
from integrations.models import AssessmentFieldMapping, InboundToken, Integration, ReportSettings
from tests import factories

WORKABLE_TOKEN = "wk-live-Secret-7f3a9c2e1d"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> Any:
    return json.loads(run(*args, "--json"))


def give_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def set_credentials(
    monkeypatch: pytest.MonkeyPatch, integration: Integration, *extra: str
) -> dict[str, Any]:
    give_stdin(monkeypatch, WORKABLE_TOKEN + "\n")
    return run_json(
        "integrations",
        "set-credentials",
        str(integration.pk),
        "--subdomain",
        "acme",
        "--token-stdin",
        *extra,
    )


def rows_of(table: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchall()


# --- create -------------------------------------------------------------------------------------


def test_it_creates_and_sets_up_an_integration(
    account: factories.Account, assessments: list[Assessment], public_base_url: str
) -> None:
    # when support creates a Workable integration for the account
    output = run_json("integrations", "create", "--account", str(account.pk), "--ats", "workable")

    # then it is set up, and what the admin pastes into the ATS is printed once, token included
    integration = Integration.objects.get(pk=output["id"])
    assert integration.account_id == account.pk
    assert output["ats"] == "workable"
    assert output["setup_state"] == Integration.SetupState.READY == integration.setup_state
    assert output["inbound_setup"] == [
        {"label": "Provider base URL", "value": f"{public_base_url}/api/workable"},
        {"label": "Token", "value": output["token"]},
    ]
    assert ATS_TOKEN.is_well_formed(output["token"])
    assert integration.inbound_tokens.active().get().token_hash == hash_token(output["token"])
    # and what is still missing before it can be enabled is listed
    assert "No Workable subdomain is set (Credentials, Harver to ATS)." in output["problems"]


def test_it_creates_with_readable_output(account: factories.Account) -> None:
    output = run("integrations", "create", "--account", str(account.pk), "--ats", "workable")

    assert "Paste into Workable (the ATS to Harver token is shown only this once):" in output
    assert "  Token: hvr_ats_" in output
    assert "Still to do before enabling:" in output


@pytest.mark.django_db
def test_it_refuses_to_create_for_an_unknown_account() -> None:
    with pytest.raises(CommandError, match=r"No account with id 42\."):
        run("integrations", "create", "--account", "42", "--ats", "workable")


def test_it_refuses_an_unknown_ats_and_creates_nothing(account: factories.Account) -> None:
    with pytest.raises(CommandError, match=r"Unknown ATS 'lever'; known: workable, greenhouse\."):
        run("integrations", "create", "--account", str(account.pk), "--ats", "lever")

    assert not Integration.objects.exists()


# --- show ---------------------------------------------------------------------------------------


def test_it_shows_the_configuration_without_any_token(
    integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given credentials with a token, a note author and an expiry, and a mapped score
    set_credentials(monkeypatch, integration, "--expires", "2031-01-31", "--member-id", "m-7")
    assessment = Assessment.objects.filter(account=integration.account).first()
    assert assessment is not None
    run(
        "integrations",
        "map-field",
        str(integration.pk),
        "--assessment",
        str(assessment.pk),
        "--score",
        "overall",
        "--ats-field-id",
        "harver_overall",
    )
    inbound = integration.inbound_tokens.active().get()

    # when the integration is shown, as JSON and as text
    output = run_json("integrations", "show", str(integration.pk))
    text = run("integrations", "show", str(integration.pk))

    # then the token appears in neither, only its last four characters
    assert WORKABLE_TOKEN not in json.dumps(output)
    assert WORKABLE_TOKEN not in text
    assert output["credentials"] == {
        "subdomain": "acme",
        "token": {
            "set": True,
            "ends_with": WORKABLE_TOKEN[-4:],
            "set_at": output["credentials"]["token"]["set_at"],
            "readable": True,
        },
        "note_author_member_id": "m-7",
        "expires_on": "2031-01-31",
        "verified_at": None,
    }
    assert f"API token: …{WORKABLE_TOKEN[-4:]}" in text
    assert output["inbound_token"]["token_last4"] == inbound.token_last4
    # and the rest of the configuration is there
    assert output["enabled"] is False
    assert output["pattern"] == "ats_first_ad_hoc"
    assert output["reports"] == {
        "enabled": ["readonly_candidate_details_page", "signed_report"],
        "results_link": "readonly_candidate_details_page",
        "link_lifetime_days": 365,
        "hide_personal_data": False,
    }
    overall = [
        mapping
        for mapping in output["field_mappings"]
        if mapping["assessment"]["id"] == assessment.pk and mapping["score"] == "overall"
    ]
    assert overall == [
        {
            "assessment": {"id": assessment.pk, "name": assessment.name},
            "score": "overall",
            "competency": None,
            "send": True,
            "ats_field_id": "harver_overall",
        }
    ]
    assert output["problems"] == []
    assert "Nothing stops enabling it." in text


def test_it_shows_the_enabling_problems(integration: Integration) -> None:
    output = run_json("integrations", "show", str(integration.pk))

    assert output["problems"] == [
        "No Workable subdomain is set (Credentials, Harver to ATS).",
        "No Workable API token is set (Credentials, Harver to ATS).",
    ]


@pytest.mark.django_db
def test_it_names_an_unknown_integration() -> None:
    with pytest.raises(CommandError, match=r"No integration with id 42\."):
        run("integrations", "show", "42")


@pytest.mark.django_db
@pytest.mark.parametrize("integration_id", ["abc", "²", "٣", "9" * 400])
def test_it_refuses_an_id_that_is_not_a_number(integration_id: str) -> None:
    with pytest.raises(CommandError, match=f"'{integration_id}' is not an id"):
        run("integrations", "show", integration_id)


# --- set-credentials ----------------------------------------------------------------------------


def test_it_stores_the_token_from_stdin_encrypted(
    integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    # when the token is piped in
    output = set_credentials(monkeypatch, integration, "--expires", "2031-01-31")

    # then the credential is set, and the output carries only the last four characters
    assert output["credentials"]["subdomain"] == "acme"
    assert output["credentials"]["token"]["ends_with"] == WORKABLE_TOKEN[-4:]
    assert output["credentials"]["expires_on"] == "2031-01-31"
    assert WORKABLE_TOKEN not in json.dumps(output)
    integration.ats_credential.refresh_from_db()
    assert integration.ats_credential.secret("token") == WORKABLE_TOKEN
    # and the plaintext is nowhere in the credential table or the configuration history
    assert rows_of("integrations_atscredential")
    for table in ("integrations_atscredential", "auditlog_logentry"):
        assert not any(WORKABLE_TOKEN in str(cell) for row in rows_of(table) for cell in row)


def test_it_refuses_an_empty_stdin(
    integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given nothing but a newline on stdin
    give_stdin(monkeypatch, "\n")

    # when credentials are set from it
    with pytest.raises(CommandError, match="No API token on standard input"):
        run(
            "integrations",
            "set-credentials",
            str(integration.pk),
            "--subdomain",
            "acme",
            "--token-stdin",
        )

    # then nothing changed
    integration.ats_credential.refresh_from_db()
    assert integration.ats_credential.value("subdomain") == ""
    assert not integration.ats_credential.has_secret("token")


def test_it_clears_the_expiry_and_keeps_the_token(
    integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a token with an expiry
    set_credentials(monkeypatch, integration, "--expires", "2031-01-31")

    # when the expiry is cleared
    output = run_json("integrations", "set-credentials", str(integration.pk), "--clear-expires")

    # then it is gone and the token stays
    assert output["credentials"]["expires_on"] is None
    assert output["credentials"]["token"]["ends_with"] == WORKABLE_TOKEN[-4:]
    integration.ats_credential.refresh_from_db()
    assert integration.ats_credential.expires_on is None


def test_it_refuses_a_new_expiry_and_clearing_it_together(integration: Integration) -> None:
    with pytest.raises(CommandError, match="not allowed with argument"):
        run(
            "integrations",
            "set-credentials",
            str(integration.pk),
            "--expires",
            "2031-01-31",
            "--clear-expires",
        )


def test_it_refuses_a_date_that_is_not_iso(
    integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CommandError, match=r"'31/01/2031' is not a date in the form YYYY-MM-DD\."):
        set_credentials(monkeypatch, integration, "--expires", "31/01/2031")


def test_it_names_an_invalid_subdomain(integration: Integration) -> None:
    with pytest.raises(CommandError, match="subdomain: Enter the subdomain only"):
        run(
            "integrations",
            "set-credentials",
            str(integration.pk),
            "--subdomain",
            "acme.workable.com",
        )


def test_it_refuses_to_set_nothing(integration: Integration) -> None:
    with pytest.raises(CommandError, match="Nothing to change"):
        run("integrations", "set-credentials", str(integration.pk))


# --- map-field ----------------------------------------------------------------------------------


def test_it_maps_a_competency_score_and_turns_it_off(
    integration: Integration, assessments: list[Assessment]
) -> None:
    # when a competency's score is mapped (any case), then switched off
    args = [
        "integrations",
        "map-field",
        str(integration.pk),
        "--assessment",
        str(assessments[0].pk),
    ]
    mapped = run_json(*args, "--score", "agreeableness", "--ats-field-id", "harver_agree")
    switched_off = run_json(
        *args, "--score", "Agreeableness", "--ats-field-id", "harver_agree", "--off"
    )

    # then the mapping follows
    assert mapped["field_mapping"]["competency"] == "Agreeableness"
    assert mapped["field_mapping"]["send"] is True
    assert switched_off["field_mapping"]["send"] is False
    mapping = AssessmentFieldMapping.objects.get(
        integration=integration, competency__name="Agreeableness"
    )
    assert (mapping.ats_field_id, mapping.send_status) == ("harver_agree", False)


def test_it_names_a_score_the_assessment_lacks(
    integration: Integration, assessments: list[Assessment]
) -> None:
    with pytest.raises(CommandError, match="'Empathy' is not a score of"):
        run(
            "integrations",
            "map-field",
            str(integration.pk),
            "--assessment",
            str(assessments[0].pk),
            "--score",
            "Empathy",
            "--ats-field-id",
            "x",
        )


def test_it_names_an_unknown_assessment(integration: Integration) -> None:
    with pytest.raises(CommandError, match=r"No assessment with id 999\."):
        run(
            "integrations",
            "map-field",
            str(integration.pk),
            "--assessment",
            "999",
            "--score",
            "overall",
            "--ats-field-id",
            "x",
        )


def test_it_refuses_another_accounts_assessment(integration: Integration) -> None:
    other = factories.AssessmentFactory.create()

    with pytest.raises(CommandError, match=f"Assessment {other.pk} belongs to another account."):
        run(
            "integrations",
            "map-field",
            str(integration.pk),
            "--assessment",
            str(other.pk),
            "--score",
            "overall",
            "--ats-field-id",
            "x",
        )


# --- reports ------------------------------------------------------------------------------------


def test_it_configures_the_reports(integration: Integration) -> None:
    output = run_json(
        "integrations",
        "reports",
        str(integration.pk),
        "--enable",
        "pdf_report, candidate_details_page",
        "--results-link",
        "pdf_report",
        "--link-lifetime-days",
        "30",
    )

    assert output["reports"] == {
        "enabled": ["candidate_details_page", "pdf_report"],
        "results_link": "pdf_report",
        "link_lifetime_days": 30,
        "hide_personal_data": False,
    }
    report_settings = ReportSettings.objects.get(integration=integration)
    assert not report_settings.signed_report


def test_it_names_an_unknown_report_type_and_the_valid_ones(integration: Integration) -> None:
    with pytest.raises(CommandError) as refusal:
        run(
            "integrations",
            "reports",
            str(integration.pk),
            "--enable",
            "pdf_report,html_report",
            "--results-link",
            "pdf_report",
        )

    message = str(refusal.value)
    assert "Unknown report type 'html_report'." in message
    assert (
        "Valid report types: candidate_details_page, readonly_candidate_details_page, "
        "pdf_report, signed_report." in message
    )


def test_it_refuses_a_results_link_that_is_not_enabled(integration: Integration) -> None:
    with pytest.raises(CommandError, match=r"The results link \(PDF Report URL\) must be one of"):
        run(
            "integrations",
            "reports",
            str(integration.pk),
            "--enable",
            "signed_report",
            "--results-link",
            "pdf_report",
        )


def test_it_refuses_a_link_lifetime_out_of_range(integration: Integration) -> None:
    with pytest.raises(CommandError, match="between 1 and 3650 days"):
        run(
            "integrations",
            "reports",
            str(integration.pk),
            "--enable",
            "signed_report",
            "--results-link",
            "signed_report",
            "--link-lifetime-days",
            "0",
        )


# --- enable, disable ----------------------------------------------------------------------------


def test_it_refuses_to_enable_naming_every_problem(integration: Integration) -> None:
    # given no credentials and no report type enabled
    ReportSettings.objects.filter(integration=integration).update(
        readonly_candidate_details_page=False, signed_report=False
    )

    # when support enables it
    with pytest.raises(CommandError) as refusal:
        run("integrations", "enable", str(integration.pk), "--json")

    # then each problem is named, and it stays disabled
    message = str(refusal.value)
    assert f"Integration {integration.pk} was not enabled:" in message
    assert "- No Workable subdomain is set (Credentials, Harver to ATS)." in message
    assert "- No Workable API token is set (Credentials, Harver to ATS)." in message
    assert "- No report type is enabled (Harver to ATS, Reports)." in message
    integration.refresh_from_db()
    assert not integration.is_enabled


def test_it_refuses_to_enable_with_an_expired_token(
    integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_credentials(monkeypatch, integration, "--expires", "2020-01-01")

    with pytest.raises(CommandError, match="The Workable API token expired on 2020-01-01"):
        run("integrations", "enable", str(integration.pk))


def test_it_enables_and_disables_a_complete_integration(
    integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given credentials (the set-up left the rest ready)
    set_credentials(monkeypatch, integration)

    # when it is enabled, then disabled
    enabled = run_json("integrations", "enable", str(integration.pk))
    integration.refresh_from_db()
    was_enabled = integration.is_enabled
    disabled = run_json("integrations", "disable", str(integration.pk))
    integration.refresh_from_db()

    # then each step took effect
    assert enabled == {"id": integration.pk, "enabled": True}
    assert was_enabled
    assert disabled == {"id": integration.pk, "enabled": False}
    assert not integration.is_enabled


# --- rotate-token -------------------------------------------------------------------------------


def test_it_rotates_the_inbound_token(integration: Integration, public_base_url: str) -> None:
    # given the token the set-up minted
    old = integration.inbound_tokens.active().get()

    # when it is rotated
    output = run_json("integrations", "rotate-token", str(integration.pk))

    # then the old hash is revoked and the new token is the active one
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert ATS_TOKEN.is_well_formed(output["token"])
    assert integration.inbound_tokens.active().get().token_hash == hash_token(output["token"])
    assert output["inbound_setup"] == [
        {"label": "Provider base URL", "value": f"{public_base_url}/api/workable"},
        {"label": "Token", "value": output["token"]},
    ]
    assert InboundToken.objects.filter(integration=integration).count() == 2
