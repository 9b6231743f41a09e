"""The demo's Workable integration, connected to the sandbox's Workable: ready to use at once.

For the embedded run: a sandbox integration for the demo account (credentials, report links,
the overall score and the recommendation written to two custom attributes, a fresh "ATS to
Harver" token), and the sandbox account it talks to, with one job per assessment and a
candidate in each. Safe to repeat: each run gives both sides fresh tokens and keeps the rest.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from assessments.models import Assessment
from harver_integration.crypto import encrypt
from integrations import services
from integrations.models import AssessmentFieldMapping
from sandbox.demo import REPORTS, enable_at_once, sandbox_integration
from workable.provider import WorkableProvider
from workable.sandbox.views import workable_sandbox

SUBDOMAIN = "demo"
MEMBER_ID = "m-recruiter"
CANDIDATES = [
    ("Jane Doe", "jane.doe@example.com"),
    ("Sam Lee", "sam.lee@example.com"),
    ("Alex Kim", "alex.kim@example.com"),
]
FIELDS = {
    AssessmentFieldMapping.Score.OVERALL: "harver_score",
    AssessmentFieldMapping.Score.RECOMMENDATION: "harver_fit",
}


@transaction.atomic
def provision_demo(account: Account) -> str:
    """Connect the demo account to the sandbox's Workable; the sandbox page to start from."""
    integration = sandbox_integration(account, WorkableProvider.key)
    spi_token = secrets.token_urlsafe(24)
    services.set_ats_credentials(
        integration,
        subdomain=SUBDOMAIN,
        token=spi_token,
        note_author_member_id=MEMBER_ID,
        expires_on=timezone.localdate() + datetime.timedelta(days=365),
    )
    services.configure_reports(integration, enabled=REPORTS, results_link=REPORTS[0])
    assessments = list(Assessment.objects.filter(account=account).offered().order_by("pk"))
    for assessment in assessments:
        for score, field_id in FIELDS.items():
            services.map_field(
                integration, assessment=assessment, score=score, ats_field_id=field_id
            )
    inbound_token = services.rotate_inbound_token(integration)
    enable_at_once(integration)

    sandbox = workable_sandbox()
    sandbox.create_account(SUBDOMAIN, f"{account.name} (sandbox)", api_token=spi_token)
    sandbox.connect_platform(
        SUBDOMAIN,
        base_url=f"{settings.PUBLIC_BASE_URL}/api/{WorkableProvider.key}",
        token=encrypt(inbound_token),
    )
    if not sandbox.account(SUBDOMAIN)["jobs"]:
        for assessment, (name, email) in zip(assessments, CANDIDATES, strict=False):
            shortcode = sandbox.add_job(SUBDOMAIN, assessment.name)
            sandbox.add_candidate(SUBDOMAIN, shortcode=shortcode, name=name, email=email)
    return reverse("sandbox:workable:account", args=[SUBDOMAIN])
