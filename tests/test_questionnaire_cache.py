"""The questionnaire's pages kept in memory: every way its items and competencies change makes
the very next candidate request read them again, and the one-statement save keeps the ORM
save's guarantees."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessments import questionnaire
from assessments.invitations import issue_link
from assessments.models import (
    Answer,
    Assessment,
    CandidateAssessment,
    CandidateLink,
    Competency,
    QuestionnaireItem,
    QuestionnaireVersion,
)
from assessments.questionnaire import AnsweringClosed
from tests import candidate_support, factories
from tests.test_candidate_pages import begin, items_by_page, token_of, url

Status = CandidateAssessment.Status


@pytest.fixture
def store_associate(db: None) -> Assessment:
    return candidate_support.store_associate(factories.AccountFactory.create(name="Acme Retail"))


@pytest.fixture
def candidate(store_associate: Assessment) -> CandidateAssessment:
    return factories.CandidateAssessmentFactory.create(assessment=store_associate)


def token(candidate: CandidateAssessment) -> str:
    return token_of(issue_link(candidate, CandidateLink.IssuedTo.EMAIL))


def version(assessment: Assessment) -> uuid.UUID:
    return QuestionnaireVersion.objects.get(assessment=assessment).version


def first_item(assessment: Assessment) -> QuestionnaireItem:
    return assessment.questionnaire_items.order_by("id").first()  # type: ignore[return-value]


def first_competency(assessment: Assessment) -> Competency:
    return assessment.competencies.order_by("id").first()  # type: ignore[return-value]


def save_item(assessment: Assessment) -> None:
    item = first_item(assessment)
    item.text = "I plan my day."
    item.save()


def update_items(assessment: Assessment) -> None:
    assessment.questionnaire_items.update(is_reversed=True)


def bulk_create_item(assessment: Assessment) -> None:
    QuestionnaireItem.objects.bulk_create(
        [
            QuestionnaireItem(
                assessment=assessment, competency=first_competency(assessment), text="New"
            )
        ]
    )


def bulk_update_items(assessment: Assessment) -> None:
    item = first_item(assessment)
    item.position = 9
    QuestionnaireItem.objects.bulk_update([item], ["position"])


def delete_item(assessment: Assessment) -> None:
    first_item(assessment).delete()


def delete_items(assessment: Assessment) -> None:
    assessment.questionnaire_items.filter(pk=first_item(assessment).pk).delete()


def update_items_in_sql(assessment: Assessment) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assessments_questionnaireitem SET text = 'SQL' WHERE assessment_id = %s",
            [assessment.pk],
        )


def save_competency(assessment: Assessment) -> None:
    competency = first_competency(assessment)
    competency.translations = {"nl": "Anders"}
    competency.save()


def update_competencies(assessment: Assessment) -> None:
    assessment.competencies.update(position=7)


def create_competency(assessment: Assessment) -> None:
    Competency.objects.create(assessment=assessment, name="Resilience")


def delete_competency(assessment: Assessment) -> None:
    first_competency(assessment).delete()


WRITES: list[Callable[[Assessment], None]] = [
    save_item,
    update_items,
    bulk_create_item,
    bulk_update_items,
    delete_item,
    delete_items,
    update_items_in_sql,
    save_competency,
    update_competencies,
    create_competency,
    delete_competency,
]


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
def test_every_write_to_items_or_competencies_changes_the_version(
    store_associate: Assessment, write: Callable[[Assessment], None]
) -> None:
    before = version(store_associate)

    write(store_associate)

    assert version(store_associate) != before


def test_an_item_moved_to_another_assessment_changes_both_versions(
    store_associate: Assessment,
) -> None:
    other = factories.AssessmentFactory.create(competencies=["Other"])
    before, other_before = version(store_associate), version(other)

    QuestionnaireItem.objects.filter(pk=first_item(store_associate).pk).update(
        assessment=other, competency=first_competency(other)
    )

    assert version(store_associate) != before
    assert version(other) != other_before


def test_writes_elsewhere_keep_the_version(store_associate: Assessment) -> None:
    before = version(store_associate)

    Assessment.objects.filter(pk=store_associate.pk).update(name="Renamed")
    store_associate.refresh_from_db()
    store_associate.save()

    assert version(store_associate) == before


def test_deleting_an_assessment_leaves_no_version(store_associate: Assessment) -> None:
    store_associate.delete()

    assert not QuestionnaireVersion.objects.exists()


def test_pages_come_from_the_cache_while_the_version_stands(
    candidate: CandidateAssessment,
) -> None:
    link = token(candidate)
    first = questionnaire.find_link(link)
    assert first is not None
    pages = questionnaire.question_pages(first.candidate_assessment.assessment)
    again = questionnaire.find_link(link)
    assert again is not None

    with CaptureQueriesContext(connection) as context:
        cached = questionnaire.question_pages(again.candidate_assessment.assessment)

    assert cached is pages
    assert not context.captured_queries


def test_without_a_version_read_with_it_the_pages_are_read(
    candidate: CandidateAssessment,
) -> None:
    """An assessment loaded on its own (as the submit does) never uses the cache."""
    link = token(candidate)
    found = questionnaire.find_link(link)
    assert found is not None
    questionnaire.question_pages(found.candidate_assessment.assessment)
    QuestionnaireItem.objects.filter(pk=first_item(candidate.assessment).pk).update(text="Changed")

    pages = questionnaire.question_pages(Assessment.objects.get(pk=candidate.assessment_id))

    assert "Changed" in [item.text for page in pages for item in page.items]


def test_an_edit_without_a_signal_shows_on_the_very_next_request(
    client: Client, candidate: CandidateAssessment
) -> None:
    """The cache of this process holds the old pages, as another process's would."""
    link = token(candidate)
    begin(client, link)
    assert "I plan my day." not in client.get(url(link, "questions", 1)).content.decode()
    item = first_item(candidate.assessment)
    heading = item.competency.name

    QuestionnaireItem.objects.filter(pk=item.pk).update(text="I plan my day.")
    Competency.objects.filter(pk=item.competency_id).update(name="Planning")

    page = client.get(url(link, "questions", 1)).content.decode()
    assert "I plan my day." in page
    assert "Planning" in page
    assert heading not in page


