"""A candidate the platform knows everything about: invited through Workable with every detail,
emailed, answered, completed with a free-text summary naming them, with deliveries sent and
unsent, an ATS call and an engine event about them, a history entry, an integration error and an
issue quoting them."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

import responses
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Account
from assessments import invitations, lifecycle, questionnaire
from assessments.models import CandidateAssessment
from engine.models import EngineEvent
from harver_integration import history
from integrations import inbound_events
from integrations.models import Delivery, Integration, Issue
from integrations.outbox import sending
from tests.candidate_support import store_associate
from tests.factories import AccountFactory
from tests.workable.conftest import CALLBACK_URL, enabled_integration_with_token, invitation_body
from workable import deliveries


@dataclass(frozen=True)
class Person:
    email: str
    first_name: str
    last_name: str
    phone: str
    resume_url: str

    @property
    def values(self) -> list[str]:
        """Every personal value, as given and lowercased, that must not survive an erasure."""
        given = [self.email, self.first_name, self.last_name, self.phone, self.resume_url]
        return sorted({*given, *(value.lower() for value in given)})


ZEPHYRINE = Person(
    email="zephyrine.quillfeather@example.org",
    first_name="Zephyrine",
    last_name="Quillfeather",
    phone="+31 6 9876 5432",
    resume_url="https://files.example.org/cv/zq-7731.pdf",
)
BARTHOLOMEW = Person(
    email="bartholomew.inkwater@example.org",
    first_name="Bartholomew",
    last_name="Inkwater",
    phone="+31 6 1234 0987",
    resume_url="https://files.example.org/cv/bi-1120.pdf",
)


@dataclass(frozen=True)
class Known:
    account: Account
    integration: Integration
    candidate_assessment: CandidateAssessment
    client: APIClient
    assessment_id: int

    def invite(self, person: Person) -> CandidateAssessment:
        """Another candidate of the same integration, invited and emailed."""
        pk = invite_through_workable(self.client, self.assessment_id, person)
        assert invitations.send_invitation(pk)
        return CandidateAssessment.objects.get(pk=pk)


def invite_through_workable(client: APIClient, assessment_id: int, person: Person) -> int:
    body = invitation_body(
        str(assessment_id),
        candidate={
            "email": person.email,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "phone": person.phone,
            "resume_url": person.resume_url,
        },
    )
    response = client.post("/api/workable/assessments", body, format="json")
    assert response.status_code == 201, response.content
    return int(CandidateAssessment.objects.get(public_id=response.json()["assessment_id"]).pk)


def answer_everything(candidate_assessment_id: int) -> None:
    candidate_assessment = CandidateAssessment.objects.get(pk=candidate_assessment_id)
    questionnaire.accept_terms(candidate_assessment_id)
    for page in questionnaire.question_pages(candidate_assessment.assessment):
        questionnaire.save_answers(candidate_assessment_id, {item: 4 for item in page.items})


def known_candidate(person: Person, *, account: Account | None = None) -> Known:
    """Everything the platform can hold about `person`, left as a live system leaves it."""
    account = account or AccountFactory.create(name="Acme Retail")
    assessment = store_associate(account)
    integration, token = enabled_integration_with_token(account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    pk = invite_through_workable(client, assessment.pk, person)
    assert invitations.send_invitation(pk)
    assert person.email in mail.outbox[-1].to
    # The pending status reaches Workable, which echoes the candidate in its answer.
    [pending] = Delivery.objects.filter(candidate_assessment_id=pk)
    with responses.RequestsMock() as workable:
        workable.put(
            CALLBACK_URL, json={"candidate": {"name": f"{person.first_name} {person.last_name}"}}
        )
        sending.process(pending.pk, deliveries.connect, task_id="task-1")
    answer_everything(pk)
    lifecycle.record_status(
        pk,
        "completed",
        source="engine",
        result=lifecycle.Result(
            score=74,
            recommendation="good_fit",
            competency_scores={"Conscientiousness": 80},
            summary=f"{person.first_name} {person.last_name} answered carefully.",
            duration=datetime.timedelta(minutes=12),
        ),
    )
    candidate_assessment = CandidateAssessment.objects.get(pk=pk)
    # An ATS call naming the candidate that was never linked to them, and an engine event.
    inbound_events.record(
        integration,
        event_id=f"evt-{pk}",
        action="candidate_updated",
        body=json.dumps({"candidate": {"email": person.email, "phone": person.phone}}),
        state=inbound_events.State.IGNORED,
        outcome=f"Nothing to do for {person.email}.",
    )
    EngineEvent.objects.create(
        account=account,
        event_id=f"engine-{pk}",
        candidate_assessment=candidate_assessment,
        type=EngineEvent.Type.STARTED,
        payload={"candidate": f"{person.first_name} {person.last_name}"},
        fingerprint="0" * 64,
        response_status=200,
        response_body={"status": "started"},
    )
    history.record(candidate_assessment, {"reinvited": ("", person.email)})
    Integration.objects.filter(pk=integration.pk).update(
        last_error=f"Workable refused the note for {person.email}."
    )
    now = timezone.now()
    Issue.objects.create(
        integration=integration,
        type=Issue.Type.INBOUND_ERRORS,
        subject=person.email,
        message=f"Workable's call about {person.first_name} {person.last_name} was refused.",
        first_seen_at=now,
        last_seen_at=now,
    )
    return Known(account, integration, candidate_assessment, client, assessment.pk)
