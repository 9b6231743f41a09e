"""Issues: each type opens when the scan finds it and resolves when it is gone; one mail per
issue, digests for repeats; snooze and resolve by hand; two scans at once stay single."""

from __future__ import annotations

import datetime
import json

import pytest
import responses
from cryptography.fernet import Fernet
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AccountContact
from integrations import inbound_counts, issue_checks, issue_mail, issues, tasks
from integrations.models import (
    AtsCredential,
    Delivery,
    InboundRequestCount,
    Integration,
    Issue,
    PauseCause,
)
from tests import outbox_rows
from tests.admin_support import private_cache, staff_member  # noqa: F401 (fixtures)
from tests.workable.delivery_support import MEMBER_ID, configure
from tests.workable.test_verification import workable_answers

pytestmark = pytest.mark.usefixtures("private_cache")
Type = Issue.Type
State = Issue.State


@pytest.fixture
def enabled(account) -> Integration:
    integration, _assessment = configure(account)
    return integration


def scan(now: datetime.datetime | None = None) -> issues.ScanCounts:
    return issues.scan(issue_checks.FREQUENT_CHECKS, now=now or timezone.now())


def open_issues(integration: Integration) -> list[tuple[str, str]]:
    return sorted(
        (issue.type, issue.subject)
        for issue in Issue.objects.filter(integration=integration).exclude(state=State.RESOLVED)
    )


def only_issue(integration: Integration, issue_type: str) -> Issue:
    return Issue.objects.get(integration=integration, type=issue_type)


# --- Each type opens and resolves ---------------------------------------------------------------


def test_credentials_refused_opens_on_a_401_and_resolves_after_a_success(enabled):
    now = timezone.now()
    row = outbox_rows.delivery(enabled, state=Delivery.State.FAILED)
    outbox_rows.attempt(row, outcome="permanent", http_status=401, started_at=now)

    assert scan().opened == 1
    issue = only_issue(enabled, Type.CREDENTIALS_REFUSED)
    assert "Workable refused the credentials" in issue.message
    assert (
        issue.evidence_url
        == f"{reverse('admin:integrations_delivery_timeline')}?integration={enabled.pk}"
    )

    outbox_rows.attempt(outbox_rows.delivery(enabled))
    assert scan().resolved == 1
    assert open_issues(enabled) == []


def test_credentials_refused_resolves_once_a_new_credential_is_entered(enabled):
    now = timezone.now()
    row = outbox_rows.delivery(enabled, state=Delivery.State.FAILED)
    outbox_rows.attempt(row, outcome="permanent", http_status=403, started_at=now)
    scan()
    assert open_issues(enabled) == [(Type.CREDENTIALS_REFUSED, "")]

    AtsCredential.objects.filter(integration=enabled).update(updated_at=timezone.now())
    scan()
    assert open_issues(enabled) == []


def test_credentials_refused_opens_while_the_deliveries_are_paused_for_a_401(enabled):
    Integration.objects.filter(pk=enabled.pk).update(
        deliveries_paused_at=timezone.now(),
        pause_cause=PauseCause.CREDENTIALS_REFUSED,
        paused_reason="Workable rejected the credentials (HTTP 401): Not authorized.",
    )
    scan()
    issue = only_issue(enabled, Type.CREDENTIALS_REFUSED)
    assert issue.message.startswith("Workable rejected the credentials (HTTP 401): Not authorized.")
    assert "deliveries are paused" in issue.message

    Integration.objects.filter(pk=enabled.pk).update(
        deliveries_paused_at=None, pause_cause="", paused_reason=""
    )
    scan()
    assert open_issues(enabled) == []


def test_credential_expiring_warns_at_each_step_and_resolves_when_renewed(enabled):
    today = timezone.now().date()
    credential = AtsCredential.objects.get(integration=enabled)
    credential.expires_on = today + datetime.timedelta(days=20)
    credential.save()
    scan()
    assert open_issues(enabled) == [(Type.CREDENTIAL_EXPIRING, f"{credential.expires_on}:30")]

    AtsCredential.objects.filter(pk=credential.pk).update(
        expires_on=today + datetime.timedelta(days=5)
    )
    counts = scan()
    expires = today + datetime.timedelta(days=5)
    assert (counts.opened, counts.resolved) == (1, 1)
    assert open_issues(enabled) == [(Type.CREDENTIAL_EXPIRING, f"{expires}:7")]
    assert f"expires on {expires}: in 5 day(s)" in Issue.objects.get(state=State.OPEN).message

    AtsCredential.objects.filter(pk=credential.pk).update(
        expires_on=today + datetime.timedelta(days=365)
    )
    scan()
    assert open_issues(enabled) == []


