"""The candidate's pages: the way through, saving as they go, and every closed state."""

from __future__ import annotations

import datetime
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.invitations import issue_link
from assessments.lifecycle import Result, create_candidate_assessment, record_status
from assessments.models import (
    Answer,
    Assessment,
    CandidateAssessment,
    CandidateAssessmentEvent,
    CandidateLink,
)
from tests import candidate_support, factories
from tests.candidate_support import ANSWERS, STATEMENTS


@pytest.fixture
def store_associate(db: None) -> Assessment:
    return candidate_support.store_associate(factories.AccountFactory.create(name="Acme Retail"))


@pytest.fixture
def candidate(store_associate: Assessment) -> CandidateAssessment:
    return create_candidate_assessment(
        assessment=store_associate,
        email="jane.doe@example.com",
        first_name="Jane",
        source="test",
    )


@pytest.fixture
def link(candidate: CandidateAssessment) -> str:
    """The token of the candidate's emailed link."""
    return token_of(issue_link(candidate, CandidateLink.IssuedTo.EMAIL))


def token_of(link_url: str) -> str:
    return link_url.rstrip("/").rsplit("/", 1)[-1]


def url(token: str, name: str = "start", *args: Any) -> str:
    return reverse(f"candidate:{name}", args=[token, *args])


def items_by_page(candidate: CandidateAssessment) -> list[list[int]]:
    pages: list[list[int]] = []
    for competency in STATEMENTS:
        pages.append(
            list(
                candidate.assessment.questionnaire_items.filter(competency__name=competency)
                .order_by("position")
                .values_list("pk", flat=True)
            )
        )
    return pages


def page_answers(candidate: CandidateAssessment, page: int) -> dict[str, str]:
    competency = list(STATEMENTS)[page - 1]
    return {
        f"item-{item_id}": str(value)
        for item_id, value in zip(
            items_by_page(candidate)[page - 1], ANSWERS[competency], strict=True
        )
    }


def begin(client: Client, link: str) -> None:
    client.get(url(link))
    client.post(url(link, "terms"), {"accept": "yes"})


def answer_everything(client: Client, candidate: CandidateAssessment, link: str) -> None:
    begin(client, link)
    for page in (1, 2, 3):
        response = client.post(
            url(link, "questions", page), {**page_answers(candidate, page), "action": "next"}
        )
        assert response.status_code == 302


def events(candidate: CandidateAssessment) -> list[tuple[str, str]]:
    return list(
        CandidateAssessmentEvent.objects.filter(candidate_assessment=candidate).values_list(
            "status", "source"
        )
    )


