"""`manage.py assessments`: add an account's assessments to the catalog, change how candidates
take them (completion window, reminders, language), and list them.

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
from assessments.deadlines import parse_reminder_hours
from assessments.models import DEFAULT_COMPLETION_DAYS, DEFAULT_LANGUAGE, Assessment
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


def reminder_hours(value: str) -> list[int]:
    try:
        return parse_reminder_hours(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_experience_arguments(parser: CommandParser, *, defaults: bool) -> None:
    """The options of how candidates take the assessment; `update` leaves unset ones alone."""
    parser.add_argument(
        "--completion-days",
        "--invitation-lifetime-days",
        dest="completion_days",
        type=int,
        default=DEFAULT_COMPLETION_DAYS if defaults else None,
        metavar="N",
        help="Days a candidate has to finish (1-365"
        + (", default %(default)s)." if defaults else ")."),
    )
    parser.add_argument(
        "--reminder-hours",
        type=reminder_hours,
        default=[] if defaults else None,
        metavar="H[,H...]",
        help="Remind the candidate this many hours before the deadline, e.g. 48,24; '' for none.",
    )
    parser.add_argument(
        "--reminder-days-after",
        type=int,
        default=None,
        metavar="N",
        help="Remind the candidate N days after the invitation email"
        + ("." if defaults else "; 0 for none."),
    )
    parser.add_argument(
        "--language",
        default=DEFAULT_LANGUAGE if defaults else None,
        metavar="CODE",
        help="Language of the candidate's pages and emails, one of settings.LANGUAGES"
        + (" (default %(default)s)." if defaults else "."),
    )
    parser.add_argument(
        "--language-from-browser",
        action=argparse.BooleanOptionalAction,
        default=False if defaults else None,
        help="Show the candidate's pages in their browser's language when it is shipped (emails "
        "keep --language)" + (" (default: off)." if defaults else "."),
    )


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
        add_experience_arguments(create, defaults=True)
        create.add_argument("--json", action="store_true", help="Print one JSON object.")

        update = subcommands.add_parser(
            "update", help="Change the completion window, reminders or language."
        )
        update.add_argument("id", type=id_argument, metavar="ID", help="The assessment's id.")
        add_experience_arguments(update, defaults=False)
        update.add_argument("--json", action="store_true", help="Print one JSON object.")

        listing = subcommands.add_parser("list", help="List an account's assessments.")
        listing.add_argument(
            "--account", type=id_argument, required=True, metavar="ID", help="The account's id."
        )
        listing.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        with history.command_line_actor():
            if options["subcommand"] == "update":
                self.update_assessment(options)
                return
            account = Account.objects.filter(pk=options["account"]).first()
            if account is None:
                raise CommandError(f"No account with id {options['account']}.")
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
                experience=services.CandidateExperience(
                    completion_days=options["completion_days"],
                    reminder_hours_before=options["reminder_hours"],
                    reminder_days_after=options["reminder_days_after"],
                    language=options["language"],
                    language_from_browser=options["language_from_browser"],
                ),
            )
        except services.AssessmentError as error:
            raise CommandError("\n".join(error.problems)) from error
        data = _assessment_data(assessment)
        self.emit(
            options, data, [f"Created assessment {assessment.pk} for {account}.", *_lines(data)]
        )

    def update_assessment(self, options: dict[str, Any]) -> None:
        assessment = Assessment.objects.filter(pk=options["id"]).first()
        if assessment is None:
            raise CommandError(f"No assessment with id {options['id']}.")
        changes = services.ExperienceChanges(
            completion_days=options["completion_days"],
            reminder_hours_before=options["reminder_hours"],
            reminder_days_after=options["reminder_days_after"],
            language=options["language"],
            language_from_browser=options["language_from_browser"],
        )
        try:
            changed = services.update_assessment(assessment, changes)
        except services.AssessmentError as error:
            raise CommandError("\n".join(error.problems)) from error
        data = _assessment_data(assessment)
        summary = (
            f"Updated assessment {assessment.pk}: {', '.join(changed)}."
            if changed
            else f"Assessment {assessment.pk} already had these settings; nothing changed."
        )
        self.emit(options, {**data, "changed": changed}, [summary, *_lines(data)])

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
        "completion_days": assessment.completion_days,
        "reminder_hours_before": assessment.reminder_hours_before,
        "reminder_days_after": assessment.reminder_days_after,
        "language": assessment.language,
        "language_from_browser": assessment.language_from_browser,
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
    reminders = [f"{hours} h before the deadline" for hours in data["reminder_hours_before"]]
    if data["reminder_days_after"]:
        reminders.append(f"{data['reminder_days_after']} day(s) after the invitation")
    language = data["language"] + (" or the browser's" if data["language_from_browser"] else "")
    return [
        f"{data['id']}: {data['name']} [{data['job_code']}], {state}, "
        f"{data['completion_days']} day(s) to complete, language {language}",
        f"    reminders: {', '.join(reminders) or 'none'}",
        f"    competencies: {competencies or 'none'}",
    ]