def test_credential_unreadable_opens_when_the_key_is_gone_and_resolves_when_it_is_back(
    enabled, settings
):
    keys = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    scan()
    issue = only_issue(enabled, Type.CREDENTIAL_UNREADABLE)
    assert "API token cannot be read" in issue.message

    settings.FIELD_ENCRYPTION_KEYS = keys
    scan()
    assert open_issues(enabled) == []


def test_deliveries_failing_needs_half_of_at_least_the_minimum_and_resolves_below(enabled):
    outbox_rows.attempts(enabled, succeeded=0, failed=4)
    scan()
    assert open_issues(enabled) == []  # 4 attempts: fewer than ISSUE_FAILING_MIN_ATTEMPTS

    outbox_rows.attempts(enabled, succeeded=1, failed=0)
    scan()
    issue = only_issue(enabled, Type.DELIVERIES_FAILING)
    assert issue.message.startswith("4 of 5 delivery attempts failed in the last 24 h")

    outbox_rows.attempts(enabled, succeeded=4, failed=0)
    scan()  # 4 of 9: under half
    assert open_issues(enabled) == []


def test_deliveries_failing_follows_the_threshold_settings(enabled, settings):
    settings.ISSUE_FAILING_MIN_ATTEMPTS = 2
    settings.ISSUE_FAILING_RATIO = 0.9
    outbox_rows.attempts(enabled, succeeded=1, failed=2)
    scan()
    assert open_issues(enabled) == []
    settings.ISSUE_FAILING_RATIO = 0.6
    scan()
    assert open_issues(enabled) == [(Type.DELIVERIES_FAILING, "")]


def test_old_attempts_do_not_count_as_failing(enabled):
    now = timezone.now()
    outbox_rows.attempts(enabled, succeeded=0, failed=6, at=now - datetime.timedelta(hours=25))
    scan()
    assert open_issues(enabled) == []


def test_backlog_opens_when_the_oldest_waits_too_long_and_resolves_once_delivered(enabled):
    now = timezone.now()
    waiting = outbox_rows.delivery(
        enabled, state=Delivery.State.PENDING, created_at=now - datetime.timedelta(minutes=59)
    )
    scan()
    assert open_issues(enabled) == []

    later = now + datetime.timedelta(minutes=2)
    scan(later)
    assert "the oldest for 61 minutes" in only_issue(enabled, Type.BACKLOG).message

    Delivery.objects.filter(pk=waiting.pk).update(state=Delivery.State.SUCCEEDED)
    scan(later)
    assert open_issues(enabled) == []


def test_held_deliveries_of_a_disabled_integration_are_no_backlog(enabled):
    now = timezone.now()
    outbox_rows.delivery(
        enabled, state=Delivery.State.HELD, created_at=now - datetime.timedelta(days=2)
    )
    scan()
    assert open_issues(enabled) == []


def test_a_field_delivery_failing_for_good_opens_field_gone_until_one_succeeds(enabled):
    now = timezone.now()
    label = "Field harver_score (Overall matching score)"
    outbox_rows.delivery(
        enabled,
        kind=Delivery.Kind.FIELD,
        label=label,
        state=Delivery.State.FAILED,
        finished_at=now - datetime.timedelta(minutes=10),
    )
    scan()
    issue = only_issue(enabled, Type.FIELD_GONE)
    assert issue.subject == f"delivery:{label}"
    assert label in issue.message

    outbox_rows.delivery(
        enabled,
        kind=Delivery.Kind.FIELD,
        label=label,
        state=Delivery.State.SUCCEEDED,
        finished_at=now,
    )
    scan()
    assert open_issues(enabled) == []


def test_inbound_errors_open_on_many_4xx_from_one_caller_and_resolve_when_they_stop(
    enabled, settings
):
    settings.ISSUE_INBOUND_ERRORS_PER_HOUR = 3
    for _ in range(3):
        inbound_counts.count("workable", enabled.pk, 422)
    inbound_counts.count("workable", enabled.pk, 200)
    assert InboundRequestCount.objects.get(status=422).count == 3

    scan()
    assert "refused 3 times in one hour" in only_issue(enabled, Type.INBOUND_ERRORS).message

    scan(timezone.now() + datetime.timedelta(hours=2))
    assert open_issues(enabled) == []


@responses.activate
def test_the_nightly_drift_check_finds_a_gone_note_author_and_field(enabled, monkeypatch):
    monkeypatch.setattr(
        type(enabled.provider_impl), "field_options", lambda self, integration: [("other", "O")]
    )
    workable_answers(members=[{"id": "someone-else", "name": "Sam"}])

    issues.scan([issue_checks.ats_drift])

    assert open_issues(enabled) == [
        (Type.FIELD_GONE, "drift:harver_c"),
        (Type.FIELD_GONE, "drift:harver_score"),
        (Type.NOTE_AUTHOR_GONE, f"drift:{MEMBER_ID}"),
    ]
    # The frequent scan does not decide drift issues.
    scan()
    assert len(open_issues(enabled)) == 3

    monkeypatch.setattr(
        type(enabled.provider_impl),
        "field_options",
        lambda self, integration: [("harver_score", "S"), ("harver_c", "C")],
    )
    responses.reset()
    workable_answers()
    issues.scan([issue_checks.ats_drift])
    assert open_issues(enabled) == []


