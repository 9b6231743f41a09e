"""A provider that invites by stage and records inbound events, for the core's own tests.

It names no real ATS; each test scripts what `process_inbound_event` does.
"""

from __future__ import annotations

from collections.abc import Callable

from integrations.inbound_events import EventOutcome
from integrations.models import InboundEvent
from integrations.providers import Pattern, Provider

KEY = "stage-ats"


class StageInvitingProvider(Provider):
    key = KEY
    label = "Stage ATS"
    allowed_patterns = (Pattern.ATS_FIRST_AD_HOC,)
    api_path = "/api/stage-ats"
    invites_by_stage = True
    handle: Callable[[InboundEvent], EventOutcome] | None = None

    def ats_field_problem(self, ats_field_id: str) -> str | None:
        if not ats_field_id.startswith("field:"):
            return f'A Stage ATS field id starts with "field:"; got "{ats_field_id}".'
        return None

    def process_inbound_event(self, event: InboundEvent) -> EventOutcome:
        assert self.handle is not None, "the test scripts the handling"
        return self.handle(event)
