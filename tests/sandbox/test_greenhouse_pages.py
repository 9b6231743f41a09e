"""A recruiter in the sandbox's Greenhouse: jobs, applicants, the Dev Center, "move stage" (which
sends the signed web hook to the platform), and the platform's calls arriving on the timeline
through the sandbox's Harvest; a sandbox Greenhouse integration calls the sandbox alone."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import responses
from django.core.management import call_command
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext

from greenhouse import connection
from greenhouse.sandbox import recruiter
from greenhouse.sandbox.views import greenhouse_sandbox
from greenhouse.signatures import signature_matches
from greenhouse.unconfirmed import STAGE_CHANGE_EVENT
from harver_integration.crypto import encrypt
from integrations import services
from integrations.models import InboundEvent, Integration
from sandbox.platform import InProcessPlatform
from tests.factories import AccountFactory
from tests.greenhouse.support import (
    CLIENT_ID,
    CLIENT_SECRET,
    WEBHOOK_SECRET,
    basic_authorization,
    configure,
)
from tests.sandbox.conftest import BASE

pytestmark = pytest.mark.django_db
HOME = "/sandbox/greenhouse/"


@pytest.fixture
def connected(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """A sandbox Greenhouse integration, and the sandbox organisation connected to it: its API
    credential, a Site Admin, a job with a Harver stage, an applicant, two custom fields and
    the integration's web hook."""
    settings.GREENHOUSE_VERIFY_ON_ENABLE = False
    settings.REDIS_URL = ""  # the access token and the learnt rate limit in this test's files
    settings.VAR_DIR = tmp_path / "var"
    harvest = greenhouse_sandbox()
    harvest.add_client(CLIENT_ID, CLIENT_SECRET)
    admin = harvest.add_user("Harver Integration")
    job = recruiter.publish_job(harvest, "Store Associate")
    application = recruiter.add_applicant(
        harvest, name="Maria Garcia", email="maria@example.com", job_id=job["id"]
    )
    harvest.add_custom_field("harver_score", name="Harver score")
    harvest.add_custom_field("harver_fit", field_type="application", value_type="short_text")
    account = AccountFactory.create(name="Acme Retail")
    integration, _, token = configure(account, enable=False)
    Integration.objects.filter(pk=integration.pk).update(is_sandbox=True)
    services.set_ats_credentials(integration, user_id=str(admin["id"]))
    Integration.objects.filter(pk=integration.pk).update(is_enabled=True)
    harvest.add_web_hook(
        "Harver",
        f"{BASE}/api/greenhouse/webhooks/{token}",
        secret_key=encrypt(WEBHOOK_SECRET),
        event=STAGE_CHANGE_EVENT,
    )
    return {
        "integration": Integration.objects.get(pk=integration.pk),
        "application": application,
        "admin": admin,
        "job": job,
    }


def application_page(connected: dict[str, Any]) -> str:
    return f"{HOME}applications/{connected['application']['id']}/"


def test_the_pages_are_for_staff_only(client: Client, connected: dict[str, Any]) -> None:
    for page in (HOME, application_page(connected)):
        response = client.get(page)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_a_recruiter_opens_a_job_and_adds_an_applicant(admin_client: Client) -> None:
    admin_client.post(HOME, {"action": "job", "job-title": "Shift Lead"})
    (job,) = greenhouse_sandbox().jobs.values()
    assert [stage["name"] for stage in greenhouse_sandbox().job_stages(job["id"])] == list(
        recruiter.JOB_STAGES
    )
    response = admin_client.post(
        HOME,
        {
            "action": "candidate",
            "candidate-name": "Tom Becker",
            "candidate-email": "tom@example.com",
            "candidate-job": str(job["id"]),
        },
    )
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "Tom Becker" in page
    assert "stage <strong>Application Review</strong>" in page
    # The Harver stage is the one offered first.
    assert '<option value="Harver Assessment" selected>' in page


def test_support_creates_a_credential_and_sees_its_secret_once(admin_client: Client) -> None:
    response = admin_client.post(
        HOME, {"action": "credential", "credential-label": "Rehearsal"}, follow=True
    )
    page = response.content.decode()
    secret = re.search(r"Client Secret, shown only now: (\S+) ", page)
    assert secret is not None
    assert secret.group(1) not in admin_client.get(HOME).content.decode()
    (credential,) = greenhouse_sandbox().clients()
    assert credential["label"] == "Rehearsal"
    assert "secret" not in json.dumps(credential)