@responses.activate
def test_an_ats_that_cannot_be_asked_leaves_drift_issues_as_they_are(enabled, monkeypatch):
    monkeypatch.setattr(
        type(enabled.provider_impl), "field_options", lambda self, integration: [("other", "O")]
    )
    workable_answers(members=[{"id": "someone-else", "name": "Sam"}])
    issues.scan([issue_checks.ats_drift])
    responses.reset()
    workable_answers(jobs=401, candidates=401, requisitions=401, members=[])
    responses.replace(responses.GET, "https://acme.workable.com/spi/v3/members", status=401)

    issues.scan([issue_checks.ats_drift])

    assert len(open_issues(enabled)) == 3


def test_disabled_integrations_have_no_issues(enabled):
    Integration.objects.filter(pk=enabled.pk).update(is_enabled=False)
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    scan()
    assert open_issues(enabled) == []


# --- Mail: once per issue, digests for repeats --------------------------------------------------


def test_a_new_issue_is_mailed_once_to_the_contacts_and_support(enabled, settings):
    settings.HARVER_SUPPORT_EMAIL = "support@harver.test"
    account_services.set_contacts(enabled.account, ["ops@acme.test", "it@acme.test"])
    outbox_rows.attempts(enabled, succeeded=0, failed=6)

    for _ in range(5):
        tasks.scan_issues.run()
        private_cache_clear()
        outbox_rows.attempts(enabled, succeeded=0, failed=3)

    assert len(mail.outbox) == 1
    [message] = mail.outbox
    assert sorted(message.to) == ["it@acme.test", "ops@acme.test", "support@harver.test"]
    assert "Deliveries failing" in message.subject
    assert f"/admin/integrations/delivery/timeline/?integration={enabled.pk}" in message.body
    assert only_issue(enabled, Type.DELIVERIES_FAILING).count == 5


def test_two_issues_are_two_mails_and_a_resolved_one_found_again_soon_is_not_mailed_again(
    enabled,
):
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    credential = AtsCredential.objects.get(integration=enabled)
    AtsCredential.objects.filter(pk=credential.pk).update(
        expires_on=timezone.now().date() + datetime.timedelta(days=3)
    )
    scan()
    assert issue_mail.notify_new() == 2

    issue = only_issue(enabled, Type.DELIVERIES_FAILING)
    issues.resolve(issue)
    scan()
    assert issue_mail.notify_new() == 0
    issue.refresh_from_db()
    assert issue.state == State.OPEN
    assert [event.action for event in issue.events.all()] == [
        "opened",
        "mailed",
        "resolved",
        "reopened",
    ]


def test_a_problem_back_after_the_quiet_period_is_a_new_issue_and_a_new_mail(enabled):
    now = timezone.now()
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    scan()
    issue_mail.notify_new()
    issues.resolve(only_issue(enabled, Type.DELIVERIES_FAILING), now=now)
    scan(now + datetime.timedelta(hours=25))  # the attempts are older than the window now
    outbox_rows.attempts(enabled, succeeded=0, failed=6, at=now + datetime.timedelta(hours=25))

    scan(now + datetime.timedelta(hours=25))

    assert Issue.objects.filter(integration=enabled, type=Type.DELIVERIES_FAILING).count() == 2
    assert issue_mail.notify_new() == 1


def test_repeats_go_into_one_digest_per_account_at_most_daily(enabled):
    now = timezone.now()
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    scan(now)
    issue_mail.notify_new(now)
    assert issue_mail.send_digests(now + datetime.timedelta(hours=1)) == 0

    later = now + datetime.timedelta(hours=25)
    outbox_rows.attempts(enabled, succeeded=0, failed=6, at=later)
    scan(later)
    assert issue_mail.send_digests(later) == 1
    assert issue_mail.send_digests(later + datetime.timedelta(hours=1)) == 0
    digest = mail.outbox[-1]
    assert "still open and were found again" in digest.body
    assert "Deliveries failing" in digest.body
    assert len(mail.outbox) == 2


def test_a_mail_that_cannot_be_sent_is_tried_again(enabled, monkeypatch):
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    scan()

    def refuse(self, fail_silently=False):
        raise OSError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert issue_mail.notify_new() == 0
    monkeypatch.undo()
    assert issue_mail.notify_new() == 1


# --- Two schedulers ------------------------------------------------------------------------------