def test_it_welcomes_the_candidate_without_starting_the_assessment(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    response = client.get(url(link))

    candidate.refresh_from_db()
    assert response.status_code == 200
    page = response.content.decode()
    assert "Welcome, Jane" in page
    assert "Store Associate Assessment" in page
    assert "Acme Retail" in page
    assert "11 short statements in 3 parts" in page
    assert f'href="{url(link, "terms")}"' in page
    assert candidate.status == "pending"
    assert candidate.started_at is None
    assert events(candidate) == [("pending", "test")]


def test_accepting_the_terms_is_what_starts_the_assessment(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    client.get(url(link))
    client.get(url(link, "terms"))
    client.post(url(link, "terms"), {})  # not ticked: refused, still not started
    assert events(candidate) == [("pending", "test")]

    client.post(url(link, "terms"), {"accept": "yes"})

    candidate.refresh_from_db()
    assert candidate.status == "started"
    assert candidate.started_at is not None
    assert candidate.terms_accepted_at is not None
    assert events(candidate) == [("pending", "test"), ("started", "candidate")]
    # accepting again, or opening the link again, changes nothing
    client.post(url(link, "terms"), {"accept": "yes"})
    client.get(url(link))
    assert len(events(candidate)) == 2


@pytest.mark.parametrize("method", ["get", "head"])
def test_a_mail_scanner_opening_every_page_changes_nothing(
    client: Client, candidate: CandidateAssessment, link: str, method: str
) -> None:
    # given a scanner or link preview that follows the link and every page it can reach
    before = CandidateAssessment.objects.filter(pk=candidate.pk).values().get()
    pages = [url(link, name) for name in ("start", "terms", "review", "saved", "done")]
    pages += [url(link, "questions", number) for number in (1, 2, 3)]

    answers = [getattr(client, method)(page, follow=True).status_code for page in pages]

    # then every page answers, and the assessment is exactly as it was
    assert set(answers) == {200}
    assert CandidateAssessment.objects.filter(pk=candidate.pk).values().get() == before
    assert events(candidate) == [("pending", "test")]
    assert not Answer.objects.filter(candidate_assessment=candidate).exists()


def test_it_asks_for_the_terms_before_any_question(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    client.get(url(link))

    # a new candidate is sent to the welcome, which leads to the terms
    assert client.get(url(link, "questions", 1)).url == url(link)
    refused = client.post(url(link, "terms"), {})
    accepted = client.post(url(link, "terms"), {"accept": "yes"})

    assert refused.status_code == 422
    assert "Tick the box to accept the terms" in refused.content.decode()
    assert accepted.status_code == 302
    assert accepted.url == url(link, "questions", 1)
    candidate.refresh_from_db()
    assert candidate.terms_accepted_at is not None


def test_a_page_other_than_the_welcome_sends_a_new_candidate_to_the_welcome(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    response = client.get(url(link, "questions", 1))

    assert response.url == url(link)
    candidate.refresh_from_db()
    assert candidate.status == "pending"


def test_it_renders_each_statement_as_an_accessible_radio_group(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    begin(client, link)

    page = client.get(url(link, "questions", 1)).content.decode()

    assert '<html lang="en">' in page
    assert 'name="viewport"' in page
    assert page.count("<fieldset") == 4
    assert page.count("<legend>") == 4
    assert "I often leave things until the last minute." in page
    radio_ids = re.findall(r'<input type="radio" id="([^"]+)"', page)
    assert len(radio_ids) == 20
    for radio_id in radio_ids:
        assert f'<label class="scale__option" for="{radio_id}">' in page
    assert "Part 1 of 3" in page
    assert 'max="11" value="0"' in page
    assert "csrfmiddlewaretoken" in page


def test_it_keeps_answers_and_names_the_missing_ones(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    begin(client, link)
    first_two = dict(list(page_answers(candidate, 1).items())[:2])

    response = client.post(url(link, "questions", 1), {**first_two, "action": "next"})

    page = response.content.decode()
    assert response.status_code == 422
    assert "There is a problem" in page
    assert page.count("Choose an answer for this statement.") == 2
    assert Answer.objects.filter(candidate_assessment=candidate).count() == 2
    assert 'max="11" value="2"' in page
    # the answers given are shown checked again
    assert page.count(" checked>") == 2


def test_it_saves_a_single_answer_for_the_script(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    begin(client, link)
    item_id = items_by_page(candidate)[1][0]

    # URL-encoded, as the page's script sends it
    response = client.post(
        url(link, "questions", 2),
        urlencode({f"item-{item_id}": "4", "action": "autosave"}),
        content_type="application/x-www-form-urlencoded;charset=UTF-8",
    )

    assert response.status_code == 200
    assert response.json() == {
        "answered": 1,
        "total": 11,
        "percent": 9,
        "label": "1 of 11 answered",
    }
    assert Answer.objects.get(candidate_assessment=candidate, item_id=item_id).value == 4


def test_an_autosave_costs_two_sql_statements_on_postgresql(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    """The link with its questionnaire's version (the pages come from the cache), then the
    lock, the answers and the upsert in one statement. SQLite saves in the ORM: SAVEPOINT, the
    lock, the answers, the upsert, RELEASE (standing for BEGIN and COMMIT here)."""
    begin(client, link)
    first, second = items_by_page(candidate)[0][:2]
    client.post(url(link, "questions", 1), {f"item-{first}": "3", "action": "autosave"})

    with CaptureQueriesContext(connection) as context:
        response = client.post(
            url(link, "questions", 1), {f"item-{second}": "4", "action": "autosave"}
        )

    assert response.status_code == 200
    assert response.json()["answered"] == 2
    statements = [query["sql"] for query in context.captured_queries]
    expected = 2 if connection.vendor == "postgresql" else 6
    assert len(statements) == expected, "\n".join(statements)


def test_a_changed_answer_replaces_the_saved_one(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    begin(client, link)
    item_id = items_by_page(candidate)[0][0]
    for value in ("2", "5"):
        client.post(url(link, "questions", 1), {f"item-{item_id}": value, "action": "autosave"})

    assert list(
        Answer.objects.filter(candidate_assessment=candidate).values_list("item_id", "value")
    ) == [(item_id, 5)]


def test_it_ignores_values_off_the_scale_and_items_of_other_pages(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    begin(client, link)
    first, second = items_by_page(candidate)[0][:2]
    other_page_item = items_by_page(candidate)[1][0]

    client.post(
        url(link, "questions", 1),
        {
            f"item-{first}": "9",
            f"item-{second}": "x",
            f"item-{items_by_page(candidate)[0][2]}": "²",
            f"item-{items_by_page(candidate)[0][3]}": "9" * 5000,
            f"item-{other_page_item}": "3",
            "action": "later",
        },
    )

    assert not Answer.objects.filter(candidate_assessment=candidate).exists()


def test_the_candidate_can_leave_half_way_and_resume(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    # given page 1 done and half of page 2
    begin(client, link)
    client.post(url(link, "questions", 1), {**page_answers(candidate, 1), "action": "next"})
    half = dict(list(page_answers(candidate, 2).items())[:1])

    # when they choose to finish later
    leaving = client.post(url(link, "questions", 2), {**half, "action": "later"})

    # then the answers are kept and the link brings them back to page 2
    assert leaving.url == url(link, "saved")
    saved_page = client.get(leaving.url).content.decode()
    assert "Your answers are saved" in saved_page
    assert "5 of 11 answered" in saved_page
    welcome_back = Client().get(url(link)).content.decode()
    assert "Welcome back, Jane" in welcome_back
    assert f'href="{url(link, "questions", 2)}"' in welcome_back
    page_two = client.get(url(link, "questions", 2)).content.decode()
    assert page_two.count(" checked>") == 1


def test_back_saves_and_goes_to_the_previous_page(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    begin(client, link)

    response = client.post(
        url(link, "questions", 2), {**page_answers(candidate, 2), "action": "back"}
    )

    assert response.url == url(link, "questions", 1)
    assert Answer.objects.filter(candidate_assessment=candidate).count() == 3


def test_a_page_number_out_of_range_goes_to_where_the_candidate_is(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    begin(client, link)

    assert client.get(url(link, "questions", 9)).url == url(link, "questions", 1)
    assert client.get(url(link, "questions", 0)).url == url(link, "questions", 1)


def test_the_review_lists_what_is_still_open_and_refuses_an_early_submit(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    begin(client, link)
    client.post(url(link, "questions", 1), {**page_answers(candidate, 1), "action": "next"})

    review = client.get(url(link, "review")).content.decode()
    early = client.post(url(link, "review"))

    assert "All 4 answered" in review
    assert "0 of 3 answered" in review
    assert "Submit my answers" not in review
    assert early.status_code == 422
    candidate.refresh_from_db()
    assert candidate.status == "started"


def test_submitting_computes_and_records_the_result(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    # given every statement answered, as in the worked example, 12 minutes after starting
    answer_everything(client, candidate, link)
    CandidateAssessment.objects.filter(pk=candidate.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=12, seconds=5)
    )
    assert "Submit my answers" in client.get(url(link, "review")).content.decode()

    # when they submit
    response = client.post(url(link, "review"))

    # then the result is the hand-computed one and they see the thank-you page
    assert response.url == url(link, "done")
    candidate.refresh_from_db()
    assert candidate.status == "completed"
    assert candidate.competency_scores == candidate_support.EXPECTED_SCORES
    assert candidate.score == candidate_support.EXPECTED_SCORE == 78
    assert candidate.recommendation == "great_fit"
    assert candidate.summary == candidate_support.EXPECTED_SUMMARY
    assert candidate.duration is not None
    assert (
        datetime.timedelta(minutes=12, seconds=5)
        <= candidate.duration
        <= datetime.timedelta(minutes=12, seconds=10)
    )
    assert events(candidate)[-1] == ("completed", "candidate")
    thank_you = client.get(response.url)
    assert thank_you.status_code == 200
    assert "Thank you, Jane" in thank_you.content.decode()


def test_a_second_submit_changes_nothing(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    answer_everything(client, candidate, link)
    client.post(url(link, "review"))

    again = client.post(url(link, "review"))
    late_answer = client.post(
        url(link, "questions", 1), {**page_answers(candidate, 1), "action": "next"}
    )

    assert again.url == url(link, "done")
    assert late_answer.url == url(link, "done")
    assert [status for status, _ in events(candidate)].count("completed") == 1


def test_a_completed_link_opens_the_thank_you_page(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    answer_everything(client, candidate, link)
    client.post(url(link, "review"))

    response = client.get(url(link), follow=True)

    assert response.status_code == 200
    assert "You have completed the assessment" in response.content.decode()


def test_the_thank_you_page_of_an_unfinished_assessment_goes_back_to_the_start(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    assert client.get(url(link, "done")).url == url(link)


@pytest.mark.parametrize(
    "name",
    ["start", "terms", "questions", "review", "saved", "done"],
)
def test_an_unknown_link_shows_a_clear_404_page(client: Client, name: str, db: None) -> None:
    args = ["not-a-real-token", 1] if name == "questions" else ["not-a-real-token"]

    response = client.get(reverse(f"candidate:{name}", args=args))

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_an_expired_invitation_shows_a_clear_410_page(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    record_status(candidate.pk, "expired", source="expiry")

    response = client.get(url(link))

    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    assert "contact Acme Retail" in response.content.decode()


def test_a_link_past_its_expiry_is_expired_before_the_sweeper_runs(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    # given a candidate half-way, whose invitation ran out a minute ago
    begin(client, link)
    CandidateAssessment.objects.filter(pk=candidate.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    # when they post answers
    response = client.post(
        url(link, "questions", 1), {**page_answers(candidate, 1), "action": "next"}
    )

    # then they see the expired page, and the expiry is recorded like the sweeper would
    assert response.status_code == 410
    candidate.refresh_from_db()
    assert candidate.status == "expired"
    assert events(candidate)[-1] == ("expired", "expiry")
    assert not Answer.objects.filter(candidate_assessment=candidate).exists()


def test_a_withdrawn_invitation_shows_a_clear_410_page(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    record_status(candidate.pk, "rejected", source="ats")

    for name, args in [("start", []), ("terms", []), ("questions", [1]), ("review", [])]:
        response = client.get(url(link, name, *args))
        assert response.status_code == 410
        assert "This invitation has been withdrawn" in response.content.decode()


def test_a_link_completed_by_the_engine_shows_the_thank_you_page(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    record_status(
        candidate.pk,
        "completed",
        source="engine",
        result=Result(
            score=60,
            recommendation="good_fit",
            competency_scores={},
            summary="Good fit.",
            duration=datetime.timedelta(minutes=5),
        ),
    )

    assert client.get(url(link, "questions", 1)).url == url(link, "done")


def test_an_assessment_without_statements_says_it_is_not_ready(client: Client, db: None) -> None:
    assessment = factories.AssessmentFactory.create()
    candidate = create_candidate_assessment(
        assessment=assessment, email="sam@example.com", source="test"
    )
    link = token_of(issue_link(candidate, CandidateLink.IssuedTo.EMAIL))

    welcome = client.get(url(link))
    terms = client.get(url(link, "terms"))

    assert welcome.status_code == 200
    assert "questions are not ready yet" in welcome.content.decode()
    assert "Start" not in welcome.content.decode()
    assert terms.status_code == 503
    assert "not ready yet" in terms.content.decode()


def test_every_form_needs_the_csrf_token(candidate: CandidateAssessment, link: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(url(link))

    response = client.post(url(link, "terms"), {"accept": "yes"})

    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.terms_accepted_at is None


def test_the_pages_are_never_cached(
    client: Client, candidate: CandidateAssessment, link: str
) -> None:
    response = client.get(url(link))

    assert "no-store" in response["Cache-Control"]
