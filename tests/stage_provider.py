"""A provider that invites by stage and records inbound events, for the core's own tests.

It names no real ATS; each test scripts what `process_inbound_event` does.
"""

from __future__ import annotations

from collections.abc import Callable

from integrations.inbound_events import EventOutcome
from integrations.models import InboundEvent, Integration
from integrations.provider_types import CredentialField, Pattern, StageOptions
from integrations.providers import Provider
from integrations.transport import TransientError

KEY = "stage-ats"


class StageInvitingProvider(Provider):
    key = KEY
    label = "Stage ATS"
    allowed_patterns = (Pattern.ATS_FIRST_AD_HOC,)
    api_path = "/api/stage-ats"
    invites_by_stage = True
    credential_fields = (
        CredentialField("signing_key", "signing key", secret=True, keeps_previous=True),
        CredentialField("api_key", "API key", secret=True, required=False),
    )
    handle: Callable[[InboundEvent], EventOutcome] | None = None
    options = StageOptions(stages=["Harver Assessment", "Offer"], jobs=[("3485", "Designer")])
    fields = [("field:score", "Score (number)")]
    listing_fails = False

    def ats_field_problem(self, ats_field_id: str) -> str | None:
        if not ats_field_id.startswith("field:"):
            return f'A Stage ATS field id starts with "field:"; got "{ats_field_id}".'
        return None

    def stage_options(self, integration: Integration) -> StageOptions:
        if self.listing_fails:
            raise TransientError("Stage ATS did not answer within 1 s.")
        return self.options

    def field_options(self, integration: Integration) -> list[tuple[str, str]]:
        if self.listing_fails:
            raise TransientError("Stage ATS did not answer within 1 s.")
        return self.fields

    def process_inbound_event(self, event: InboundEvent) -> EventOutcome:
        assert self.handle is not None, "the test scripts the handling"
        return self.handle(event)
