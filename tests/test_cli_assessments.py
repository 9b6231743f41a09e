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
        "--invitation-lifetime-days",
        "30",
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
        "invitation_lifetime_days": 30,
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
            "--invitation-lifetime-days",
            "400",
            "--json",
        )

    # then every problem is named and nothing was created
    message = str(refusal.value)
    assert f"already has an assessment with job code {taken}." in message
    assert "Competency 'Focus', weight: Ensure this value is greater than or equal to 1." in message
    assert "invitation_lifetime_days: Ensure this value is less than or equal to 365." in message
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
