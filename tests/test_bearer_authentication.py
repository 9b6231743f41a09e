"""Both APIs read `Authorization: Bearer …` the same way, each refusing in its own words."""

from __future__ import annotations

import pytest

WORKABLE = ("/api/workable/tests", 'Bearer realm="harver"')
ENGINE = (
    "/api/engine/v1/assessments/00000000-0000-0000-0000-000000000000/events",
    'Bearer realm="harver-engine"',
)
UNKNOWN_TOKEN = "The token is not valid for any integration."
UNKNOWN_KEY = "The engine API key is not valid: unknown, mistyped or revoked."


@pytest.mark.parametrize(
    ("api", "authorization", "message"),
    [
        (WORKABLE, "Token abc", UNKNOWN_TOKEN),
        (WORKABLE, "Bearer a b", UNKNOWN_TOKEN),
        (WORKABLE, "Bearer caf\xe9", UNKNOWN_TOKEN),
        (WORKABLE, "Bearer hvr_ats_unknown", UNKNOWN_TOKEN),
        (ENGINE, "Token abc", "Send the engine API key as 'Authorization: Bearer <key>'."),
        (ENGINE, "Bearer a b", "Send the engine API key as 'Authorization: Bearer <key>'."),
        (ENGINE, "Bearer caf\xe9", UNKNOWN_KEY),
        (ENGINE, "Bearer hvr_eng_unknown", UNKNOWN_KEY),
    ],
)
def test_a_bad_bearer_header_is_a_401_naming_the_realm(client, db, api, authorization, message):
    path, realm = api

    response = client.post(
        path, data="{}", content_type="application/json", HTTP_AUTHORIZATION=authorization
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == realm
    assert response.json() == {"status": 401, "message": message}
