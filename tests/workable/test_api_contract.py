"""Contract tests of the endpoints Workable calls: exact status codes and JSON bodies (§2)."""

import json
import re
import uuid

import pytest
from django.core import mail
from rest_framework.test import APIClient

from assessments import questionnaire
from assessments.models import CandidateAssessment
from integrations import services
from integrations.models import AtsInvitation
from tests.db_scan import tables_containing
from tests.factories import AccountFactory, AssessmentFactory
from tests.workable.conftest import CALLBACK_URL, enabled_integration_with_token, invitation_body

TESTS_URL = "/api/workable/tests"
ASSESSMENTS_URL = "/api/workable/assessments"


def test_it_lists_the_offered_tests_with_string_ids(workable):
    response = workable["client"].get(TESTS_URL)

    assert response.status_code == 200
    assert response.json() == {
        "tests": [
            {"id": str(assessment.pk), "name": assessment.name}
            for assessment in sorted(workable["assessments"], key=lambda a: a.name)
        ]
    }


def test_it_creates_an_invitation_and_answers_201_with_the_assessment_id(
    workable, django_capture_on_commit_callbacks
):
    assessment = workable["assessments"][0]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = workable["client"].post(
            ASSESSMENTS_URL, invitation_body(str(assessment.pk)), format="json"
        )

    assert response.status_code == 201
    candidate_assessment = CandidateAssessment.objects.get()
    assert response.json() == {"assessment_id": str(candidate_assessment.public_id)}
    assert candidate_assessment.status == "pending"
    assert candidate_assessment.email == "jane.doe@example.com"
    invitation = AtsInvitation.objects.get()
    assert invitation.refs == {
        "callback_url": CALLBACK_URL,
        "job_shortcode": "A1B2C3",
        "job_id": "",
        "job_title": "Store Associate",
    }
    # the email task and the pending status owed to Workable were queued after commit, and the
    # email sent the candidate their link
    assert len(callbacks) == 2
    assert len(mail.outbox) == 1
    assert questionnaire.find(emailed_token(str(mail.outbox[0].body))) == candidate_assessment


def test_it_accepts_a_numeric_test_id_and_nulls_for_optional_fields(workable):
    assessment = workable["assessments"][0]
    body = invitation_body(assessment.pk, job_shortcode=None, job_title=None)
    body["candidate"]["phone"] = None

    response = workable["client"].post(ASSESSMENTS_URL, body, format="json")

    assert response.status_code == 201


def test_it_ignores_unknown_fields(workable):
    body = invitation_body(str(workable["assessments"][0].pk), future_field={"nested": True})

    response = workable["client"].post(ASSESSMENTS_URL, body, format="json")

    assert response.status_code == 201


def test_it_answers_a_repeat_with_200_and_the_same_id_and_no_second_email(
    workable, django_capture_on_commit_callbacks
):
    body = invitation_body(str(workable["assessments"][0].pk))
    with django_capture_on_commit_callbacks(execute=True):
        first = workable["client"].post(ASSESSMENTS_URL, body, format="json")
    body["candidate"]["email"] = "Jane.Doe@Example.com"

    with django_capture_on_commit_callbacks(execute=True):
        second = workable["client"].post(ASSESSMENTS_URL, body, format="json")

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == first.json()
    assert CandidateAssessment.objects.count() == 1
    assert len(mail.outbox) == 1


def test_it_creates_a_new_invitation_once_the_previous_one_expired(workable):
    from assessments.lifecycle import record_status

    body = invitation_body(str(workable["assessments"][0].pk))
    first = workable["client"].post(ASSESSMENTS_URL, body, format="json")
    record_status(CandidateAssessment.objects.get().pk, "expired", source="expiry")

    second = workable["client"].post(ASSESSMENTS_URL, body, format="json")

    assert second.status_code == 201
    assert second.json() != first.json()


