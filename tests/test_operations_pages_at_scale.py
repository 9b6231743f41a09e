"""The pages support opens every day cost the same queries whether the platform holds 10
integrations or 1,000: the integration list, one integration's overview and go-live page, and the
issue list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.models import Integration, Issue
from tests import factories, outbox_rows
from tests.admin_support import integration_url, private_cache  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


def _with_issues(integrations: list[Integration]) -> None:
    now = timezone.now()
    Issue.objects.bulk_create(
        Issue(
            integration=integration,
            type=Issue.Type.BACKLOG,
            message="Deliveries wait.",
            first_seen_at=now,
            last_seen_at=now,
        )
        for integration in integrations
    )


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


PAGES: dict[str, Callable[[Integration], str]] = {
    "integration list": lambda _: reverse("admin:integrations_integration_changelist"),
    "overview": lambda first: integration_url("overview", first),
    "go-live page": lambda first: integration_url("go_live", first),
    "issue list": lambda _: reverse("admin:integrations_issue_changelist"),
}


@pytest.mark.parametrize("page", PAGES)
def test_the_page_costs_the_same_queries_at_10_and_1000_integrations(page: str, client: Client):
    member = factories.UserFactory.create(username="hannah", harver_admin=True)
    client.force_login(member)
    first = outbox_rows.many_integrations(10, member)
    _with_issues(first)
    url = PAGES[page](first[0])
    ten = _queries(client, url)

    _with_issues(outbox_rows.many_integrations(990, member))
    thousand = _queries(client, url)

    assert Integration.objects.count() == 1000
    assert thousand == ten
