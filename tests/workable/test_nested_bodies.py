"""Every API refuses, with a JSON 400, a body nested deeper than any of ours needs.

A deeply nested array used to overflow the JSON parser's stack: a 500 on every API.
"""

import json

import pytest

from tests.workable.conftest import invitation_body

# harver_integration.api.MAX_NESTING (importing it before DRF's views would be circular)
MAX_NESTING = 32
MESSAGE = f"The request body is nested more than {MAX_NESTING} levels deep."


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 20_000])
def test_it_refuses_a_body_nested_too_deeply_with_400(workable, depth):
    response = workable["client"].post(
        "/api/workable/assessments",
        data="[" * depth + "]" * depth,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"status": 400, "message": MESSAGE}


def test_it_accepts_a_body_nested_as_deep_as_allowed(workable):
    body = invitation_body(str(workable["assessments"][0].pk))
    nested: object = "leaf"
    for _ in range(MAX_NESTING - 1):
        nested = [nested]
    body["extension"] = nested

    response = workable["client"].post(
        "/api/workable/assessments", data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 201
