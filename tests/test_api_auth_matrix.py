"""Every API endpoint in the URLconf refuses callers without a valid token (checklist S2).

An endpoint whose URL carries the token (a web hook URL pasted into the ATS: `<token>` in its
route) answers an unknown token 404, whatever the Authorization header says."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC_API_PATHS = {"api/schema/", "api/docs/"}
BAD_AUTHORIZATIONS = {
    "no-token": None,
    "empty-bearer": "Bearer ",
    "malformed": "Bearer not-a-token",
    "wrong-prefix": "Bearer ghp_" + "a" * 46,
    "basic-auth": "Basic dXNlcjpwYXNz",
}


def api_routes(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from api_routes(pattern.url_patterns, route)
        elif (
            isinstance(pattern, URLPattern)
            and route.startswith("api/")
            and route not in PUBLIC_API_PATHS
        ):
            yield route


def as_path(route):
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", "00000000-0000-0000-0000-000000000000", route)


API_PATHS = sorted({as_path(route) for route in api_routes()})
TOKEN_IN_PATH = {as_path(route) for route in api_routes() if re.search(r"<(?:\w+:)?token>", route)}


def test_it_finds_the_api_endpoints():
    assert "/api/workable/tests" in API_PATHS
    assert "/api/workable/assessments" in API_PATHS
    assert "/api/greenhouse/webhooks/00000000-0000-0000-0000-000000000000" in TOKEN_IN_PATH


@pytest.mark.parametrize("path", API_PATHS)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("authorization", BAD_AUTHORIZATIONS.values(), ids=list(BAD_AUTHORIZATIONS))
def test_it_answers_401_json_without_a_valid_token(client, db, path, method, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    if method == "post":
        response = client.post(path, data="{}", content_type="application/json", **headers)
    else:
        response = client.get(path, **headers)

    expected = 404 if path in TOKEN_IN_PATH else 401
    assert response.status_code == expected
    assert response.json()["status"] == expected
