"""Workable's entry in the provider registry: its credentials, its words on the Credentials
screens, and its hooks; the work lives in `deliveries` and `verification`."""

import re
from collections.abc import Mapping, Sequence

from django.conf import settings

from assessments.lifecycle import StatusChange
from integrations.golive_preview import Preview
from integrations.models import AtsCredential, AtsInvitation, Integration
from integrations.provider_types import (
    CredentialCheck,
    CredentialField,
    GoLiveStep,
    InboundProbe,
    Pattern,
)
from integrations.providers import Provider
from workable import deliveries, golive, invitations, verification
from workable.client import api_base_url

SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
SCOPES = "r_jobs, r_candidates, w_candidates and r_requisitions"
# Where a dry run's sample status would go: Workable gives each real invitation its own callback.
SAMPLE_ASSESSMENT_ID = "the-callback-workable-gives-each-invitation"


def subdomain_problem(value: str) -> str | None:
    if SUBDOMAIN.fullmatch(value):
        return None
    return (
        "Enter the subdomain only (lowercase letters, digits and hyphens), e.g. 'acme' for "
        "acme.workable.com."
    )


class WorkableProvider(Provider):
    key = "workable"
    label = "Workable"
    # Workable invites by email only: the seed guide's "only ATS First Ad-Hoc".
    allowed_patterns = (Pattern.ATS_FIRST_AD_HOC,)
    delivery_task = "workable.tasks.send_delivery"
    credential_fields = (
        CredentialField(
            "subdomain",
            "subdomain",
            help_text="The customer's Workable subdomain, e.g. 'acme' for acme.workable.com.",
            max_length=63,
            validate=subdomain_problem,
            normalize=str.lower,
            cli_flag="--subdomain",
        ),
        CredentialField(
            "token",
            "API token",
            secret=True,
            help_text=(
                "Generated in Workable (Integrations → Apps → Generate new token) with the "
                f"scopes {SCOPES}. Stored encrypted and never shown again."
            ),
            max_length=1000,
            cli_flag="--token-stdin",
            expiry_label="token expiry",
        ),
        CredentialField(
            "note_author_member_id",
            "timeline note author",
            required=False,
            help_text="The id of the Workable member in whose name Harver posts timeline notes.",
            max_length=64,
            cli_flag="--member-id",
        ),
    )
    member_field = "note_author_member_id"
    credentials_intro = (
        "The API token generated in Workable, which Harver sends with every request to "
        'Workable. See "Generate API access token" in the setup guide.'
    )
    inbound_instructions = (
        "Workable sends this token with every request to Harver. Paste the base URL and the "
        "token into Workable: Settings → Integrations → Harver, then click Update Settings."
    )
    verification_intro = (
        "Harver asks Workable whether the API token works: that it is accepted, has the "
        "readable scopes, who the members are and which custom attributes exist."
    )

    def inbound_setup(
        self, integration: Integration, inbound_token: str | None
    ) -> list[tuple[str, str]]:
        setup = [("Provider base URL", self.inbound_base_url())]
        if inbound_token:
            setup.append(("Token", inbound_token))
        return setup

    def go_live_sample_refs(self, integration: Integration) -> dict[str, str]:
        credential = AtsCredential.objects.filter(integration=integration).first()
        subdomain = credential.value("subdomain") if credential else ""
        base = api_base_url(subdomain or "your-subdomain", sandbox=integration.is_sandbox)
        return invitations.invitation_refs(
            callback_url=f"{base}/assessments/{SAMPLE_ASSESSMENT_ID}/results",
            job_shortcode="GOLIVE",
            job_title="Harver go-live check",
        )

    offers_live_check = True

    def live_check_jobs(self, integration: Integration) -> list[tuple[str, str]]:
        return golive.jobs(integration)

    def go_live_round_trip(
        self, integration: Integration, preview: Preview, job: str
    ) -> list[GoLiveStep]:
        return golive.round_trip(integration, preview, job)

    def inbound_probe(self, wrong_token: str) -> InboundProbe:
        # Workable lists the tests first, with the token as a bearer: a wrong one is a 401.
        return InboundProbe("GET", "tests", {"Authorization": f"Bearer {wrong_token}"}, 401)

    def remote_problems(self, integration: Integration) -> list[str]:
        if not settings.WORKABLE_VERIFY_ON_ENABLE:
            return []
        return verification.check(integration).problems

    def verify_credentials(self, integration: Integration) -> CredentialCheck:
        return verification.check(integration)

    def on_status_change(self, invitation: AtsInvitation, change: StatusChange) -> None:
        deliveries.record_status_change(invitation, change)

    def on_status_changes(self, owed: Sequence[tuple[AtsInvitation, StatusChange]]) -> None:
        deliveries.record_status_changes(owed)

    def on_repeated_invitation(self, invitation: AtsInvitation) -> None:
        deliveries.record_repeated_invitation(invitation)

    def invitation_identity(self, refs: Mapping[str, str], email: str) -> str:
        return invitations.invitation_identity(refs, email)

    def job_label(self, refs: Mapping[str, str]) -> str:
        return invitations.job_label(refs)
