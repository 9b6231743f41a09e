"""Schemathesis against our OpenAPI schema (checklist F1): every API, with valid credentials.

Generated requests, valid and invalid, go to every operation of `/api/schema/` through the WSGI
application in this process, with a working token for each API (the Workable integration's token,
the engine's key). No answer may be a 5xx, and each must be one the schema documents: its status
code, content type, headers and body. Half of the generated ids and test ids are swapped for real
ones and half of the callback URLs for allowed ones, so the write paths run too, not only their
404s and 422s; a quarter of the test ids for odd ones ("²", "٣", beyond bigint). Bounded to a few
dozen examples an operation so that CI runs it in well under a minute.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine import keys
from harver_integration.wsgi import application
from integrations import inbound
from tests.factories import AccountFactory, AssessmentFactory
from tests.workable.conftest import CALLBACK_URL, enabled_integration_with_token
from workable.invitations import invitation_refs

MAX_EXAMPLES = 100
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Ids that `str.isdigit()` accepts but are none, or that overflow PostgreSQL's bigint.
ODD_TEST_IDS = ["²", "٣", "\uff11", "99999999999999999999999", "9" * 64]


def _throw(value: Any, sides: int) -> int:
    """A deterministic die for a generated value, so that Hypothesis can replay a failure."""
    return zlib.crc32(repr(value).encode()) % sides


def _half(value: Any) -> bool:
    return _throw(value, 2) == 0


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """The WSGI app runs in the test's transaction: keep its connection, as Django's client does.

    Django closes a connection whose autocommit differs from the configured one at the end of each
    request; inside the test's transaction that would close the test's own PostgreSQL connection.
    """
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def tenant(db: None, settings: Any, connection_kept: None) -> dict[str, str]:
    """Acme's enabled Workable integration and engine key, one test, one invited candidate."""
    # the throttles' 429s have their own tests
    settings.INBOUND_RATE_LIMIT = settings.ENGINE_RATE_LIMIT = "1000000/60"
    account = AccountFactory.create(name="Acme Retail")
    assessment = AssessmentFactory.create(account=account, name="Store Associate")
    integration, token = enabled_integration_with_token(account)
    invited = inbound.invite(
        integration,
        inbound.InvitationRequest(
            assessment=assessment,
            email="jane.doe@example.com",
            refs=invitation_refs(callback_url=CALLBACK_URL),
        ),
    )
    return {
        "workable": token,
        "engine": keys.issue_key(account, name="Engine").key,
        "test_id": str(assessment.pk),
        "assessment_id": str(invited.candidate_assessment.public_id),
    }


# Loaded when the module is collected: the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


def with_real_ids(case: Any, tenant: dict[str, str]) -> None:
    """Swap half of the generated ids, test ids and callback URLs for ones that exist."""
    if "assessment_id" in (case.path_parameters or {}) and _half(
        case.path_parameters["assessment_id"]
    ):
        case.path_parameters["assessment_id"] = tenant["assessment_id"]
    if isinstance(case.body, dict):
        if "test_id" in case.body:
            # a half real, a quarter odd, a quarter as generated
            side = _throw(case.body["test_id"], 4)
            if side < 2:
                case.body["test_id"] = tenant["test_id"]
            elif side == 2:
                case.body["test_id"] = ODD_TEST_IDS[_throw(case.body, len(ODD_TEST_IDS))]
        if "callback_url" in case.body and _half(case.body["callback_url"]):
            case.body["callback_url"] = CALLBACK_URL


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_answer_is_documented_and_none_is_a_server_error(
    case: Any, tenant: dict[str, str]
) -> None:
    credential = tenant["engine"] if case.path.startswith("/api/engine/") else tenant["workable"]
    with_real_ids(case, tenant)

    case.call_and_validate(headers={"Authorization": f"Bearer {credential}"}, checks=CHECKS)


def test_it_covers_every_api_the_urlconf_serves(client: Any, db: None) -> None:
    import yaml

    paths = set(yaml.safe_load(client.get("/api/schema/").content)["paths"])

    assert {path.split("/")[2] for path in paths} == {"workable", "engine"}
    assert "/api/workable/connection" in paths


def test_every_operation_with_a_body_answers_one_above_djangos_limit_with_a_documented_413(
    client: Any, tenant: dict[str, str], settings: Any
) -> None:
    import yaml

    # given every operation of the schema that takes a body, with working credentials
    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    operations = [
        (path, method, operation)
        for path, methods in paths.items()
        for method, operation in methods.items()
        if "requestBody" in operation
    ]
    body = '{"padding": "%s"}' % ("x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    limit = min(settings.API_MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)

    # when each is sent a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE
    for path, method, operation in operations:
        credential = tenant["engine"] if path.startswith("/api/engine/") else tenant["workable"]
        url = path.replace("{assessment_id}", tenant["assessment_id"])
        response = getattr(client, method)(
            url,
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {credential}"},
        )

        # then it answers the documented 413, naming the limit
        assert (path, method, response.status_code) == (path, method, 413)
        assert response.json() == {
            "status": 413,
            "message": f"The request body is larger than {limit} bytes.",
        }
        assert "413" in operation["responses"]
    assert operations