def test_it_shares_a_working_candidate_link_that_leaves_the_emailed_one_working(
    workable, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        created = workable["client"].post(
            ASSESSMENTS_URL, invitation_body(str(workable["assessments"][0].pk)), format="json"
        )
    assessment_id = created.json()["assessment_id"]

    response = workable["client"].get(f"{ASSESSMENTS_URL}/{assessment_id}/shared-link")
    again = workable["client"].get(f"{ASSESSMENTS_URL}/{assessment_id}/shared-link")

    candidate_assessment = CandidateAssessment.objects.get()
    assert response.status_code == 200
    body = response.json()
    assert body["url"].startswith("https://integrations.harver.test/assessment/")
    assert body["ttl_units"] == "minutes"
    assert body["ttl"].isdigit()
    window_minutes = candidate_assessment.assessment.completion_days * 24 * 60
    assert window_minutes - 2 <= int(body["ttl"]) <= window_minutes
    # each shared link, and the emailed one, opens the candidate's assessment
    shared = [emailed_token(body["url"]), emailed_token(again.json()["url"])]
    for token in [*shared, emailed_token(str(mail.outbox[0].body))]:
        assert questionnaire.find(token) == candidate_assessment
        assert client.get(f"/assessment/{token}/").status_code == 200
    # and only their hashes are stored
    assert not any(tables_containing(token) for token in shared)


def emailed_token(text: str) -> str:
    """The token of the first candidate link in a text (an email body, a URL)."""
    match = re.search(r"/assessment/([A-Za-z0-9_-]+)/", text)
    assert match, text
    return match.group(1)


def error(status, message, errors=None):
    body = {"status": status, "message": message}
    if errors:
        body["errors"] = errors
    return body


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda body: body.pop("test_id"),
            error(
                422, "The request has errors in: test_id.", {"test_id": ["This field is required."]}
            ),
            id="missing-test-id",
        ),
        pytest.param(
            lambda body: body.pop("callback_url"),
            error(
                422,
                "The request has errors in: callback_url.",
                {"callback_url": ["This field is required."]},
            ),
            id="missing-callback-url",
        ),
        pytest.param(
            lambda body: body["candidate"].pop("email"),
            error(
                422,
                "The request has errors in: candidate.email.",
                {"candidate.email": ["This field is required."]},
            ),
            id="missing-email",
        ),
        pytest.param(
            lambda body: body["candidate"].update(email="not-an-email"),
            error(
                422,
                "The request has errors in: candidate.email.",
                {"candidate.email": ["Enter a valid email address."]},
            ),
            id="bad-email",
        ),
        pytest.param(
            lambda body: body.update(test_id=True),
            error(
                422,
                "The request has errors in: test_id.",
                {"test_id": ["Must be a string or a number."]},
            ),
            id="boolean-test-id",
        ),
        pytest.param(
            lambda body: body.update(candidate="jane@example.com"),
            error(
                422,
                "The request has errors in: candidate.",
                {"candidate": ["Invalid data. Expected a dictionary, but got str."]},
            ),
            id="candidate-not-an-object",
        ),
    ],
)
def test_it_names_each_field_problem_with_422(workable, mutate, expected):
    body = invitation_body(str(workable["assessments"][0].pk))
    mutate(body)

    response = workable["client"].post(ASSESSMENTS_URL, body, format="json")

    assert response.status_code == 422
    assert response.json() == expected
    assert CandidateAssessment.objects.count() == 0


def test_it_refuses_an_unknown_or_inactive_test_with_422(workable):
    inactive = workable["integration"].account.assessments.get(is_active=False)

    odd_ids = ("²", "٣", "99999999999999999999999", "9" * 64)
    for test_id in ("999999", str(inactive.pk), "abc", *odd_ids):
        response = workable["client"].post(ASSESSMENTS_URL, invitation_body(test_id), format="json")

        assert response.status_code == 422
        assert response.json() == error(
            422,
            "The request has errors in: test_id.",
            {"test_id": [f"No test with id {test_id} is offered by this integration."]},
        )


def test_it_refuses_a_test_of_another_account(workable):
    other = AssessmentFactory.create(account=AccountFactory.create())

    response = workable["client"].post(
        ASSESSMENTS_URL, invitation_body(str(other.pk)), format="json"
    )

    assert response.status_code == 422
    assert "test_id" in response.json()["errors"]


