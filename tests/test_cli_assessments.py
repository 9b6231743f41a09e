"""`manage.py assessments`: support fills an account's assessment catalog from a shell."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.models import Assessment
from tests import factories


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> Any:
    return json.loads(run(*args, "--json"))


def test_it_creates_an_assessment_with_weighted_competencies(account: factories.Account) -> None:
    # when an inactive assessment is created with one default and one explicit weight
    output = run_json(
        "assessments",
        "create",
        "--account",
        str(account.pk),
        "--name",
        "Warehouse operative",
        "--job-code",
        "WH-01",
        "--competency",
        "Conscientiousness",
        "--competency",
        "Numerical reasoning:3",
        "--inactive",
        "--completion-days",
        "30",
        "--reminder-hours",
        "48,24",
        "--reminder-days-after",
        "3",
        "--language",
        "nl",
        "--language-from-browser",
    )

    # then it is stored as asked, competencies in order, and the JSON describes it
    assessment = Assessment.objects.get(job_code="WH-01")
    competencies = list(assessment.competencies.order_by("position"))
    assert output == {
        "id": assessment.pk,
        "account_id": account.pk,
        "name": "Warehouse operative",
        "job_code": "WH-01",
        "active": False,
        "completion_days": 30,
        "reminder_hours_before": [48, 24],
        "reminder_days_after": 3,
        "language": "nl",
        "language_from_browser": True,
        "competencies": [
            {"id": competencies[0].pk, "name": "Conscientiousness", "weight": 1},
            {"id": competencies[1].pk, "name": "Numerical reasoning", "weight": 3},
        ],
    }
    assert not assessment.is_active


def test_it_lists_the_accounts_assessments(assessments: list[factories.Assessment]) -> None:
    # given an account with two assessments, and another account's assessment
    factories.AssessmentFactory.create()
    account_id = assessments[0].account_id

    # when that account's assessments are listed
    output = run_json("assessments", "list", "--account", str(account_id))

    # then only its two appear, with their competencies
    assert output["account_id"] == account_id
    assert sorted(row["id"] for row in output["assessments"]) == sorted(a.pk for a in assessments)
    names = {
        row["job_code"]: [c["name"] for c in row["competencies"]] for row in output["assessments"]
    }
    assert names[assessments[0].job_code] == ["Conscientiousness", "Agreeableness"]


def test_it_lists_readable_lines(assessments: list[factories.Assessment]) -> None:
    output = run("assessments", "list", "--account", str(assessments[0].account_id))

    assert f"[{assessments[0].job_code}], active" in output
    assert "competencies: Conscientiousness (weight 1), Agreeableness (weight 1)" in output


@pytest.mark.django_db
def test_it_refuses_an_unknown_account() -> None:
    with pytest.raises(CommandError, match=r"No account with id 999\."):
        run("assessments", "list", "--account", "999")


def test_it_refuses_a_duplicate_job_code_and_bad_numbers_naming_each(
    assessments: list[factories.Assessment],
) -> None:
    # given an existing assessment's job code
    account_id = assessments[0].account_id
    taken = assessments[0].job_code

    # when a new one reuses it, with a weight and a lifetime out of range
    with pytest.raises(CommandError) as refusal:
        run(
            "assessments",
            "create",
            "--account",
            str(account_id),
            "--name",
            "Driver",
            "--job-code",
            taken,
            "--competency",
            "Focus:0",
            "--completion-days",
            "400",
            "--json",
        )

    # then every problem is named and nothing was created
    message = str(refusal.value)
    assert f"already has an assessment with job code {taken}." in message
    assert "Competency 'Focus', weight: Ensure this value is greater than or equal to 1." in message
    assert "completion_days: Ensure this value is less than or equal to 365." in message
    assert not Assessment.objects.filter(name="Driver").exists()


def test_it_refuses_a_competency_listed_twice(account: factories.Account) -> None:
    with pytest.raises(CommandError, match=r"The competency 'focus' is listed twice\."):
        run(
            "assessments",
            "create",
            "--account",
            str(account.pk),
            "--name",
            "Driver",
            "--job-code",
            "DR-1",
            "--competency",
            "Focus",
            "--competency",
            "focus:2",
        )


def test_it_refuses_a_weight_that_is_not_a_number(account: factories.Account) -> None:
    with pytest.raises(CommandError, match="'Focus:high': the weight after the last colon"):
        run(
            "assessments",
            "create",
            "--account",
            str(account.pk),
            "--name",
            "Driver",
            "--job-code",
            "DR-1",
            "--competency",
            "Focus:high",
        )


def test_a_new_assessment_gives_seven_days_no_reminders_in_english(
    account: factories.Account,
) -> None:
    output = run_json(
        "assessments",
        "create",
        *("--account", str(account.pk), "--name", "Cashier", "--job-code", "CA-1"),
        *("--competency", "Focus"),
    )

    assert output["completion_days"] == 7
    assert output["reminder_hours_before"] == []
    assert output["reminder_days_after"] is None
    assert output["language"] == "en"
    assert output["language_from_browser"] is False


def test_the_old_lifetime_option_still_sets_the_completion_window(
    account: factories.Account,
) -> None:
    output = run_json(
        "assessments",
        "create",
        *("--account", str(account.pk), "--name", "Cashier", "--job-code", "CA-1"),
        *("--competency", "Focus", "--invitation-lifetime-days", "10"),
    )

    assert output["completion_days"] == 10


def test_update_changes_only_what_is_given_and_names_it(
    assessments: list[factories.Assessment],
) -> None:
    # given an assessment with a 14-day window
    assessment = assessments[0]
    assessment.completion_days = 14
    assessment.save()

    # when support sets its language and reminders
    output = run(
        "assessments",
        "update",
        str(assessment.pk),
        *("--language", "nl", "--reminder-hours", "48,24", "--reminder-days-after", "2"),
    )

    # then those change, the window stays, and the command says what it did
    assessment.refresh_from_db()
    assert (assessment.language, assessment.reminder_hours_before) == ("nl", [48, 24])
    assert (assessment.reminder_days_after, assessment.completion_days) == (2, 14)
    assert (
        f"Updated assessment {assessment.pk}: reminder_hours_before, reminder_days_after, "
        "language." in output
    )
    assert "reminders: 48 h before the deadline, 24 h before the deadline, 2 day(s) after" in (
        output
    )


def test_update_clears_reminders_with_empty_and_zero(
    assessments: list[factories.Assessment],
) -> None:
    assessment = assessments[0]
    assessment.reminder_hours_before = [24]
    assessment.reminder_days_after = 2
    assessment.save()

    output = run_json(
        "assessments",
        "update",
        str(assessment.pk),
        *("--reminder-hours", "", "--reminder-days-after", "0"),
    )

    assessment.refresh_from_db()
    assert assessment.reminder_hours_before == []
    assert assessment.reminder_days_after is None
    assert output["changed"] == ["reminder_hours_before", "reminder_days_after"]


def test_update_with_nothing_new_says_so(assessments: list[factories.Assessment]) -> None:
    assessment = assessments[0]

    output = run("assessments", "update", str(assessment.pk), "--language", "en")

    assert f"Assessment {assessment.pk} already had these settings; nothing changed." in output


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (["--language", "xx"], "language: 'xx' is not a language we ship; choose"),
        (["--completion-days", "0"], "completion_days: Ensure this value is greater than"),
        (
            ["--completion-days", "2", "--reminder-hours", "72"],
            "A reminder 72 hour(s) before the deadline is outside the completion window: "
            "give 1 to 47.",
        ),
        (["--reminder-hours", "24,24"], "Each reminder's hours may be given once."),
        (["--reminder-days-after", "400"], "reminder_days_after: Ensure this value is less"),
    ],
)
def test_update_refuses_bad_values_naming_them_and_changes_nothing(
    assessments: list[factories.Assessment], options: list[str], problem: str
) -> None:
    assessment = assessments[0]
    before = (assessment.language, assessment.completion_days, assessment.reminder_hours_before)

    with pytest.raises(CommandError) as refusal:
        run("assessments", "update", str(assessment.pk), *options)

    assert problem in str(refusal.value)
    assessment.refresh_from_db()
    assert (
        assessment.language,
        assessment.completion_days,
        assessment.reminder_hours_before,
    ) == before


def test_update_refuses_hours_that_are_no_number(assessments: list[factories.Assessment]) -> None:
    with pytest.raises(CommandError, match=r"'soon' is not a whole number of hours\."):
        run("assessments", "update", str(assessments[0].pk), "--reminder-hours", "48,soon")


@pytest.mark.django_db
def test_update_refuses_an_unknown_assessment() -> None:
    with pytest.raises(CommandError, match=r"No assessment with id 999\."):
        run("assessments", "update", "999", "--language", "nl")


@pytest.mark.parametrize(
    ("option", "before", "after"),
    [("--language-from-browser", False, True), ("--no-language-from-browser", True, False)],
)
def test_update_lets_the_browser_choose_the_language_or_not(
    assessments: list[factories.Assessment], option: str, before: bool, after: bool
) -> None:
    # given an assessment whose pages follow the browser, or not
    assessment = assessments[0]
    assessment.language_from_browser = before
    assessment.save()

    # when support switches that, leaving the rest alone
    output = run("assessments", "update", str(assessment.pk), option)

    # then only that changes, and the command and the listing say so
    assessment.refresh_from_db()
    assert (assessment.language_from_browser, assessment.language) == (after, "en")
    assert f"Updated assessment {assessment.pk}: language_from_browser." in output
    assert ("language en or the browser's" in output) is after
    assert "already had these settings" in run("assessments", "update", str(assessment.pk), option)
