"""`candidates reinvite` and `candidates extend`: the admin's invitation actions from a shell.

`--assessment ID` narrows the candidate's invitations to one; `--json` prints one object. What
was done goes to standard output; when some invitation could not be changed the command exits
non-zero naming each.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account
from assessments import candidate_actions
from assessments.models import CandidateAssessment
from harver_integration.dates import iso_date
from harver_integration.ids import id_argument

HELP = {
    "reinvite": "Email a fresh link with a new deadline; the old links stop working.",
    "extend": "Move the deadline to the end of a day; an expired invitation reopens.",
}


def add_arguments(name: str, parser: CommandParser) -> None:
    parser.add_argument(
        "--assessment",
        type=id_argument,
        metavar="ID",
        help="Only the candidate's invitation to this assessment (its id).",
    )
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    if name == "extend":
        parser.add_argument(
            "--until",
            type=iso_date,
            required=True,
            metavar="YYYY-MM-DD",
            help="The last day the candidate may finish (until 23:59 that day).",
        )


def candidates(account: Account, options: dict[str, Any]) -> QuerySet[CandidateAssessment]:
    """The candidate's invitations the options name; refuses naming why when there are none."""
    email = options["email"].strip()
    found = CandidateAssessment.objects.filter(account=account, email__iexact=email)
    if options["assessment"] is not None:
        found = found.filter(assessment_id=options["assessment"])
    found = found.select_related("assessment", "account").order_by("created_at", "pk")
    if not found.exists():
        which = f" to assessment {options['assessment']}" if options["assessment"] else ""
        raise CommandError(f"No invitation of {email}{which} in {account} (account {account.pk}).")
    return found


def _name(candidate_assessment: CandidateAssessment) -> str:
    return (
        f"invitation {candidate_assessment.pk} of {candidate_assessment.email} to "
        f"{candidate_assessment.assessment.name}"
    )


def _deadline(candidate_assessment: CandidateAssessment) -> str:
    return timezone.localtime(candidate_assessment.expires_at).strftime("%Y-%m-%d %H:%M %Z")


def _report(
    command: BaseCommand, options: dict[str, Any], outcome: candidate_actions.Outcome, did: str
) -> None:
    for row in outcome.done:
        row.refresh_from_db(fields=["status", "expires_at"])
    if options["json"]:
        data = {
            "done": [
                {"id": row.pk, "status": row.status, "deadline": row.expires_at.isoformat()}
                for row in outcome.done
            ],
            "refused": [{"id": row.pk, "problem": problem} for row, problem in outcome.refused],
        }
        command.stdout.write(json.dumps(data))
    else:
        command.stdout.write(
            "\n".join(
                f"{did.capitalize()} {_name(row)}: deadline {_deadline(row)}."
                for row in outcome.done
            )
        )
    if outcome.refused:
        raise CommandError(
            "\n".join(f"Not {did} {_name(row)}: {problem}" for row, problem in outcome.refused)
        )


def run(name: str, command: BaseCommand, account: Account, options: dict[str, Any]) -> None:
    found = candidates(account, options)
    if name == "reinvite":
        _report(command, options, candidate_actions.reinvite(found), "re-invited")
        return
    try:
        outcome = candidate_actions.extend(found, options["until"])
    except candidate_actions.ActionError as error:
        raise CommandError(str(error)) from error
    _report(command, options, outcome, "extended")