def test_it_answers_malformed_json_with_400(workable):
    response = workable["client"].post(
        ASSESSMENTS_URL, data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == error(400, "The request body is not valid JSON.")


def test_it_answers_a_body_that_is_not_json_with_415(workable):
    response = workable["client"].post(
        ASSESSMENTS_URL, data="test_id=1", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response.json() == error(415, "Send a JSON body with 'Content-Type: application/json'.")


def test_it_answers_a_too_large_body_with_413(workable, settings):
    body = invitation_body(
        str(workable["assessments"][0].pk), padding="x" * settings.API_MAX_BODY_BYTES
    )

    response = workable["client"].post(
        ASSESSMENTS_URL, data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json() == error(
        413, f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes."
    )
    assert CandidateAssessment.objects.count() == 0


def test_it_answers_a_body_above_djangos_upload_limit_with_413(workable, settings):
    # a body above DATA_UPLOAD_MAX_MEMORY_SIZE, which Django refuses to read before our parser
    body = invitation_body(
        str(workable["assessments"][0].pk), padding="x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )

    response = workable["client"].post(
        ASSESSMENTS_URL, data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json() == error(
        413, f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes."
    )
    assert CandidateAssessment.objects.count() == 0


def test_it_answers_a_json_body_that_is_not_an_object_with_422(workable):
    response = workable["client"].post(
        ASSESSMENTS_URL, data="[1, 2]", content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "body": ["Invalid data. Expected a dictionary, but got list."]
    }


@pytest.mark.parametrize(
    ("header", "message"),
    [
        pytest.param(
            None, "Send the integration's token as 'Authorization: Bearer <token>'.", id="missing"
        ),
        pytest.param("Bearer", "The token is not valid for any integration.", id="no-token"),
        pytest.param("Token abc", "The token is not valid for any integration.", id="wrong-scheme"),
        pytest.param(
            "Bearer hvr_ats_nonsense", "The token is not valid for any integration.", id="malformed"
        ),
    ],
)
def test_it_answers_401_for_a_missing_or_bad_token(db, header, message):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(TESTS_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="harver"'
    assert response.json()["status"] == 401


def test_it_refuses_a_rotated_token_at_once(workable):
    services.rotate_inbound_token(workable["integration"])

    response = workable["client"].get(TESTS_URL)

    assert response.status_code == 401
    assert response.json() == error(401, "The token is not valid for any integration.")


def test_it_answers_403_for_a_disabled_integration(workable):
    services.disable_integration(workable["integration"])

    response = workable["client"].post(
        ASSESSMENTS_URL, invitation_body(str(workable["assessments"][0].pk)), format="json"
    )

    assert response.status_code == 403
    assert response.json() == error(
        403, "This integration is disabled in Harver; ask Harver support to enable it."
    )


def test_it_answers_unknown_paths_and_methods_with_json(workable):
    unknown = workable["client"].get("/api/workable/nothing-here")
    wrong_method = workable["client"].delete(TESTS_URL)

    assert unknown.status_code == 404
    assert unknown.json() == error(404, "There is nothing at /api/workable/nothing-here.")
    assert wrong_method.status_code == 405
    assert wrong_method.json() == error(405, 'Method "DELETE" not allowed.')


def test_it_throttles_per_integration_with_retry_after(workable, settings):
    settings.INBOUND_RATE_LIMIT = "3/60"
    responses = [workable["client"].get(TESTS_URL) for _ in range(4)]

    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert 1 <= int(responses[-1]["Retry-After"]) <= 60
    assert responses[-1].json()["status"] == 429


def test_it_keeps_integrations_apart(workable):
    # given a second customer's integration with its own invitation
    other_account = AccountFactory.create(name="Other Co")
    other_assessment = AssessmentFactory.create(account=other_account)
    _, other_token = enabled_integration_with_token(other_account)
    other_client = APIClient()
    other_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_token}")
    created = other_client.post(
        ASSESSMENTS_URL, invitation_body(str(other_assessment.pk)), format="json"
    )
    other_id = created.json()["assessment_id"]

    # then the first integration sees neither its tests nor its assessment
    tests = workable["client"].get(TESTS_URL).json()["tests"]
    link = workable["client"].get(f"{ASSESSMENTS_URL}/{other_id}/shared-link")

    assert str(other_assessment.pk) not in {test["id"] for test in tests}
    assert link.status_code == 404
    assert link.json() == error(404, f"No assessment {other_id} here.")


def test_it_answers_404_for_a_malformed_assessment_id(workable):
    response = workable["client"].get(f"{ASSESSMENTS_URL}/not-a-uuid/shared-link")
    unknown = workable["client"].get(f"{ASSESSMENTS_URL}/{uuid.uuid4()}/shared-link")

    assert response.status_code == 404
    assert unknown.status_code == 404
