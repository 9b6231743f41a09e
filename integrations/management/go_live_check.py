"""`manage.py integrations go-live-check ID [--live] [--json]`: the go-live check from a shell.

Support scripts and monitoring read exactly this: with `--json`, one object
`{"ok": true|false, "steps": [{"name", "ok", "message"}, ...]}` on stdout; otherwise one line
per step (✔ or ✖, its name and its sentence) and, for a dry run, what the next completed
result would send. The exit status is 0 only when every step passed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser, OutputWrapper

from harver_integration.ids import id_argument
from integrations import golive
from integrations.models import Integration

HELP = (
    "Check step by step that the integration is ready for real candidates; a dry run unless "
    "--live. Exits 0 only when every step passed."
)


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--live",
        action="store_true",
        help="Also send a synthetic test candidate through the real ATS (where it allows it), "
        "read it back and clean up.",
    )
    parser.add_argument(
        "--job",
        default="",
        metavar="JOB",
        help="With --live: the ATS test job (its id or shortcode) for the test candidate.",
    )
    parser.add_argument(
        "--candidate-assessment",
        type=id_argument,
        metavar="ID",
        help="Preview the next result of this candidate assessment instead of a synthetic one.",
    )


def run(integration: Integration, options: dict[str, Any], stdout: OutputWrapper) -> None:
    try:
        report = golive.run(
            integration,
            live=options["live"],
            job=options["job"],
            candidate_assessment_id=options["candidate_assessment"],
        )
    except golive.GoLiveError as error:
        raise CommandError(str(error)) from error
    if options["json"]:
        stdout.write(json.dumps(report.as_json()))
    else:
        stdout.write("\n".join(report_lines(integration, report)))
    if not report.ok:
        failed = sum(1 for step in report.steps if not step.ok)
        raise CommandError(f"The go-live check failed: {failed} step(s) ✖.", returncode=1)


def report_lines(integration: Integration, report: golive.GoLiveReport) -> list[str]:
    kind = "live check" if report.live else "dry run"
    lines = [f"Go-live check of integration {integration.pk}: {integration} ({kind})"]
    lines += [f"{'✔' if step.ok else '✖'} {step.name}: {step.message}" for step in report.steps]
    if report.preview and not report.live:
        lines.append(f"The next completed result, of {report.sample}, would send:")
        for delivery in report.preview:
            where = f" → {delivery.url}" if delivery.url else ""
            lines.append(f"  {delivery.label}{where}")
            lines.append(f"    {json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True)}")
    lines.append("All steps passed." if report.ok else "Fix each ✖ and run the check again.")
    return lines