def test_bad_input_is_a_form_error(admin_client: Client, connected: dict[str, Any]) -> None:
    assert admin_client.post(HOME, {"action": "job", "job-title": ""}).status_code == 400
    assert (
        admin_client.post(HOME, {"action": "web_hook", "web_hook-endpoint_url": "x"}).status_code
        == 400
    )
    assert admin_client.post(HOME, {"action": "nonsense"}).status_code == 400
    assert admin_client.post(application_page(connected), {"choice": "Nowhere"}).status_code == 400
    assert admin_client.get(f"{HOME}applications/999999/").status_code == 404


def test_moving_to_the_harver_stage_sends_the_signed_web_hook(
    admin_client: Client, connected: dict[str, Any]
) -> None:
    sent: list[Any] = []
    real_send = InProcessPlatform.send

    def spy(self: Any, method: str, url: str, *, headers: Any, body: bytes) -> Any:
        sent.append((url, dict(headers), body))
        return real_send(self, method, url, headers=headers, body=body)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(InProcessPlatform, "send", spy)
        response = admin_client.post(
            application_page(connected), {"choice": "Harver Assessment"}, follow=True
        )
    page = response.content.decode()
    assert "Maria Garcia moved to Harver Assessment; 1 web hook(s) told." in page
    assert "Web hook Harver answered HTTP 200" in page
    ((url, headers, body),) = sent
    assert url.startswith(f"{BASE}/api/greenhouse/webhooks/")
    assert signature_matches(body, headers["Signature"], [WEBHOOK_SECRET])
    payload = json.loads(body)["payload"]["application"]
    assert payload["current_stage"]["name"] == "Harver Assessment"
    event = InboundEvent.objects.get(integration=connected["integration"])
    assert event.event_id == headers["Greenhouse-Event-ID"]
    assert event.action == "candidate_stage_change"


def test_a_web_hook_to_another_host_is_not_sent(
    admin_client: Client, connected: dict[str, Any]
) -> None:
    greenhouse_sandbox().add_web_hook(
        "Elsewhere", "https://evil.example.com/hook", secret_key=encrypt("k"), event="x"
    )
    page = admin_client.post(
        application_page(connected), {"choice": "Harver Assessment"}, follow=True
    ).content.decode()
    assert "Web hook Elsewhere not sent" in page
    assert "The sandbox calls only this platform" in page


def test_a_web_hook_whose_secret_key_cannot_be_read_is_not_sent(
    admin_client: Client, connected: dict[str, Any]
) -> None:
    greenhouse_sandbox().add_web_hook(
        "Stale", f"{BASE}/api/greenhouse/webhooks/x", secret_key="not-a-fernet-token", event="x"
    )
    page = admin_client.post(
        application_page(connected), {"choice": "Harver Assessment"}, follow=True
    ).content.decode()
    assert "Web hook Stale not sent" in page
    assert "Its Secret Key cannot be read" in page
    assert "Web hook Harver answered HTTP 200" in page


def test_the_platform_s_note_and_fields_land_on_the_timeline(
    admin_client: Client, connected: dict[str, Any]
) -> None:
    """What the platform's worker sends to the sandbox's Harvest, as it sends it."""
    api = Client()
    minted = api.post(
        "/sandbox/greenhouse/token",
        f"grant_type=client_credentials&sub={connected['admin']['id']}",
        "application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_authorization(),
    )
    assert minted.status_code == 200
    bearer = {"Authorization": f"Bearer {minted.json()['access_token']}"}
    application = connected["application"]
    note = api.post(
        "/sandbox/greenhouse/v3/notes",
        json.dumps(
            {
                "candidate_id": application["candidate_id"],
                "application_id": application["id"],
                "user_id": connected["admin"]["id"],
                "body": "Harver result: see https://h.test/r/1",
                "visibility": "public",
            }
        ),
        "application/json",
        headers=bearer,
    )
    assert note.status_code == 201
    patched = api.patch(
        f"/sandbox/greenhouse/v3/candidates/{application['candidate_id']}",
        json.dumps({"custom_fields": [{"name_key": "harver_score", "value": 82}]}),
        "application/json",
        headers=bearer,
    )
    assert patched.status_code == 200
    listed = api.get("/sandbox/greenhouse/v3/jobs?status=open", headers=bearer)
    assert [job["name"] for job in listed.json()] == ["Store Associate"]
    assert listed["X-RateLimit-Limit"] == "50"

    page = admin_client.get(application_page(connected)).content.decode()
    assert "Note by Harver Integration" in page
    assert '<a href="https://h.test/r/1"' in page
    assert "Harver score set" in page
    assert "<tr><th>Harver score</th><td>82</td></tr>" in page
    assert "What a stand-in ATS recorded" not in page  # the template's comment stays hidden