def test_a_scan_that_lost_the_race_counts_on_the_issue_the_other_opened(enabled):
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    finding = issue_checks.deliveries_failing(timezone.now()).findings[0]
    assert issues._open(finding, timezone.now())

    assert not issues._open(finding, timezone.now())

    issue = only_issue(enabled, Type.DELIVERIES_FAILING)
    assert issue.count == 2


def test_the_periodic_scan_runs_once_while_another_holds_its_turn(enabled):
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    tasks.scan_issues.run()
    Issue.objects.all().delete()
    tasks.scan_issues.run()  # within ISSUE_SCAN_SECONDS: the other scheduler's turn
    assert Issue.objects.count() == 0


# --- By hand --------------------------------------------------------------------------------


def test_snoozed_issues_stay_out_of_digests_and_wake_when_the_snooze_ends(enabled):
    now = timezone.now()
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    scan(now)
    issue_mail.notify_new(now)
    issue = only_issue(enabled, Type.DELIVERIES_FAILING)
    issues.snooze(issue, now + datetime.timedelta(days=2), actor=None, now=now)

    later = now + datetime.timedelta(hours=25)
    outbox_rows.attempts(enabled, succeeded=0, failed=6, at=later)
    scan(later)
    assert issue_mail.send_digests(later) == 0

    scan(now + datetime.timedelta(days=2, minutes=1))
    issue.refresh_from_db()
    assert issue.state == State.OPEN
    assert issue.snoozed_until is None
    assert [event.action for event in issue.events.all()] == ["opened", "mailed", "snoozed", "woke"]


def test_the_admin_resolves_and_snoozes_and_keeps_the_history(client: Client, enabled):
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    scan()
    issue = only_issue(enabled, Type.DELIVERIES_FAILING)
    user = staff_member(enabled.account, username="hannah")
    client.force_login(user)
    changelist = reverse("admin:integrations_issue_changelist")

    page = client.get(changelist).content.decode()
    assert "Deliveries failing" in page

    response = client.post(
        changelist, {"action": "snooze_week", "_selected_action": [issue.pk]}, follow=True
    )
    assert "1 issue(s) snoozed until" in response.content.decode()
    client.post(changelist, {"action": "resolve_selected", "_selected_action": [issue.pk]})
    issue.refresh_from_db()
    assert issue.state == State.RESOLVED
    assert issue.resolved_by == user

    detail = client.get(reverse("admin:integrations_issue_change", args=[issue.pk]))
    text = detail.content.decode()
    assert "Snoozed" in text
    assert "Resolved" in text
    assert 'name="_save"' not in text  # the scan owns the fields: the page only shows them
    assert "hannah" in text


def test_other_accounts_issues_are_not_shown(client: Client, enabled):
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    scan()
    issue = only_issue(enabled, Type.DELIVERIES_FAILING)
    from tests import factories

    client.force_login(staff_member(factories.AccountFactory.create(), username="other"))
    assert (
        client.get(reverse("admin:integrations_issue_change", args=[issue.pk])).status_code == 404
    )


# --- The command line -----------------------------------------------------------------------


def test_the_issues_command_lists_open_issues_as_json_and_text(enabled, capsys):
    outbox_rows.attempts(enabled, succeeded=0, failed=6)
    scan()

    call_command("integrations", "issues", str(enabled.pk), "--json")
    data = json.loads(capsys.readouterr().out)
    [row] = data["issues"]
    assert row["type"] == "deliveries_failing"
    assert row["integration"]["id"] == enabled.pk
    assert row["count"] == 1
    assert {"opened", "last_seen", "message"} <= set(row)

    call_command("integrations", "issues")
    assert "deliveries_failing on integration" in capsys.readouterr().out


def test_the_issues_command_names_an_unknown_integration(db):
    with pytest.raises(CommandError, match="No integration with id 999"):
        call_command("integrations", "issues", "999")


def test_set_contacts_replaces_the_list_and_refuses_bad_addresses(account, capsys):
    call_command(
        "accounts",
        "set-contacts",
        str(account.pk),
        "--email",
        "a@x.example",
        "--email",
        "A@X.example",
        "--email",
        "b@x.example",
        "--json",
    )
    assert json.loads(capsys.readouterr().out)["contacts"] == ["A@X.example", "b@x.example"]

    with pytest.raises(CommandError, match="'nope' is not an email address"):
        call_command("accounts", "set-contacts", str(account.pk), "--email", "nope")
    assert AccountContact.objects.filter(account=account).count() == 2

    call_command("accounts", "set-contacts", str(account.pk), "--clear")
    assert AccountContact.objects.filter(account=account).count() == 0
    with pytest.raises(CommandError, match="No account with id 999"):
        call_command("accounts", "set-contacts", "999", "--email", "a@x.example")


def private_cache_clear() -> None:
    from django.core.cache import cache

    cache.clear()
