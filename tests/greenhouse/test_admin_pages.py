"""The admin's pages for a Greenhouse integration: the Credentials words, the web hook URL, the
stage and field pickers filled from Harvest, and Verify credentials."""

from __future__ import annotations

from html import unescape

import pytest
import responses
from django.test import Client

from tests.admin_support import integration_url, private_cache, staff_member  # noqa: F401
from tests.greenhouse.support import USER_ID, configure, harvest, token_endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


@pytest.fixture
def admin_client(account):
    client = Client()
    client.force_login(staff_member(account, username="hannah"))
    return client


def harvest_listings() -> None:
    token_endpoint()
    harvest(
        "GET",
        "/job_interview_stages",
        [{"id": 12, "job_id": 3485, "name": "Harver Assessment", "sort_order": 1}],
        query={"active": "true", "per_page": "500"},
    )
    harvest(
        "GET",
        "/jobs",
        [{"id": 3485, "name": "Designer"}],
        query={"status": "open", "per_page": "500"},
    )
    for level, items in (
        (
            "candidate",
            [{"name": "Harver score", "name_key": "harver_score", "value_type": "number"}],
        ),
        ("application", []),
    ):
        harvest(
            "GET",
            "/custom_fields",
            items,
            query={"field_type": level, "active": "true", "per_page": "500"},
        )


@responses.activate
def test_the_overview_shows_greenhouse_words_and_pickers(admin_client, account):
    integration, _, _ = configure(account, enable=False)
    harvest_listings()

    page = admin_client.get(integration_url("overview", integration, "harver_to_ats=assessments"))
    text = unescape(page.content.decode())

    assert page.status_code == 200
    assert "Harvest V3 (OAuth)" in text
    assert '<option value="Harver Assessment">' in text
    assert '<option value="3485">Designer</option>' in text
    assert (
        '<option value="candidate:harver_score">Harver score (candidate, number)</option>' in text
    )


def test_the_ats_to_harver_tab_shows_the_web_hook_url_once_minted(admin_client, account):
    integration, _, _ = configure(account, enable=False)

    page = admin_client.get(integration_url("overview", integration, "credentials=ats-to-harver"))
    text = unescape(page.content.decode())

    assert page.status_code == 200
    assert "/api/greenhouse/webhooks/" in text
    assert "Candidate has changed stage" in text


@responses.activate
def test_verify_credentials_lists_the_site_admins_to_act_as(admin_client, account):
    integration, _, _ = configure(account, enable=False)
    token_endpoint()
    admin = {"id": int(USER_ID), "name": "Harver Integration", "site_admin": True}
    harvest("GET", "/users", [admin], query={"ids": USER_ID})
    harvest("GET", "/jobs", [], query={"status": "open", "per_page": "1"})
    harvest("GET", "/job_interview_stages", [], query={"active": "true", "per_page": "1"})
    for level in ("candidate", "application"):
        harvest(
            "GET",
            "/custom_fields",
            [],
            query={"field_type": level, "active": "true", "per_page": "500"},
        )
    harvest("GET", "/users", [admin], query={"per_page": "500"})

    page = admin_client.post(integration_url("verify", integration))
    text = unescape(page.content.decode())

    assert page.status_code == 200
    assert "Greenhouse lists 1 active Site Admin(s)." in text
    assert "Harver Integration" in text
