"""`manage.py candidates reinvite|extend`: support acts on one candidate by email and account."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from assessments.models import CandidateAssessment
from harver_integration.history import COMMAND_LINE_ACTOR_PREFIX
from tests import factories

Status = CandidateAssessment.Status


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("candidates", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def candidate(db: None) -> CandidateAssessment:
    return factories.CandidateAssessmentFactory.create(
        email="Jane.Doe@example.com", expires_at=timezone.now() + datetime.timedelta(hours=5)
    )


def test_extend_names_what_it_did_and_the_history_names_the_command_line(
    candidate: CandidateAssessment,
) -> None:
    until = timezone.localdate() + datetime.timedelta(days=9)

    output = run(
        "extend", "--email", "jane.doe@EXAMPLE.com", "--account", str(candidate.account_id),
        "--until", until.isoformat(),
    )  # fmt: skip

    assert output.strip() == (
        f"Extended invitation {candidate.pk} of Jane.Doe@example.com to "
        f"{candidate.assessment.name}: deadline {until.isoformat()} 23:59 UTC."
    )
    candidate.refresh_from_db()
    assert timezone.localtime(candidate.expires_at).date() == until
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(CandidateAssessment),
        object_pk=str(candidate.pk),
    )
    assert (entry.actor_email or "").startswith(COMMAND_LINE_ACTOR_PREFIX)


def test_reinvite_emails_the_candidate_and_prints_json(
    candidate: CandidateAssessment, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        output = json.loads(
            run(
                "reinvite",
                "--email",
                "jane.doe@example.com",
                "--account",
                str(candidate.account_id),
                "--json",
            )
        )

    assert output["refused"] == []
    assert [row["id"] for row in output["done"]] == [candidate.pk]
    assert [message.to for message in mail.outbox] == [["Jane.Doe@example.com"]]


def test_it_acts_on_every_invitation_of_the_candidate_unless_narrowed(
    candidate: CandidateAssessment,
) -> None:
    other = factories.CandidateAssessmentFactory.create(
        account=candidate.account,
        assessment=factories.AssessmentFactory.create(account=candidate.account),
        email="jane.doe@example.com",
        expires_at=timezone.now() + datetime.timedelta(hours=5),
    )
    until = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()

    output = run(
        "extend", "--email", "jane.doe@example.com", "--account", str(candidate.account_id),
        "--assessment", str(other.assessment_id), "--until", until,
    )  # fmt: skip

    assert f"invitation {other.pk} " in output
    assert f"invitation {candidate.pk} " not in output


def test_it_exits_non_zero_naming_each_invitation_it_could_not_change(
    candidate: CandidateAssessment,
) -> None:
    CandidateAssessment.objects.filter(pk=candidate.pk).update(status=Status.COMPLETED)

    with pytest.raises(CommandError) as refusal:
        run("reinvite", "--email", candidate.email, "--account", str(candidate.account_id))

    assert str(refusal.value) == (
        f"Not re-invited invitation {candidate.pk} of Jane.Doe@example.com to "
        f"{candidate.assessment.name}: it is completed."
    )


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--account", "999"], r"No account with id or name '999'\."),
        (["--account", "{account}", "--assessment", "999"], r"No invitation of .* to assessment"),
    ],
)
def test_it_names_an_unknown_account_or_candidate(
    candidate: CandidateAssessment, arguments: list[str], problem: str
) -> None:
    filled = [value.format(account=candidate.account_id) for value in arguments]

    with pytest.raises(CommandError, match=problem):
        run("reinvite", "--email", candidate.email, *filled)


def test_extend_refuses_a_malformed_or_past_date(candidate: CandidateAssessment) -> None:
    account = str(candidate.account_id)
    with pytest.raises(CommandError, match=r"'next week' is not a date in the form YYYY-MM-DD"):
        run("extend", "--email", candidate.email, "--account", account, "--until", "next week")
    with pytest.raises(CommandError, match=r"2001-01-01 has passed"):
        run("extend", "--email", candidate.email, "--account", account, "--until", "2001-01-01")


@pytest.mark.django_db
def test_an_unknown_email_is_named(account: factories.Account) -> None:
    with pytest.raises(CommandError, match=r"No invitation of nobody@example\.com in "):
        run("extend", "--email", "nobody@example.com", "--account", str(account.pk),
            "--until", "2099-01-01")  # fmt: skip
