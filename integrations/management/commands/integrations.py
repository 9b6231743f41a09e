"""`manage.py integrations`: set up, configure, inspect and switch integrations from a shell.

Support and scripts do here what the admin does, through the same services, so the same rules
apply. `--json` prints one JSON object on stdout; a refusal exits non-zero with every problem
named on stderr (and nothing on stdout). Secrets never appear: the provider's secret fields are
read from standard input only (see `integrations.management.credential_input`) and shown as
set or not set; the ATS to Harver token is printed once, when it is minted (create,
rotate-token).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Account
from assessments.models import Assessment
from assessments.reports import ReportType
from harver_integration import history
from harver_integration.ids import id_argument
from integrations import credential_rotation, services, stages
from integrations.management import credential_input, go_live_check
from integrations.models import (
    AssessmentFieldMapping,
    AtsCredential,
    InboundToken,
    Integration,
    Issue,
    ReportSettings,
    StageMapping,
)
from integrations.providers import UnknownProviderError
from integrations.registry import PROVIDERS

Options = dict[str, Any]


def _date(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _stage_data(mapping: StageMapping) -> dict[str, Any]:
    return {
        "stage": mapping.stage_name,
        "job_id": mapping.job_id or None,
        "assessment": {"id": mapping.assessment_id, "name": mapping.assessment.name},
    }


def _masked(last4: str) -> str | None:
    return f"…{last4}" if last4 else None


def _yes(value: bool) -> str:
    return "yes" if value else "no"


class Command(BaseCommand):
    help = "Create, configure, inspect, enable and disable ATS integrations."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

        def add(name: str, help_text: str, *, with_id: bool = True) -> CommandParser:
            subparser: CommandParser = subcommands.add_parser(name, help=help_text)
            if with_id:
                subparser.add_argument("id", type=id_argument, metavar="ID", help="Integration id.")
            subparser.add_argument("--json", action="store_true", help="Print one JSON object.")
            return subparser

        create = add(
            "create",
            "Create an integration and run its set-up; prints the ATS to Harver token once.",
            with_id=False,
        )
        create.add_argument(
            "--account", type=id_argument, required=True, metavar="ID", help="The account's id."
        )
        create.add_argument(
            "--ats", required=True, metavar="ATS", help=f"One of: {', '.join(PROVIDERS)}."
        )

        add("show", "Show the configuration and what stops enabling; never shows secrets.")

        credentials = add(
            "set-credentials",
            "Set the Harver to ATS credentials; options left out keep their value.",
        )
        credential_input.add_arguments(credentials)

        mapping = add("map-field", "Send one score of an assessment to an ATS field.")
        mapping.add_argument(
            "--assessment",
            type=id_argument,
            required=True,
            metavar="ID",
            help="The assessment's id.",
        )
        mapping.add_argument(
            "--score",
            required=True,
            metavar="SCORE",
            help="overall, recommendation, or the name of one of the assessment's competencies.",
        )
        mapping.add_argument(
            "--ats-field-id",
            default="",
            metavar="KEY",
            help="The ATS custom attribute key; required unless --off.",
        )
        mapping.add_argument("--off", action="store_true", help="Stop sending this score.")

        stage = add(
            "map-stage",
            "Invite to an assessment when an application enters an ATS stage (for an ATS that "
            "invites by stage).",
        )
        stage.add_argument(
            "--assessment",
            type=id_argument,
            required=True,
            metavar="ID",
            help="The assessment's id.",
        )
        stage.add_argument(
            "--stage",
            required=True,
            metavar="NAME",
            help="The stage's name, matched trimmed and ignoring case.",
        )
        stage.add_argument(
            "--job-id",
            default="",
            metavar="ID",
            help="Only this ATS job's stage (beats a mapping for every job); default every job.",
        )
        stage.add_argument(
            "--off", action="store_true", help="Remove the mapping of this stage (and job)."
        )

        valid_types = ", ".join(ReportType.values)
        reports = add("reports", "Choose the report links sent to the ATS.")
        reports.add_argument(
            "--enable",
            required=True,
            metavar="TYPE,...",
            help=f"Comma-separated report types to enable; the others are disabled. "
            f"Types: {valid_types}.",
        )
        reports.add_argument(
            "--results-link",
            required=True,
            metavar="TYPE",
            help="The enabled report type the ATS shows as the result link.",
        )
        reports.add_argument(
            "--link-lifetime-days",
            type=int,
            metavar="N",
            help="How long report links keep working (1-3650); unchanged if left out.",
        )

        sandbox = add(
            "sandbox",
            "Connect the integration to the built-in sandbox ATS, which it then alone calls, or "
            "back to the real ATS.",
        )
        switch = sandbox.add_mutually_exclusive_group(required=True)
        switch.add_argument("--on", action="store_true", help="Send every call to the sandbox.")
        switch.add_argument("--off", action="store_true", help="Send calls to the real ATS.")

        go_live_check.add_arguments(add("go-live-check", go_live_check.HELP))
        issues = add(
            "issues",
            "List the open issues (snoozed ones too), of one integration or of all.",
            with_id=False,
        )
        issues.add_argument(
            "id", type=id_argument, nargs="?", metavar="ID", help="Integration id (default: all)."
        )

        add("enable", "Enable the integration if every check passes; otherwise name each problem.")
        add("disable", "Disable the integration.")
        add("rotate-token", "Mint a new ATS to Harver token; the previous one stops working.")

    def handle(self, *args: Any, **options: Any) -> None:
        handlers: dict[str, Callable[[Options], None]] = {
            "create": self.create,
            "show": self.show,
            "set-credentials": self.set_credentials,
            "map-field": self.map_field,
            "map-stage": self.map_stage,
            "reports": self.reports,
            "enable": self.enable,
            "disable": self.disable,
            "rotate-token": self.rotate_token,
            "sandbox": self.sandbox,
            "go-live-check": self.go_live_check,
            "issues": self.issues,
        }
        try:
            with history.command_line_actor():
                handlers[options["subcommand"]](options)
        except services.IntegrationError as error:
            raise CommandError("\n".join(error.problems)) from error

    # --- Subcommands ----------------------------------------------------------------------------

    def create(self, options: Options) -> None:
        account = Account.objects.filter(pk=options["account"]).first()
        if account is None:
            raise CommandError(f"No account with id {options['account']}.")
        try:
            with transaction.atomic():
                integration = services.create_integration(account, options["ats"])
                result = services.run_setup(integration)
        except UnknownProviderError as error:
            raise CommandError(str(error)) from error
        integration.refresh_from_db()
        data: dict[str, Any] = {
            "id": integration.pk,
            "account_id": account.pk,
            "ats": integration.provider,
            "pattern": integration.pattern,
            "setup_state": integration.setup_state,
            "token": result.inbound_token,
            "inbound_setup": _inbound_setup(integration, result.inbound_token),
            "problems": services.local_problems(integration),
        }
        lines = [
            f"Created integration {integration.pk}: {integration} "
            f"(set-up {integration.get_setup_state_display().lower()}).",
            *_inbound_setup_lines(integration, data["inbound_setup"]),
            *self.problem_lines(data["problems"]),
        ]
        self.emit(options, data, lines)

    def show(self, options: Options) -> None:
        integration = self.integration(options)
        credential = AtsCredential.objects.filter(integration=integration).first()
        inbound = integration.inbound_tokens.active().first()
        report_settings = ReportSettings.objects.filter(integration=integration).first()
        mappings = list(integration.field_mappings.select_related("assessment", "competency"))
        data: dict[str, Any] = {
            "id": integration.pk,
            "account": {"id": integration.account_id, "name": integration.account.name},
            "ats": integration.provider,
            "pattern": integration.pattern,
            "enabled": integration.is_enabled,
            "sandbox": integration.is_sandbox,
            "setup_state": integration.setup_state,
            "last_error": integration.last_error or None,
            "last_error_at": _date(integration.last_error_at),
            "inbound_setup": _inbound_setup(integration, None),
            "credentials": credential_input.credential_data(integration.provider_impl, credential),
            "inbound_token": _inbound_data(inbound),
            "reports": _reports_data(report_settings),
            "field_mappings": [_mapping_data(mapping) for mapping in mappings],
            "stage_mappings": [_stage_data(row) for row in stages.stage_mappings(integration)],
            "problems": services.local_problems(integration),
        }
        lines = _show_lines(integration, mappings, data)
        lines += [f"Stage mapping: {row}" for row in stages.stage_mappings(integration)]
        self.emit(options, data, lines)

    def set_credentials(self, options: Options) -> None:
        integration = self.integration(options)
        provider = integration.provider_impl
        changes = credential_input.changes_from_options(options, provider)
        credential = services.set_ats_credentials(
            integration,
            expires_on=changes.expires_on,
            clear_expiry=changes.clear_expiry,
            **changes.values,
        )
        resumed = credential_rotation.resume_if_credentials_work(integration)
        data: dict[str, Any] = {
            "id": integration.pk,
            "credentials": credential_input.credential_data(provider, credential),
            "problems": services.local_problems(integration),
        }
        if resumed is not None:
            data["resumed_deliveries"] = resumed
        lines = [
            f"Updated the Harver to ATS credentials of integration {integration.pk}.",
            *(
                [f"{provider.label} accepts them: {resumed} waiting delivery(ies) resumed."]
                if resumed is not None
                else []
            ),
            *credential_input.credential_lines(provider, data["credentials"]),
            *self.problem_lines(data["problems"]),
        ]
        self.emit(options, data, lines)

    def map_field(self, options: Options) -> None:
        integration = self.integration(options)
        assessment = Assessment.objects.filter(pk=options["assessment"]).first()
        if assessment is None:
            raise CommandError(f"No assessment with id {options['assessment']}.")
        mapping = services.map_field(
            integration,
            assessment=assessment,
            score=options["score"],
            ats_field_id=options["ats_field_id"],
            send_status=not options["off"],
        )
        data = {"id": integration.pk, "field_mapping": _mapping_data(mapping)}
        self.emit(options, data, [f"Integration {integration.pk}: {_mapping_line(mapping)}"])

    def map_stage(self, options: Options) -> None:
        integration = self.integration(options)
        assessment = Assessment.objects.filter(pk=options["assessment"]).first()
        if assessment is None:
            raise CommandError(f"No assessment with id {options['assessment']}.")
        if options["off"]:
            stages.unmap_stage_named(integration, options["stage"], job_id=options["job_id"])
            line = f'Integration {integration.pk}: the stage "{options["stage"].strip()}" is no '
            line += "longer mapped."
        else:
            mapping = stages.map_stage(
                integration,
                assessment=assessment,
                stage_name=options["stage"],
                job_id=options["job_id"],
            )
            line = f"Integration {integration.pk}: {mapping}."
        data = {
            "id": integration.pk,
            "stage_mappings": [_stage_data(row) for row in stages.stage_mappings(integration)],
        }
        self.emit(options, data, [line])

    def reports(self, options: Options) -> None:
        integration = self.integration(options)
        names = [name.strip() for name in options["enable"].split(",") if name.strip()]
        unknown = [
            name
            for name in dict.fromkeys([*names, options["results_link"]])
            if name not in ReportType.values
        ]
        if unknown:
            raise CommandError(
                "\n".join(
                    [f"Unknown report type '{name}'." for name in unknown]
                    + [f"Valid report types: {', '.join(ReportType.values)}."]
                )
            )
        report_settings = services.configure_reports(
            integration,
            enabled=[ReportType(name) for name in names],
            results_link=ReportType(options["results_link"]),
            link_lifetime_days=options["link_lifetime_days"],
        )
        data = {"id": integration.pk, "reports": _reports_data(report_settings)}
        lines = [f"Updated the reports of integration {integration.pk}.", *_reports_lines(data)]
        self.emit(options, data, lines)

    def go_live_check(self, options: Options) -> None:
        go_live_check.run(self.integration(options), options, self.stdout)

    def enable(self, options: Options) -> None:
        integration = self.integration(options)
        outcome = services.enable_integration(integration)
        if not outcome.enabled:
            raise CommandError(
                "\n".join(
                    [f"Integration {integration.pk} was not enabled:"]
                    + [f"- {problem}" for problem in outcome.problems]
                )
            )
        self.emit(
            options,
            {"id": integration.pk, "enabled": True},
            [f"Enabled integration {integration.pk}: {integration}."],
        )

    def disable(self, options: Options) -> None:
        integration = self.integration(options)
        services.disable_integration(integration)
        self.emit(
            options,
            {"id": integration.pk, "enabled": False},
            [f"Disabled integration {integration.pk}: {integration}."],
        )

    def sandbox(self, options: Options) -> None:
        integration = services.set_sandbox(self.integration(options), on=bool(options["on"]))
        where = (
            "the sandbox ATS"
            if integration.is_sandbox
            else f"the real {integration.get_provider_display()}"
        )
        self.emit(
            options,
            {"id": integration.pk, "sandbox": integration.is_sandbox},
            [f"Integration {integration.pk} now calls {where} only."],
        )

    def issues(self, options: Options) -> None:
        open_issues = Issue.objects.exclude(state=Issue.State.RESOLVED).select_related(
            "integration__account"
        )
        if options["id"] is not None:
            open_issues = open_issues.filter(integration=self.integration(options))
        rows = [_issue_data(issue) for issue in open_issues.order_by("-last_seen_at", "-id")]
        lines = [
            f"{row['type']} on integration {row['integration']['id']} "
            f"({row['integration']['name']}): opened {row['opened']}, last seen "
            f"{row['last_seen']}, {row['count']} time(s){_snoozed(row)}\n  {row['message']}"
            for row in rows
        ] or ["No open issues."]
        self.emit(options, {"issues": rows}, lines)

    def rotate_token(self, options: Options) -> None:
        integration = self.integration(options)
        token = services.rotate_inbound_token(integration)
        setup = _inbound_setup(integration, token)
        data = {"id": integration.pk, "token": token, "inbound_setup": setup}
        ats = integration.provider_impl.label
        lines = [
            *_inbound_setup_lines(integration, setup),
            f"The previous token has stopped working; paste the new one into {ats} now.",
        ]
        self.emit(options, data, lines)

    # --- Helpers --------------------------------------------------------------------------------

    def integration(self, options: Options) -> Integration:
        integration = Integration.objects.select_related("account").filter(pk=options["id"]).first()
        if integration is None:
            raise CommandError(f"No integration with id {options['id']}.")
        return integration

    def problem_lines(self, problems: list[str]) -> list[str]:
        if not problems:
            return ["Nothing stops enabling it."]
        return ["Still to do before enabling:", *(f"  - {problem}" for problem in problems)]

    def emit(self, options: Options, data: dict[str, Any], lines: list[str]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(data))
        else:
            self.stdout.write("\n".join(lines))


# --- Presentation: the same facts as JSON data and as readable lines ----------------------------


def _inbound_setup(integration: Integration, token: str | None) -> list[dict[str, str]]:
    """What the admin pastes into the ATS; the token only when it was just minted."""
    setup = integration.provider_impl.inbound_setup(integration, token or None)
    return [{"label": label, "value": value} for label, value in setup]


def _inbound_setup_lines(integration: Integration, setup: list[dict[str, str]]) -> list[str]:
    ats = integration.provider_impl.label
    return [
        f"Paste into {ats} (the ATS to Harver token is shown only this once):",
        *(f"  {item['label']}: {item['value']}" for item in setup),
    ]


def _issue_data(issue: Issue) -> dict[str, Any]:
    return {
        "id": issue.pk,
        "type": issue.type,
        "integration": {"id": issue.integration_id, "name": str(issue.integration)},
        "state": issue.state,
        "snoozed_until": _date(issue.snoozed_until),
        "opened": _date(issue.first_seen_at),
        "last_seen": _date(issue.last_seen_at),
        "count": issue.count,
        "message": issue.message,
        "evidence_url": issue.evidence_url or None,
    }


def _snoozed(row: dict[str, Any]) -> str:
    return f", snoozed until {row['snoozed_until']}" if row["snoozed_until"] else ""


def _inbound_data(token: InboundToken | None) -> dict[str, Any] | None:
    if token is None:
        return None
    return {"token_last4": token.token_last4, "created_at": _date(token.created_at)}


def _reports_data(report_settings: ReportSettings | None) -> dict[str, Any] | None:
    if report_settings is None:
        return None
    return {
        "enabled": [report_type.value for report_type in report_settings.enabled_types()],
        "results_link": report_settings.results_link,
        "link_lifetime_days": report_settings.link_lifetime_days,
        "hide_personal_data": report_settings.hide_personal_data,
    }


def _mapping_data(mapping: AssessmentFieldMapping) -> dict[str, Any]:
    return {
        "assessment": {"id": mapping.assessment_id, "name": mapping.assessment.name},
        "score": mapping.score,
        "competency": mapping.competency.name if mapping.competency else None,
        "send": mapping.send_status,
        "ats_field_id": mapping.ats_field_id or None,
    }


def _mapping_line(mapping: AssessmentFieldMapping) -> str:
    if mapping.send_status:
        target = f"sent to {mapping.ats_field_id}"
    elif mapping.ats_field_id:
        target = f"not sent (field {mapping.ats_field_id} kept)"
    else:
        target = "not sent"
    assessment = f"{mapping.assessment.name} (assessment {mapping.assessment_id})"
    return f"{assessment}, {mapping.score_label}: {target}"


def _reports_lines(data: dict[str, Any]) -> list[str]:
    reports = data["reports"]
    if reports is None:
        return ["  not set up"]
    enabled = ", ".join(ReportType(value).label for value in reports["enabled"])
    return [
        f"  enabled: {enabled or 'none'}",
        f"  results link: {ReportType(reports['results_link']).label}",
        f"  link lifetime: {reports['link_lifetime_days']} day(s)",
        f"  hide personal data: {_yes(reports['hide_personal_data'])}",
    ]


def _show_lines(
    integration: Integration, mappings: list[AssessmentFieldMapping], data: dict[str, Any]
) -> list[str]:
    inbound = data["inbound_token"]
    inbound_line = (
        f"{_masked(inbound['token_last4'])} (active since {inbound['created_at']})"
        if inbound
        else "none active"
    )
    last_error = f"{data['last_error']} ({data['last_error_at']})" if data["last_error"] else "none"
    problems = data["problems"]
    return [
        f"Integration {integration.pk}: {integration}",
        f"  account: {integration.account_id} ({integration.account.name})",
        f"  enabled: {_yes(integration.is_enabled)}",
        f"  sandbox: {_yes(integration.is_sandbox)}",
        f"  pattern: {integration.get_pattern_display()}",
        f"  set-up: {integration.get_setup_state_display()}",
        f"  last error: {last_error}",
        *(f"  {item['label']}: {item['value']}" for item in data["inbound_setup"]),
        f"  ATS to Harver token: {inbound_line}",
        "Harver to ATS credentials",
        *credential_input.credential_lines(integration.provider_impl, data["credentials"]),
        "Reports",
        *_reports_lines(data),
        "Field mappings",
        *([f"  {_mapping_line(mapping)}" for mapping in mappings] or ["  none"]),
        "Problems before enabling" if problems else "Nothing stops enabling it.",
        *(f"  - {problem}" for problem in problems),
    ]
