"""Greenhouse's entry in the provider registry: its credentials, its words on the Credentials
screens, and its hooks; the work lives in `client`, `verification`, `pickers`, `webhooks` and
`deliveries`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from django.conf import settings

from assessments.lifecycle import StatusChange
from greenhouse import deliveries, invitations, pickers, verification, webhooks
from greenhouse.client import url_problems
from greenhouse.fields import parse_field_id
from greenhouse.unconfirmed import NOTE_VISIBILITIES, SCOPES, STAGE_CHANGE_EVENT
from harver_integration.ids import parse_id
from integrations.inbound_events import EventOutcome
from integrations.models import AtsCredential, AtsInvitation, InboundEvent, Integration
from integrations.provider_types import (
    CredentialCheck,
    CredentialField,
    InboundProbe,
    Pattern,
    StageOptions,
)
from integrations.providers import Provider

WEBHOOKS_PATH = "webhooks"
NAME_KEY = re.compile(r"[a-z0-9_]{1,255}")
CREDENTIAL_PLACE = "Configure → Dev Center → API Credential Management"


def client_id_problem(value: str) -> str | None:
    if any(character.isspace() for character in value):
        return "The Client ID contains spaces; copy it exactly as Greenhouse shows it."
    return None


def name_key_problem(value: str) -> str | None:
    if NAME_KEY.fullmatch(value):
        return None
    return (
        "Enter the field's name_key as Greenhouse shows it: lowercase letters, digits and "
        "underscores, e.g. harver_job_code."
    )


def status_field_problem(value: str) -> str | None:
    try:
        parse_field_id(value)
    except ValueError as error:
        return str(error)
    return None


def user_id_problem(value: str) -> str | None:
    if parse_id(value) is not None:
        return None
    return (
        "The acting user is Greenhouse's numeric user id, e.g. 4080123: open the Site Admin "
        "user's page in Greenhouse and copy the number at the end of its URL."
    )


class GreenhouseProvider(Provider):
    key = "greenhouse"
    label = "Greenhouse"
    # Harver's Greenhouse guide: the candidate enters a Harver stage and is emailed a link.
    allowed_patterns = (Pattern.ATS_FIRST_AD_HOC,)
    invites_by_stage = True
    delivery_task = "greenhouse.tasks.send_delivery"
    credential_fields = (
        CredentialField(
            "client_id",
            "Client ID",
            help_text=(
                f"In Greenhouse: {CREDENTIAL_PLACE} → Create new API credentials, type "
                '"Harvest V3 (OAuth)", partner "Harver" (or "Unlisted vendor"). The Client ID '
                "stays visible there."
            ),
            validate=client_id_problem,
        ),
        CredentialField(
            "client_secret",
            "Client Secret",
            secret=True,
            help_text=(
                "Shown once by Greenhouse when the Harvest V3 credential is created or rotated. "
                "Stored encrypted and never shown again."
            ),
            max_length=1000,
            # Greenhouse does not tell it: the admin records the date their policy rotates it.
            expiry_label="Client Secret expiry",
        ),
        CredentialField(
            "user_id",
            "acting user",
            help_text=(
                "The id of the Greenhouse Site Admin user Harver acts as (it writes the results "
                "and authors the notes): the number at the end of that user's page URL."
            ),
            max_length=20,
            validate=user_id_problem,
        ),
        CredentialField(
            "webhook_secret",
            "webhook Secret Key",
            secret=True,
            help_text=(
                "Any value you choose, typed both here and as the Secret Key of the Greenhouse "
                "web hook; Greenhouse signs every call with it. After a change the previous "
                "key still verifies for a while, so change it in Greenhouse soon."
            ),
            keeps_previous=True,
        ),
        CredentialField(
            "job_code_field",
            "job code field",
            required=False,
            help_text=(
                "Optional: the name_key of a job-level (requisition) custom field in Greenhouse "
                "that holds a Harver job code. A job with a code invites to the assessment with "
                "that code; the mapped stage still decides when."
            ),
            validate=name_key_problem,
        ),
        CredentialField(
            "status_field",
            "status field",
            required=False,
            help_text=(
                "Optional: a short text custom field, as level:name_key (e.g. "
                "application:harver_status), that shows the candidate's Harver status: Invited, "
                "Started, Completed, Expired or Withdrawn."
            ),
            validate=status_field_problem,
        ),
    )
    member_field = "user_id"
    credentials_intro = (
        "The Harvest V3 (OAuth) credential created in Greenhouse, the Site Admin user Harver "
        "acts as, and the Secret Key of the web hook. Harver trades the Client ID and Secret "
        "for short-lived access tokens. Grant the credential the scopes " + ", ".join(SCOPES) + "."
    )
    inbound_instructions = (
        "In Greenhouse: Configure → Dev Center → Web Hooks → Create New Web Hook. Choose When "
        f'"{STAGE_CHANGE_EVENT}", paste the Webhook URL as the Endpoint URL and type the same '
        "Secret Key as on the Harver to ATS tab, then Create Web hook. Greenhouse pings the URL "
        'at once; do not point an "application updated" web hook at it.'
    )
    verification_intro = (
        "Harver asks Greenhouse whether the credential works: that the Client ID and Secret "
        "give an access token, that the acting user is an active Site Admin, that the reads "
        "are allowed, and which custom fields can hold Harver's values."
    )

    no_live_check_reason = (
        "Greenhouse has no live go-live check: Harver invites only when a recruiter moves an "
        "application into a mapped stage, which no API call of Harver's can do, and Harvest "
        "cannot delete a test candidate. Run the dry run; it shows exactly what the first real "
        "completed result will send."
    )

    def go_live_sample_refs(self, integration: Integration) -> dict[str, str]:
        stage = integration.stage_mappings.order_by("stage_key", "job_id").first()
        return {
            "application_id": "0",
            "candidate_id": "0",
            "job_id": stage.job_id if stage else "",
            "job_name": (stage.job_name if stage else "") or "Harver go-live check",
            "stage_id": "",
            "stage_name": stage.stage_name if stage else "",
        }

    def inbound_probe(self, wrong_token: str) -> InboundProbe:
        # The token is in the web hook URL: one that names no integration is a 404.
        return InboundProbe("POST", f"{WEBHOOKS_PATH}/{wrong_token}", {}, 404)

    def webhook_url(self, inbound_token: str) -> str:
        return f"{self.inbound_base_url()}/{WEBHOOKS_PATH}/{inbound_token}"

    def inbound_setup(
        self, integration: Integration, inbound_token: str | None
    ) -> list[tuple[str, str]]:
        url = (
            self.webhook_url(inbound_token)
            if inbound_token
            else self.webhook_url("<the ATS to Harver token, shown only when minted>")
        )
        return [("Webhook URL", url), ("When", STAGE_CHANGE_EVENT)]

    def local_problems(
        self, integration: Integration, credential: AtsCredential | None
    ) -> list[str]:
        problems = list(url_problems(sandbox=integration.is_sandbox))
        if settings.GREENHOUSE_NOTE_VISIBILITY not in NOTE_VISIBILITIES:
            problems.append(
                f"GREENHOUSE_NOTE_VISIBILITY is {settings.GREENHOUSE_NOTE_VISIBILITY!r}; "
                f"Greenhouse notes are {', '.join(NOTE_VISIBILITIES)}."
            )
        if (
            not settings.PUBLIC_BASE_URL.startswith("https://")
            and not settings.GREENHOUSE_API_ALLOW_INSECURE
            and not integration.is_sandbox
        ):
            problems.append(
                f"Greenhouse accepts only https web hook URLs, and PUBLIC_BASE_URL "
                f"({settings.PUBLIC_BASE_URL}) is not https."
            )
        for mapping in integration.field_mappings.exclude(ats_field_id="").select_related(
            "assessment", "competency"
        ):
            problem = self.ats_field_problem(mapping.ats_field_id)
            if problem:
                problems.append(f"{mapping.assessment.name}, {mapping.score_label}: {problem}")
        return problems

    def remote_problems(self, integration: Integration) -> list[str]:
        if not settings.GREENHOUSE_VERIFY_ON_ENABLE:
            return []
        return verification.check(integration).problems

    def verify_credentials(self, integration: Integration) -> CredentialCheck:
        return verification.check(integration)

    def ats_field_problem(self, ats_field_id: str) -> str | None:
        try:
            parse_field_id(ats_field_id)
        except ValueError as error:
            return str(error)
        return None

    def field_options(self, integration: Integration) -> list[tuple[str, str]]:
        return pickers.field_options(integration)

    def stage_options(self, integration: Integration) -> StageOptions:
        return pickers.stage_options(integration)

    def on_status_change(self, invitation: AtsInvitation, change: StatusChange) -> None:
        deliveries.record_status_change(invitation, change)

    def on_status_changes(self, owed: Sequence[tuple[AtsInvitation, StatusChange]]) -> None:
        deliveries.record_status_changes(owed)

    def on_repeated_invitation(self, invitation: AtsInvitation) -> None:
        deliveries.record_repeated_invitation(invitation)

    def process_inbound_event(self, event: InboundEvent) -> EventOutcome:
        return webhooks.process(event)

    def invitation_identity(self, refs: Mapping[str, str], email: str) -> str:
        return invitations.invitation_identity(refs)

    def job_label(self, refs: Mapping[str, str]) -> str:
        return invitations.job_label(refs)
