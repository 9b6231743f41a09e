"""Odd query strings and ids on every admin page: a normal page, a redirect or a 4xx, never a 5xx.

Runs against the suite's database (PostgreSQL in CI), where an id beyond bigint raises instead of
finding nothing and a NUL character cannot be sent in a query.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver

from accounts.models import Account
from tests import factories
from tests.admin_support import private_cache  # noqa: F401 (fixture)
from tests.test_admin_pages import ROW_MAKERS

pytestmark = pytest.mark.usefixtures("private_cache")

ODD_VALUES = [
    "²",
    "٣",
    "99999999999999999999999",
    "9" * 400,
    "\x00",
    "x" * 3000,
    "-1",
]
# The admin's own list parameters, besides each list's filters.
LIST_PARAMETERS = ["q", "o", "p", "e", "_changelist_filters", "_to_field", "_popup"]
# Those and the parameters the platform's own pages read.
PARAMETERS = [
    *LIST_PARAMETERS,
    "integration",
    "candidate_assessment",
    "credentials",
    "harver_to_ats",
    "page",
    "next",
]
ODD_OBJECT_IDS = ["²", "99999999999999999999999", "9" * 400, "-1", "%00", "x" * 300]
# Routes that are not pages of a model: the sign-in flow and the catch-all redirect.
SKIPPED_ROUTES = ("login/", "logout/", "two-factor/", "(?P<url>.*)$", "r/<path:content_type_id>")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _admin_routes() -> list[str]:
    return [
        route
        for route in _routes(admin.site.get_urls())
        if not route.startswith(SKIPPED_ROUTES) and "(?P<app_label>" not in route
    ]


def _object_ids() -> dict[str, str]:
    """The first row's id of each admin, by its route prefix ("integrations/integration/")."""
    ids = {}
    for model in admin.site._registry:
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            ids[f"{model._meta.app_label}/{model._meta.model_name}/"] = str(row.pk)
    return ids


def _pages(object_ids: dict[str, str]) -> list[str]:
    pages = ["/admin/", *(f"/admin/{model._meta.app_label}/" for model in admin.site._registry)]
    for route in _admin_routes():
        if "<" not in route:
            pages.append(f"/admin/{route}")
            continue
        prefix = next((p for p in object_ids if route.startswith(p)), None)
        if prefix is not None:
            pages.append(f"/admin/{prefix}{object_ids[prefix]}{route[route.index('>') + 1 :]}")
    return pages


def _filter_parameters(model: type, user: User) -> list[str]:
    request = RequestFactory().get("/")
    request.user = user
    changelist = admin.site._registry[model].get_changelist_instance(request)
    return [name for spec in changelist.filter_specs for name in spec.expected_parameters()]


@pytest.fixture
def superuser_client(client: Client, db: None) -> Client:
    user = factories.UserFactory.create(username="root", is_superuser=True)
    for make_rows in ROW_MAKERS.values():
        make_rows(1, user)
    client.force_login(user)
    client.raise_request_exception = False
    return client


def _server_errors(client: Client, urls: list[str]) -> list[str]:
    """The URLs answered 5xx, shortened to be readable."""
    failing = [url for url in urls if client.get(url).status_code >= 500]
    return [url if len(url) < 120 else f"{url[:117]}…" for url in failing]


def test_no_list_filter_answers_an_odd_value_with_a_server_error(superuser_client):
    # given every list page, each of its filters and the admin's own parameters
    user = User.objects.get(username="root")
    urls = []
    for model in admin.site._registry:
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for name in [*_filter_parameters(model, user), *LIST_PARAMETERS]:
            urls += [f"{changelist}?{urlencode({name: value})}" for value in ODD_VALUES]

    # when each is opened with an odd value, then none answers 5xx
    errors = _server_errors(superuser_client, urls)
    assert not errors, "\n".join(errors)


def test_no_admin_page_answers_odd_query_values_with_a_server_error(superuser_client):
    # given every admin page, each with a row to show
    pages = _pages(_object_ids())

    # when each is opened with every parameter at an odd value (but a valid `_to_field`, which
    # would refuse them all with 400 before the others are read)
    urls = [
        f"{page}?{urlencode(dict.fromkeys(set(PARAMETERS) - {'_to_field'}, value))}"
        for page in pages
        for value in ODD_VALUES
    ]

    # then none answers 5xx
    errors = _server_errors(superuser_client, urls)
    assert not errors, "\n".join(errors)


def test_no_admin_page_answers_an_odd_object_id_with_a_server_error(superuser_client):
    # given every admin page that takes an object id
    routes = [route for route in _admin_routes() if "<" in route]

    # when each is opened with an id that is none
    urls = [
        f"/admin/{route[: route.index('<')]}{odd_id}{route[route.index('>') + 1 :]}"
        for route in routes
        for odd_id in ODD_OBJECT_IDS
    ]

    # then none answers 5xx
    errors = _server_errors(superuser_client, urls)
    assert not errors, "\n".join(errors)


def test_the_pages_under_test_include_the_delivery_timeline_and_the_overview(superuser_client):
    # given the pages the odd-value tests open
    pages = _pages(_object_ids())

    # then they reach the platform's own pages, not only the admin's generic ones
    assert "/admin/integrations/delivery/timeline/" in pages
    assert any(page.endswith("/overview/") for page in pages)


@pytest.mark.parametrize("enforce_csrf_checks", [False, True])
def test_a_form_above_djangos_upload_limit_is_answered_413(
    db: None, settings: Any, enforce_csrf_checks: bool
) -> None:
    # given a superuser's browser, with or without the CSRF check reading the form first
    browser = Client(enforce_csrf_checks=enforce_csrf_checks)
    browser.force_login(factories.UserFactory.create(username="root", is_superuser=True))
    browser.raise_request_exception = False
    browser.get("/admin/accounts/account/add/")  # sets the CSRF cookie the check compares

    # when it posts a form larger than DATA_UPLOAD_MAX_MEMORY_SIZE
    response = browser.post(
        "/admin/accounts/account/add/",
        {"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
    )

    # then the too-large page answers, not a server error, and nothing was added
    assert response.status_code == 413
    assert "Request too large" in response.content.decode()
    assert not Account.objects.exists()
