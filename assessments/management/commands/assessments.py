"""`manage.py assessments`: add an account's assessments to the catalog and list them.

Support sets up the catalog before an integration can offer anything to the ATS; scripts read
`--json` (one object on stdout). Refusals exit non-zero with every problem named on stderr.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Account
from assessments import services
from assessments.models import DEFAULT_INVITATION_LIFETIME_DAYS, Assessment
from harver_integration import history
from harver_integration.ids import MAX_ID, id_argument

COMPETENCY_HELP = (
    "A scored competency, as NAME or NAME:WEIGHT (weight 1-100, default "
    f"{services.DEFAULT_COMPETENCY_WEIGHT}); repeat in display order. Whatever follows the last "
    "colon is read as the weight, so a name that itself contains a colon needs an explicit "
    "weight, e.g. 'Ratio: reasoning:1'."
)


def competency_spec(value: str) -> services.CompetencySpec:
    name, colon, weight = value.rpartition(":")
    if not colon:
        return services.CompetencySpec(name=value)
    digits = weight.strip()
    # A weight is a small number: more digits than an id holds are refused as well.
    if not digits.isascii() or not digits.isdigit() or len(digits) > len(str(MAX_ID)):
        raise argparse.ArgumentTypeError(
            f"'{value}': the weight after the last colon must be a whole number."
        )
    return services.CompetencySpec(name=name, weight=int(digits))


class Command(BaseCommand):
    help = "Create and list the assessments an account offers to its ATS."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

        create = subcommands.add_parser("create", help="Create an assessment with competencies.")
        create.add_argument(
            "--account", type=id_argument, required=True, metavar="ID", help="The account's id."
        )
        create.add_argument("--name", required=True, help="Shown to recruiters and candidates.")
        create.add_argument(
            "--job-code", required=True, metavar="CODE", help="Harver job code; unique per account."
        )
        create.add_argument(
            "--competency",
            dest="competencies",
            type=competency_spec,
            action="append",
            required=True,
            metavar="NAME[:WEIGHT]",
            help=COMPETENCY_HELP,
        )
        create.add_argument(
            "--inactive", action="store_true", help="Create it switched off (not offered)."
        )
        create.add_argument(
            "--invitation-lifetime-days",
            type=int,
            default=DEFAULT_INVITATION_LIFETIME_DAYS,
            metavar="N",
            help="Days a candidate has to finish (1-365, default %(default)s).",
        )
        create.add_argument("--json", action="store_true", help="Print one JSON object.")

        listing = subcommands.add_parser("list", help="List an account's assessments.")
        listing.add_argument(
            "--account", type=id_argument, required=True, metavar="ID", help="The account's id."
        )
        listing.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        account = Account.objects.filter(pk=options["account"]).first()
        if account is None:
            raise CommandError(f"No account with id {options['account']}.")
        with history.command_line_actor():
            if options["subcommand"] == "create":
                self.create_assessment(account, options)
            else:
                self.list_assessments(account, options)

    def create_assessment(self, account: Account, options: dict[str, Any]) -> None:
        try:
            assessment = services.create_assessment(
                account,
                name=options["name"],
                job_code=options["job_code"],
                competencies=options["competencies"],
                is_active=not options["inactive"],
                invitation_lifetime_days=options["invitation_lifetime_days"],
            )
        except services.AssessmentError as error:
            raise CommandError("\n".join(error.problems)) from error
        data = _assessment_data(assessment)
        self.emit(
            options, data, [f"Created assessment {assessment.pk} for {account}.", *_lines(data)]
        )

    def list_assessments(self, account: Account, options: dict[str, Any]) -> None:
        assessments = Assessment.objects.filter(account=account).prefetch_related("competencies")
        rows = [_assessment_data(assessment) for assessment in assessments]
        lines = [line for row in rows for line in _lines(row)] or [f"{account} has no assessments."]
        self.emit(options, {"account_id": account.pk, "assessments": rows}, lines)

    def emit(self, options: dict[str, Any], data: dict[str, Any], lines: list[str]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(data))
        else:
            self.stdout.write("\n".join(lines))


def _assessment_data(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "account_id": assessment.account_id,
        "name": assessment.name,
        "job_code": assessment.job_code,
        "active": assessment.is_active,
        "invitation_lifetime_days": assessment.invitation_lifetime_days,
        "competencies": [
            {"id": competency.pk, "name": competency.name, "weight": competency.weight}
            for competency in assessment.competencies.all()
        ],
    }


def _lines(data: dict[str, Any]) -> list[str]:
    state = "active" if data["active"] else "inactive"
    competencies = ", ".join(
        f"{competency['name']} (weight {competency['weight']})"
        for competency in data["competencies"]
    )
    return [
        f"{data['id']}: {data['name']} [{data['job_code']}], {state}, "
        f"invitations last {data['invitation_lifetime_days']} day(s)",
        f"    competencies: {competencies or 'none'}",
    ]
