"""Every page a candidate can be shown, each reached the way a candidate reaches it.

`tour(language)` makes one candidate assessment per state (fresh, returning, answering, missing
answers, review, saved, done, expired, withdrawn, replaced, erased, not ready, unknown link) of
an assessment in `language`, and lists where each page is: a path, and the form posted there
when the page is the answer to a post. The language tests render every stop in every shipped
language; the accessibility tests open them in Chromium.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from assessments import lifecycle, questionnaire
from assessments.invitations import issue_link
from assessments.lifecycle import create_candidate_assessment
from assessments.models import Assessment, CandidateAssessment, CandidateLink
from assessments.personal_data import rights
from tests import candidate_support, factories

COMPANY = "Acme Retail"
FIRST_NAME = "Jane"


@dataclass(frozen=True)
class Stop:
    name: str
    path: str
    form: dict[str, str] | None = None
    status: int = 200


def _url(token: str, name: str = "start", *args: object) -> str:
    return reverse(f"candidate:{name}", args=[token, *args])


def _candidate(assessment: Assessment, key: str) -> tuple[CandidateAssessment, str]:
    candidate = create_candidate_assessment(
        assessment=assessment,
        email=f"{key}@example.com",
        first_name=FIRST_NAME,
        source="test",
    )
    link = issue_link(candidate, CandidateLink.IssuedTo.EMAIL)
    return candidate, link.rstrip("/").rsplit("/", 1)[-1]


def _answer(candidate: CandidateAssessment, pages: int | None = None) -> None:
    questionnaire.accept_terms(candidate.pk)
    for page in questionnaire.question_pages(candidate.assessment)[:pages]:
        questionnaire.save_answers(candidate.pk, {item: 4 for item in page.items})


def tour(language: str, *, account: Account | None = None) -> list[Stop]:
    """The stops of a candidate's pages of a new Store Associate assessment in `language`."""
    account = account or Account.objects.get_or_create(name=COMPANY)[0]
    assessment = candidate_support.store_associate(account)
    assessment.language = language
    assessment.save()
    empty = factories.AssessmentFactory.create(account=account, language=language)
    stops: list[Stop] = []

    _, fresh = _candidate(assessment, "fresh")
    stops += [
        Stop("welcome", _url(fresh)),
        Stop("terms", _url(fresh, "terms")),
    ]
    _, refusing = _candidate(assessment, "refusing")
    stops.append(Stop("terms refused", _url(refusing, "terms"), form={}, status=422))
    answering, answering_token = _candidate(assessment, "answering")
    _answer(answering, pages=1)
    stops += [
        Stop("welcome back", _url(answering_token)),
        Stop("questions", _url(answering_token, "questions", 2)),
        Stop(
            "questions missing",
            _url(answering_token, "questions", 2),
            form={"action": "next"},
            status=422,
        ),
        Stop("review incomplete", _url(answering_token, "review")),
        Stop("review refused", _url(answering_token, "review"), form={}, status=422),
        Stop("saved", _url(answering_token, "saved")),
    ]
    complete, complete_token = _candidate(assessment, "complete")
    _answer(complete)
    stops.append(Stop("review complete", _url(complete_token, "review")))
    done, done_token = _candidate(assessment, "done")
    _answer(done)
    questionnaire.submit(done.pk)
    stops.append(Stop("thank you", _url(done_token, "done")))
    expired, expired_token = _candidate(assessment, "expired")
    CandidateAssessment.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    stops.append(Stop("expired", _url(expired_token), status=410))
    withdrawn, withdrawn_token = _candidate(assessment, "withdrawn")
    lifecycle.record_status(withdrawn.pk, "rejected", source="test")
    stops.append(Stop("withdrawn", _url(withdrawn_token), status=410))
    replaced, replaced_token = _candidate(assessment, "replaced")
    CandidateLink.objects.filter(candidate_assessment=replaced).update(superseded_at=timezone.now())
    stops.append(Stop("replaced", _url(replaced_token), status=410))
    _, erased_token = _candidate(assessment, "erased")
    rights.erase_candidate(account, "erased@example.com", actor="test")
    stops.append(Stop("erased", _url(erased_token), status=410))
    _, not_ready = _candidate(empty, "not-ready")
    stops += [
        Stop("not ready", _url(not_ready)),
        Stop("not ready questions", _url(not_ready, "terms"), status=503),
        Stop("unknown link", _url("not-a-valid-token"), status=404),
    ]
    return stops
