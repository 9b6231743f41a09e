"""Workable's entry in the provider registry; the work lives in `deliveries` and `verification`."""

from django.conf import settings

from assessments.lifecycle import StatusChange
from integrations.models import AtsInvitation, Integration
from integrations.providers import CredentialCheck, Pattern, Provider
from workable import deliveries, verification


class WorkableProvider(Provider):
    key = "workable"
    label = "Workable"
    # Workable invites by email only: the seed guide's "only ATS First Ad-Hoc".
    allowed_patterns = (Pattern.ATS_FIRST_AD_HOC,)
    api_path = "/api/workable"
    delivery_task = "workable.tasks.send_delivery"

    def remote_problems(self, integration: Integration) -> list[str]:
        if not settings.WORKABLE_VERIFY_ON_ENABLE:
            return []
        return verification.check(integration).problems

    def verify_credentials(self, integration: Integration) -> CredentialCheck:
        return verification.check(integration)

    def on_status_change(self, invitation: AtsInvitation, change: StatusChange) -> None:
        deliveries.record_status_change(invitation, change)

    def on_repeated_invitation(self, invitation: AtsInvitation) -> None:
        deliveries.record_repeated_invitation(invitation)
