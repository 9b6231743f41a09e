"""Every API endpoint in the URLconf refuses callers without a valid token (checklist S2)."""

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


def api_paths(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from api_paths(pattern.url_patterns, route)
        elif (
            isinstance(pattern, URLPattern)
            and route.startswith("api/")
            and route not in PUBLIC_API_PATHS
        ):
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", "00000000-0000-0000-0000-000000000000", route)


API_PATHS = sorted(set(api_paths()))


def test_it_finds_the_api_endpoints():
    assert "/api/workable/tests" in API_PATHS
    assert "/api/workable/assessments" in API_PATHS


@pytest.mark.parametrize("path", API_PATHS)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("authorization", BAD_AUTHORIZATIONS.values(), ids=list(BAD_AUTHORIZATIONS))
def test_it_answers_401_json_without_a_valid_token(client, db, path, method, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    if method == "post":
        response = client.post(path, data="{}", content_type="application/json", **headers)
    else:
        response = client.get(path, **headers)

    assert response.status_code == 401
    assert response.json()["status"] == 401
