"""A recruiter in the sandbox's Workable: accounts, jobs, candidates, "send assessment", mail,
and the platform's answers arriving on the timeline through the sandbox's API."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from assessments.models import CandidateAssessment
from integrations.models import AtsInvitation
from tests.factories import AccountFactory, AssessmentFactory
from tests.sandbox.conftest import BASE
from tests.workable.conftest import enabled_integration_with_token
from workable.sandbox.views import workable_sandbox

pytestmark = pytest.mark.django_db
SPI_TOKEN = "wk-token-0123456789"  # the integration's Harver to ATS token


@pytest.fixture
def connected() -> dict[str, Any]:
    """A sandbox integration for subdomain acme, and the sandbox account connected to it."""
    account = AccountFactory.create(name="Acme Retail")
    assessment = AssessmentFactory.create(account=account, name="Store Associate")
    integration, inbound_token = enabled_integration_with_token(account)
    integration.is_sandbox = True
    integration.save()
    sandbox = workable_sandbox()
    sandbox.create_account("acme", "Acme (sandbox)", api_token=SPI_TOKEN)
    return {"integration": integration, "token": inbound_token, "assessment": assessment}


def connect(client: Client, token: str) -> None:
    response = client.post(
        "/sandbox/workable/accounts/acme/",
        {
            "action": "connect",
            "connect-base_url": f"{BASE}/api/workable",
            "connect-token": token,
        },
    )
    assert response.status_code == 302


def add_candidate(client: Client) -> str:
    client.post("/sandbox/workable/accounts/acme/", {"action": "job", "job-title": "Store"})
    shortcode = next(iter(workable_sandbox().account("acme")["jobs"]))
    response = client.post(
        "/sandbox/workable/accounts/acme/",
        {
            "action": "candidate",
            "candidate-name": "Jane Doe",
            "candidate-email": "jane@example.com",
            "candidate-job": shortcode,
        },
    )
    assert response.status_code == 302
    return str(response["Location"])


def test_the_pages_are_for_staff_only(client: Client) -> None:
    for page in ("/sandbox/", "/sandbox/mail/", "/sandbox/workable/"):
        response = client.get(page)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_support_creates_an_account_and_sees_its_token_once(admin_client: Client) -> None:
    response = admin_client.post(
        "/sandbox/workable/", {"subdomain": "globex", "name": "Globex"}, follow=True
    )
    page = response.content.decode()
    assert "Sandbox account globex is ready" in page
    assert workable_sandbox().account("globex")["name"] == "Globex"
    assert "token" not in json.dumps(workable_sandbox().account("globex")["platform"]).replace(
        '"token": ""', ""
    )


def test_bad_input_is_a_form_error(admin_client: Client, connected: dict[str, Any]) -> None:
    assert admin_client.post("/sandbox/workable/", {"subdomain": "Not OK"}).status_code == 400
    response = admin_client.post(
        "/sandbox/workable/accounts/acme/", {"action": "connect", "connect-base_url": "x"}
    )
    assert response.status_code == 400
    assert admin_client.get("/sandbox/workable/accounts/nope/").status_code == 404
    assert admin_client.get("/sandbox/workable/accounts/acme/candidates/c9/").status_code == 404


def test_an_unconnected_account_says_what_to_do(
    admin_client: Client, connected: dict[str, Any]
) -> None:
    page = admin_client.get(add_candidate(admin_client)).content.decode()
    assert "Enter Harver&#x27;s provider base URL and token" in page


def test_send_assessment_invites_through_the_platform_and_the_result_lands(
    admin_client: Client, connected: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    connect(admin_client, connected["token"])
    candidate_page = add_candidate(admin_client)
    page = admin_client.get(candidate_page).content.decode()
    assessment = connected["assessment"]
    assert f'<option value="{assessment.pk}">Store Associate</option>' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(candidate_page, {"choice": str(assessment.pk)}, follow=True)
    assert "Store Associate sent to Jane Doe" in response.content.decode()
    invitation = AtsInvitation.objects.get(integration=connected["integration"])
    callback_url = invitation.refs["callback_url"]
    assert callback_url.startswith(f"{BASE}/sandbox/workable/acme/callbacks/")
    assert invitation.candidate_assessment.email == "jane@example.com"

    assert len(mail.outbox) == 1
    mail_page = admin_client.get("/sandbox/mail/").content.decode()
    links = re.findall(r'class="mail-link" href="([^"]+)"', mail_page)
    assert links
    assert links[0].startswith(f"{BASE}/assessment/")

    # What the platform then sends to the callback_url and the SPI, as it sends it.
    path = callback_url.removeprefix(BASE)
    spi = {"Authorization": f"Bearer {SPI_TOKEN}"}
    client = Client()
    put = client.put(path, json.dumps({"status": "pending"}), "application/json", headers=spi)
    assert put.status_code == 200
    candidate_id = candidate_page.rstrip("/").rsplit("/", 1)[1]
    comment = client.post(
        f"/sandbox/workable/acme/spi/v3/candidates/{candidate_id}/comments",
        json.dumps({"member_id": "m-recruiter", "comment": {"body": "See https://h.test/r/1"}}),
        "application/json",
        headers=spi,
    )
    assert comment.status_code == 201
    timeline = admin_client.get(candidate_page).content.decode()
    assert "Assessment pending" in timeline
    assert '<a href="https://h.test/r/1"' in timeline
    assert CandidateAssessment.objects.count() == 1


def test_the_api_refuses_a_wrong_token(connected: dict[str, Any]) -> None:
    response = Client().get("/sandbox/workable/acme/spi/v3/jobs", HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 401
    assert response.json() == {"error": "Not authorized"}


def test_the_sandbox_calls_no_other_host(admin_client: Client, connected: dict[str, Any]) -> None:
    admin_client.post(
        "/sandbox/workable/accounts/acme/",
        {
            "action": "connect",
            "connect-base_url": "https://evil.example.com/api/workable",
            "connect-token": connected["token"],
        },
    )
    page = admin_client.get(add_candidate(admin_client)).content.decode()
    assert "The sandbox calls only this platform" in page
