"""The go-live check: is this integration ready for real candidates? One step per question.

Every step is a plain sentence with ✔ or ✖ and, when it fails, what to do. The ATS is asked
through the provider's own credential check (`Provider.verify_credentials`, the one "Verify
credentials" and enabling run): its topics are the steps "credentials accepted", "every scope",
"note author" and "mapped fields". The core adds what is the same for every ATS: every enabled
report type renders for a sample result, the offered tests are what the ATS will list, and the
inbound token works from outside (`inbound_probe`).

The dry run (the default) also shows exactly what the next completed result would send
(`golive_preview`: done and rolled back), and writes nothing but its own result. `live` goes on,
only when every step passed and only where the provider offers it, to a synthetic candidate in
the real tenant (`Provider.go_live_round_trip`). The last run is kept on the integration for
the overview (`go_live_report`, `go_live_checked_at`), and the history records each run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from harver_integration import history
from integrations import inbound
from integrations.golive_preview import (
    Preview,
    PreviewDelivery,
    PreviewError,
    preview_next_result,
)
from integrations.inbound_probe import check_inbound_token
from integrations.models import Integration
from integrations.provider_types import CheckTopic, GoLiveStep

REPORTS_STEP = "Every enabled report type renders"
OFFERED_STEP = "The offered tests are what the ATS will list"
LIVE_STEP = "Live round trip"


class GoLiveError(Exception):
    """The check cannot run as asked (a bad option); says why."""


@dataclass(frozen=True)
class GoLiveReport:
    steps: list[GoLiveStep]
    live: bool
    checked_at: datetime.datetime
    sample: str = ""
    preview: list[PreviewDelivery] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def as_json(self) -> dict[str, Any]:
        """The command line's `--json` object: exactly `ok` and the steps."""
        return {
            "ok": self.ok,
            "steps": [
                {"name": step.name, "ok": step.ok, "message": step.message} for step in self.steps
            ],
        }

    def stored(self) -> dict[str, Any]:
        """What the overview shows of the last run."""
        return {
            **self.as_json(),
            "live": self.live,
            "checked_at": self.checked_at.isoformat(),
            "sample": self.sample,
            "evidence": [step.evidence for step in self.steps],
            "preview": [delivery.as_dict() for delivery in self.preview],
        }


def run(
    integration: Integration,
    *,
    live: bool = False,
    job: str = "",
    candidate_assessment_id: int | None = None,
) -> GoLiveReport:
    """Run every step (and with `live` the round trip), keep the result, and return it."""
    provider = integration.provider_impl
    if live and not provider.offers_live_check:
        raise GoLiveError(provider.no_live_check_reason or f"{provider.label} has no live check.")
    if live and not job.strip():
        raise GoLiveError(
            f"Choose the {provider.label} test job the live check's candidate is added to."
        )
    steps = credential_steps(integration)
    preview: Preview | None = None
    try:
        preview = preview_next_result(integration, candidate_assessment_id=candidate_assessment_id)
    except PreviewError as error:
        if candidate_assessment_id is not None:
            raise GoLiveError(str(error)) from None
        steps.append(GoLiveStep(REPORTS_STEP, False, str(error)))
    if preview is not None and preview.report_step is not None:
        steps.append(preview.report_step)
    steps.append(offered_tests_step(integration))
    steps.append(check_inbound_token(integration))
    if live:
        steps.extend(_live_steps(integration, steps, preview, job.strip()))
    report = GoLiveReport(
        steps=steps,
        live=live,
        checked_at=timezone.now(),
        sample=preview.candidate if preview else "",
        preview=preview.deliveries if preview else [],
    )
    _remember(integration, report)
    return report


def _live_steps(
    integration: Integration, steps: list[GoLiveStep], preview: Preview | None, job: str
) -> list[GoLiveStep]:
    failed = [step.name for step in steps if not step.ok]
    if failed or preview is None:
        return [
            GoLiveStep(
                LIVE_STEP,
                False,
                "Not run: the live check writes to the real tenant only once every other step "
                f"passed; fix {', '.join(repr(name) for name in failed) or 'the sample'} first.",
            )
        ]
    return integration.provider_impl.go_live_round_trip(integration, preview, job)


def credential_steps(integration: Integration) -> list[GoLiveStep]:
    """The provider's credential check, one step per topic, in the topics' order."""
    provider = integration.provider_impl
    check = provider.verify_credentials(integration)
    if check is None:
        return [
            GoLiveStep(topic.label, False, f"{provider.label} cannot be asked about this.")
            for topic in CheckTopic
        ]
    steps = []
    first_failed = ""
    for topic in CheckTopic:
        problems = check.topic_problems.get(topic.value)
        if problems:
            steps.append(GoLiveStep(topic.label, False, " ".join(problems)))
            first_failed = first_failed or str(topic.label)
        elif topic.value in check.confirmed:
            steps.append(GoLiveStep(topic.label, True, check.confirmed[topic.value]))
        else:
            reason = f': "{first_failed}" failed first' if first_failed else ""
            steps.append(GoLiveStep(topic.label, False, f"Not checked{reason}."))
    return steps


def offered_tests_step(integration: Integration) -> GoLiveStep:
    """What the ATS will offer its recruiters: the tests it lists, or the stages that invite."""
    provider = integration.provider_impl
    label = provider.label
    if not provider.invites_by_stage:
        offered = inbound.offered_assessments(integration)
        if not offered:
            return GoLiveStep(
                OFFERED_STEP,
                False,
                f"{label} will list no test: {integration.account} has no active assessment. "
                "Activate one (Assessments).",
            )
        names = ", ".join(f"{assessment.name} ({assessment.job_code})" for assessment in offered)
        return GoLiveStep(OFFERED_STEP, True, f"{label} will list {len(offered)} test(s): {names}.")
    mappings = list(
        integration.stage_mappings.select_related("assessment").order_by("stage_key", "job_id")
    )
    if not mappings:
        return GoLiveStep(
            OFFERED_STEP,
            False,
            f"No {label} stage invites to an assessment: map a stage (Harver to ATS, Assessments).",
        )
    inactive = [mapping for mapping in mappings if not mapping.assessment.is_active]
    if inactive:
        return GoLiveStep(
            OFFERED_STEP,
            False,
            " ".join(
                f"{mapping} invites to an assessment that is not active: activate it or map "
                "the stage to another."
                for mapping in inactive
            ),
        )
    listed = "; ".join(str(mapping) for mapping in mappings)
    return GoLiveStep(OFFERED_STEP, True, f"{label} stages that invite: {listed}.")


def _remember(integration: Integration, report: GoLiveReport) -> None:
    Integration.objects.filter(pk=integration.pk).update(
        go_live_report=report.stored(), go_live_checked_at=report.checked_at
    )
    integration.go_live_report = report.stored()
    integration.go_live_checked_at = report.checked_at
    kind = "live" if report.live else "dry run"
    history.record(integration, {"go-live check": ("", f"{kind}: {_verdict(report)}")})


def _verdict(report: GoLiveReport) -> str:
    failed = sum(1 for step in report.steps if not step.ok)
    return "passed" if not failed else f"{failed} of {len(report.steps)} step(s) failed"
