"""Contract of `GET /api/workable/connection`, the "does my token work" check support relies on."""

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from integrations import services

CONNECTION_URL = "/api/workable/connection"


def test_it_names_the_account_of_an_enabled_integration(workable):
    response = workable["client"].get(CONNECTION_URL)

    assert response.status_code == 200
    assert response.json() == {"ats": "workable", "account": "Acme Retail", "enabled": True}


def test_it_checks_the_token_with_one_query_once_its_use_is_recorded(workable):
    workable["client"].get(CONNECTION_URL)  # records last_used_at and the hour's first count

    with CaptureQueriesContext(connection) as queries:
        response = workable["client"].get(CONNECTION_URL)

    # One query checks the token; one more counts the answer (integrations.inbound_counts).
    assert response.status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    assert len(sql) == 2, sql
    assert sql[1].startswith('UPDATE "integrations_inboundrequestcount"'), sql


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Send the integration's token as 'Authorization: Bearer <token>'."),
        ("Bearer hvr_ats_" + "a" * 46, "The token is not valid for any integration."),
    ],
)
def test_it_answers_401_without_a_valid_token(db, authorization, message):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = client.get(CONNECTION_URL)

    assert response.status_code == 401
    assert response.json() == {"status": 401, "message": message}
    assert response["WWW-Authenticate"] == 'Bearer realm="harver"'


def test_it_answers_401_for_a_rotated_token(workable):
    services.rotate_inbound_token(workable["integration"])

    response = workable["client"].get(CONNECTION_URL)

    assert response.status_code == 401


def test_it_answers_403_for_a_disabled_integration(workable):
    services.disable_integration(workable["integration"])

    response = workable["client"].get(CONNECTION_URL)

    assert response.status_code == 403
    assert response.json() == {
        "status": 403,
        "message": "This integration is disabled in Harver; ask Harver support to enable it.",
    }


def test_it_is_throttled_with_the_other_endpoints(workable, settings):
    settings.INBOUND_RATE_LIMIT = "2/60"
    workable["client"].get("/api/workable/tests")
    workable["client"].get(CONNECTION_URL)

    response = workable["client"].get(CONNECTION_URL)

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_it_refuses_other_methods_with_405(workable):
    response = workable["client"].post(CONNECTION_URL, {}, format="json")

    assert response.status_code == 405
    assert response.json()["status"] == 405


def test_the_schema_documents_it_with_bearer_auth_and_its_answers(client, db):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    operation = schema["paths"][CONNECTION_URL]["get"]
    assert operation["operationId"] == "workable_connection"
    assert operation["security"] == [{"atsToHarverToken": []}]
    assert set(operation["responses"]) == {"200", "401", "403", "429"}
    body = operation["responses"]["200"]["content"]["application/json"]
    component = schema["components"]["schemas"][body["schema"]["$ref"].split("/")[-1]]
    assert sorted(component["required"]) == ["account", "ats", "enabled"]
    assert body["examples"]["Connected"]["value"] == {
        "ats": "workable",
        "account": "Acme Retail",
        "enabled": True,
    }