def test_the_api_refuses_a_wrong_token(connected: dict[str, Any]) -> None:
    response = Client().get("/sandbox/greenhouse/v3/jobs", HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 401
    assert response.json()["message"] == "Access token missing, expired or invalid."
    bad_basic = Client().post("/sandbox/greenhouse/token", HTTP_AUTHORIZATION="Basic x")
    assert bad_basic.status_code == 401


def test_the_pages_keep_their_queries_as_applicants_grow(
    admin_client: Client, connected: dict[str, Any]
) -> None:
    admin_client.get(HOME)
    harvest = greenhouse_sandbox()
    with CaptureQueriesContext(db) as few:
        assert admin_client.get(HOME).status_code == 200
    for number in range(10):
        recruiter.add_applicant(
            harvest,
            name=f"Applicant {number}",
            email=f"a{number}@example.com",
            job_id=connected["job"]["id"],
        )
    with CaptureQueriesContext(db) as many:
        assert admin_client.get(HOME).status_code == 200
    assert len(many) == len(few)
    page = application_page(connected)
    with CaptureQueriesContext(db) as before:
        assert admin_client.get(page).status_code == 200
    recruiter.move_application(
        harvest,
        connected["application"]["id"],
        "Face to Face",
        [],
        InProcessPlatform("integrations.harver.test", "https"),
    )
    with CaptureQueriesContext(db) as after:
        assert admin_client.get(page).status_code == 200
    assert len(after) == len(before)


@responses.activate
def test_a_sandbox_integration_calls_the_sandbox_alone(
    connected: dict[str, Any], settings: Any
) -> None:
    """Whatever GREENHOUSE_API_BASE_URL and GREENHOUSE_TOKEN_URL say, the token request and
    every Harvest call go to the sandbox: `responses` answers only the sandbox's URLs, so a
    call anywhere else fails the test."""
    settings.GREENHOUSE_API_BASE_URL = "https://harvest.greenhouse.io/v3"
    settings.GREENHOUSE_TOKEN_URL = "https://auth.greenhouse.io/token"
    integration = connected["integration"]
    assert services.local_problems(integration) == []
    responses.post(
        f"{BASE}/sandbox/greenhouse/token",
        json={"access_token": "sandbox-token", "token_type": "Bearer", "expires_in": 3600},
    )
    responses.get(f"{BASE}/sandbox/greenhouse/v3/jobs", json=[{"id": 1, "name": "Store"}])
    found = connection.credentials(integration)
    with connection.open_client(found, interactive=True) as client:
        assert client.base_url == f"{BASE}/sandbox/greenhouse/v3"
        assert client.open_jobs(limit=1) == [{"id": 1, "name": "Store"}]
    assert [str(call.request.url).split("?")[0] for call in responses.calls] == [
        f"{BASE}/sandbox/greenhouse/token",
        f"{BASE}/sandbox/greenhouse/v3/jobs",
    ]


def test_support_connects_a_greenhouse_integration_to_the_sandbox(settings: Any) -> None:
    settings.GREENHOUSE_VERIFY_ON_ENABLE = False
    integration, _, _ = configure(AccountFactory.create(), enable=False)
    out = io.StringIO()
    call_command("integrations", "sandbox", str(integration.pk), "--on", stdout=out)
    integration.refresh_from_db()
    assert integration.is_sandbox
    with connection.open_client(connection.credentials(integration), interactive=True) as client:
        assert client.base_url == f"{BASE}/sandbox/greenhouse/v3"
    call_command("integrations", "sandbox", str(integration.pk), "--off", stdout=io.StringIO())
    integration.refresh_from_db()
    with connection.open_client(connection.credentials(integration), interactive=True) as client:
        assert client.base_url == "https://harvest.greenhouse.io/v3"