def test_an_item_added_counts_in_the_next_autosave(
    client: Client, candidate: CandidateAssessment
) -> None:
    link = token(candidate)
    begin(client, link)
    item_id = items_by_page(candidate)[0][0]
    autosave = {f"item-{item_id}": "4", "action": "autosave"}
    assert client.post(url(link, "questions", 1), autosave).json()["total"] == 11

    bulk_create_item(candidate.assessment)

    assert client.post(url(link, "questions", 1), autosave).json()["total"] == 12


def saves_here() -> list[object]:
    """The ORM save runs on both databases; the one statement on PostgreSQL only."""
    return [
        questionnaire._save_in_orm,
        pytest.param(questionnaire._save_in_one_statement, marks=pytest.mark.postgres),
    ]


Save = Callable[[int, dict[QuestionnaireItem, int]], dict[int, int]]


@pytest.fixture
def started(candidate: CandidateAssessment) -> CandidateAssessment:
    CandidateAssessment.objects.filter(pk=candidate.pk).update(status=Status.STARTED)
    return candidate


@pytest.mark.parametrize("save", saves_here(), ids=["orm", "one_statement"])
def test_a_save_stores_and_returns_every_answer(started: CandidateAssessment, save: Save) -> None:
    first, second, third = started.assessment.questionnaire_items.order_by("id")[:3]
    save(started.pk, {first: 2, second: 3})
    other_item = factories.AssessmentFactory.create(competencies=["Other"])
    foreign = QuestionnaireItem.objects.create(
        assessment=other_item, competency=other_item.competencies.get(), text="Foreign"
    )

    answers = save(started.pk, {second: 5, third: 1, foreign: 4})

    assert answers == {first.pk: 2, second.pk: 5, third.pk: 1}
    assert (
        dict(Answer.objects.filter(candidate_assessment=started).values_list("item_id", "value"))
        == answers
    )


@pytest.mark.parametrize("save", saves_here(), ids=["orm", "one_statement"])
@pytest.mark.parametrize("status", [Status.PENDING, Status.COMPLETED, Status.EXPIRED])
def test_a_save_is_refused_unless_started(
    candidate: CandidateAssessment, save: Save, status: str
) -> None:
    CandidateAssessment.objects.filter(pk=candidate.pk).update(status=status)
    item = first_item(candidate.assessment)

    with pytest.raises(AnsweringClosed):
        save(candidate.pk, {item: 3})

    assert not Answer.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_save_waiting_for_a_submit_is_refused_once_it_completed() -> None:
    """The one-statement save waits for the lock and checks the status the submit left."""
    assessment = candidate_support.store_associate(factories.AccountFactory.create())
    candidate = factories.CandidateAssessmentFactory.create(
        assessment=assessment, status=Status.STARTED
    )
    item = first_item(assessment)
    outcome: list[object] = []

    def save() -> None:
        try:
            outcome.append(questionnaire._save_in_one_statement(candidate.pk, {item: 3}))
        except AnsweringClosed as error:
            outcome.append(error)
        finally:
            connection.close()

    with transaction.atomic():
        CandidateAssessment.objects.select_for_update().get(pk=candidate.pk)
        saver = threading.Thread(target=save)
        saver.start()
        time.sleep(0.5)
        assert not outcome, "the save did not wait for the lock"
        CandidateAssessment.objects.filter(pk=candidate.pk).update(status=Status.COMPLETED)
    saver.join(10)

    assert len(outcome) == 1
    assert isinstance(outcome[0], AnsweringClosed)
    assert not Answer.objects.exists()


def test_the_link_comes_with_what_it_points_to_as_the_orm_reads_them(
    candidate: CandidateAssessment,
) -> None:
    found = questionnaire.find_link(token(candidate))
    assert found is not None

    with CaptureQueriesContext(connection) as context:
        loaded = [
            found,
            found.candidate_assessment,
            found.candidate_assessment.assessment,
            found.candidate_assessment.account,
            found.candidate_assessment.assessment.questionnaire_version,
        ]

    assert not context.captured_queries
    for instance in loaded:
        fresh = type(instance)._default_manager.get(pk=instance.pk)
        for field in instance._meta.concrete_fields:
            assert getattr(instance, field.attname) == getattr(fresh, field.attname), field


def test_an_assessment_without_a_version_gets_no_cached_pages(db: None) -> None:
    """As one never given a competency: nothing wrote its version."""
    assessment = factories.AssessmentFactory.create()
    assessment.competencies.all().delete()
    QuestionnaireVersion.objects.filter(assessment=assessment).delete()
    candidate = factories.CandidateAssessmentFactory.create(assessment=assessment)

    found = questionnaire.find_link(token(candidate))

    assert found is not None
    assert questionnaire.question_pages(found.candidate_assessment.assessment) == []
    with CaptureQueriesContext(connection) as context:
        assert questionnaire.question_pages(found.candidate_assessment.assessment) == []
    assert len(context.captured_queries) == 1


def test_an_unknown_token_finds_no_link(db: None) -> None:
    assert questionnaire.find_link("not-a-token") is None
