"""A configured Greenhouse integration, and Harvest as `responses` fakes it for unit tests."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs

import responses
from responses import matchers

from assessments.models import Assessment
from assessments.reports import ReportType
from integrations import services, stages
from integrations.models import Integration
from tests.factories import AssessmentFactory, ready_integration

HARVEST = "https://harvest.greenhouse.io/v3"
TOKEN_URL = "https://auth.greenhouse.io/token"
CLIENT_ID = "gh-client-7d41c0"
CLIENT_SECRET = "gh-secret-9b2f4e6a1c3d5e7f"
USER_ID = "4080123"
WEBHOOK_SECRET = "whsec-5f1e2d3c4b5a69788796"
ACCESS_TOKEN = "gh-access-0a1b2c3d4e5f"
STAGE = "Harver Assessment"


def credentials(**overrides: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "user_id": USER_ID,
        "webhook_secret": WEBHOOK_SECRET,
    }
    values.update(overrides)
    return values


def configure(
    account: Any, *, enable: bool = True, fields: Sequence[tuple[str, str]] = ()
) -> tuple[Integration, Assessment, str]:
    """A Greenhouse integration with credentials, reports, a mapped stage and `fields` (score,
    ATS Field Id); enabled unless told. Returns it, its assessment and its inbound token."""
    assessment = AssessmentFactory.create(
        account=account, name="Store Associate", competencies=["Conscientiousness"]
    )
    integration = ready_integration(account, provider="greenhouse")
    services.set_ats_credentials(integration, **credentials())
    services.configure_reports(
        integration,
        enabled=[ReportType.READONLY_CANDIDATE_DETAILS_PAGE, ReportType.SIGNED_REPORT],
        results_link=ReportType.READONLY_CANDIDATE_DETAILS_PAGE,
    )
    stages.map_stage(integration, assessment=assessment, stage_name=STAGE)
    for score, ats_field_id in fields:
        services.map_field(
            integration, assessment=assessment, score=score, ats_field_id=ats_field_id
        )
    token = services.rotate_inbound_token(integration)
    if enable:
        outcome = services.enable_integration(integration)
        assert outcome.enabled, outcome.problems
    integration.refresh_from_db()
    return integration, assessment, token


def token_endpoint(
    *tokens: str, expires_in: int | None = 3600, status: int = 200
) -> list[responses.BaseResponse]:
    """The token endpoint answering each of `tokens` in turn (Basic auth and `sub` checked)."""
    basic = matchers.header_matcher({"Authorization": basic_authorization()})
    registered = []
    for token in tokens or (ACCESS_TOKEN,):
        body: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
        if expires_in is not None:
            body["expires_in"] = expires_in
        registered.append(
            responses.post(
                TOKEN_URL,
                status=status,
                json=body if status == 200 else {"error": "invalid_client"},
                match=[
                    basic,
                    matchers.urlencoded_params_matcher(
                        {"grant_type": "client_credentials", "sub": USER_ID}
                    ),
                ],
            )
        )
    return registered


def basic_authorization() -> str:
    return "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def harvest(
    method: str,
    path: str,
    body: Any = None,
    *,
    status: int = 200,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    token: str = ACCESS_TOKEN,
) -> responses.BaseResponse:
    match = [matchers.header_matcher({"Authorization": f"Bearer {token}"})]
    if query is not None:
        match.append(matchers.query_param_matcher(dict(query)))
    return responses.add(
        method,
        f"{HARVEST}{path}",
        json=[] if body is None else body,
        status=status,
        headers=dict(headers or {}),
        match=match,
    )


def sent_json(call: Any) -> Any:
    return json.loads(call.request.body)


def sent_form(call: Any) -> dict[str, list[str]]:
    return parse_qs(call.request.body)
