"""`manage.py candidates export|erase --email E --account A`, as support runs them."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from assessments.models import CandidateAssessment
from tests.personal_data.support import ZEPHYRINE, known_candidate

pytestmark = pytest.mark.django_db


def run(*arguments: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("candidates", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_prints_json_on_stdout_and_names_what_it_did_on_stderr():
    known = known_candidate(ZEPHYRINE)

    out, err = run("export", "--email", ZEPHYRINE.email, "--account", str(known.account.pk))

    data = json.loads(out)
    assert data["candidate_assessments"][0]["first_name"] == ZEPHYRINE.first_name
    assert err.strip() == f"Exported 1 candidate assessment(s) of {ZEPHYRINE.email} in Acme Retail."


def test_erase_by_account_name_prints_the_receipt():
    known = known_candidate(ZEPHYRINE)

    out, _ = run("erase", "--email", ZEPHYRINE.email, "--account", "acme retail")

    assert out.startswith(
        f"Erased the personal data of 1 candidate assessment(s) of {ZEPHYRINE.email} in Acme Retail"
    )
    assert "  deliveries cancelled before sending: " in out
    assert "  candidate assessments anonymised: 1" in out
    assert CandidateAssessment.objects.get(pk=known.candidate_assessment.pk).email == ""


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (
            ["--email", ZEPHYRINE.email, "--account", "999999"],
            "No account with id or name '999999'",
        ),
        (["--email", ZEPHYRINE.email, "--account", "Nobody Inc"], "No account with id or name"),
        (["--email", "nobody@example.org", "--account", "Acme Retail"], "holds no personal data"),
    ],
)
@pytest.mark.parametrize("subcommand", ["export", "erase"])
def test_each_subcommand_exits_non_zero_naming_the_problem(subcommand, arguments, problem):
    known_candidate(ZEPHYRINE)

    with pytest.raises(CommandError, match=problem):
        run(subcommand, *arguments)


def test_a_second_erasure_of_the_same_candidate_says_there_is_nothing_left():
    known = known_candidate(ZEPHYRINE)
    run("erase", "--email", ZEPHYRINE.email, "--account", str(known.account.pk))

    with pytest.raises(CommandError, match="already erased or anonymised"):
        run("erase", "--email", ZEPHYRINE.email, "--account", str(known.account.pk))
