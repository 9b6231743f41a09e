"""The questionnaire and the cut-offs, as a Harver Admin edits them on the assessment's page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from assessments.demo import load_demo_data
from assessments.models import Assessment, QuestionnaireItem
from tests import factories
from tests.admin_support import staff_member


@pytest.fixture
def harver_admin_client(client: Client, db: None) -> tuple[Client, Assessment]:
    account = factories.AccountFactory.create(name="Acme Retail")
    assessment = factories.AssessmentFactory.create(
        account=account, competencies=["Conscientiousness", "Agreeableness"]
    )
    client.force_login(staff_member(account, username="hannah"))
    return client, assessment


def change_form(
    assessment: Assessment, items: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "account": assessment.account_id,
        "name": assessment.name,
        "job_code": assessment.job_code,
        "is_active": "on",
        "completion_days": 14,
        "reminder_hours_before": "",
        "language": "en",
        "great_fit_min": 75,
        "good_fit_min": 55,
        "competencies-TOTAL_FORMS": 0,
        "competencies-INITIAL_FORMS": 0,
        "questionnaire_items-TOTAL_FORMS": len(items),
        "questionnaire_items-INITIAL_FORMS": 0,
        **fields,
    }
    for index, item in enumerate(items):
        for key, value in item.items():
            data[f"questionnaire_items-{index}-{key}"] = value
    return data


def url(assessment: Assessment) -> str:
    return reverse("admin:assessments_assessment_change", args=[assessment.pk])


def test_it_adds_statements_and_cut_offs_to_an_assessment(harver_admin_client) -> None:
    client, assessment = harver_admin_client
    conscientiousness = assessment.competencies.get(name="Conscientiousness")

    response = client.post(
        url(assessment),
        change_form(
            assessment,
            [
                {
                    "competency": conscientiousness.pk,
                    "text": "I finish what I start.",
                    "position": 0,
                },
                {
                    "competency": conscientiousness.pk,
                    "text": "I often leave things until the last minute.",
                    "is_reversed": "on",
                    "position": 1,
                },
            ],
        ),
    )

    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.great_fit_min, assessment.good_fit_min) == (75, 55)
    assert list(
        QuestionnaireItem.objects.filter(assessment=assessment).values_list("text", "is_reversed")
    ) == [("I finish what I start.", False), ("I often leave things until the last minute.", True)]


def test_it_offers_only_the_assessments_own_competencies(harver_admin_client) -> None:
    client, assessment = harver_admin_client
    factories.AssessmentFactory.create(account=assessment.account, competencies=["Leadership"])

    page = client.get(url(assessment)).content.decode()

    assert "Conscientiousness</option>" in page
    assert "Leadership</option>" not in page


def test_it_refuses_a_competency_of_another_assessment(harver_admin_client) -> None:
    client, assessment = harver_admin_client
    other = factories.AssessmentFactory.create(
        account=assessment.account, competencies=["Leadership"]
    )

    response = client.post(
        url(assessment),
        change_form(
            assessment,
            [{"competency": other.competencies.get().pk, "text": "I lead.", "position": 0}],
        ),
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not QuestionnaireItem.objects.exists()


def test_it_refuses_a_great_fit_cut_off_at_or_below_the_good_fit_one(harver_admin_client) -> None:
    client, assessment = harver_admin_client

    response = client.post(url(assessment), change_form(assessment, [], great_fit_min=50))

    assert response.status_code == 200
    assert "The great fit cut-off must be above the good fit one." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.great_fit_min == 70


def test_the_model_refuses_a_competency_of_another_assessment(db: None) -> None:
    assessment = factories.AssessmentFactory.create()
    other = factories.AssessmentFactory.create(competencies=["Leadership"])
    item = QuestionnaireItem(
        assessment=assessment, competency=other.competencies.get(), text="I lead."
    )

    with pytest.raises(ValidationError, match="this assessment's own competencies"):
        item.full_clean()


def test_the_demo_data_ships_a_questionnaire_with_cut_offs_once(db: None) -> None:
    load_demo_data()
    load_demo_data()

    for assessment in Assessment.objects.all():
        items = QuestionnaireItem.objects.filter(assessment=assessment)
        assert assessment.great_fit_min > assessment.good_fit_min
        assert items.filter(is_reversed=True).exists()
        for competency in assessment.competencies.all():
            assert 3 <= items.filter(competency=competency).count() <= 4
    assert QuestionnaireItem.objects.count() == 32


def test_each_statement_and_competency_carries_a_translation_per_language(
    harver_admin_client,
) -> None:
    client, assessment = harver_admin_client
    conscientiousness = assessment.competencies.get(name="Conscientiousness")
    agreeableness = assessment.competencies.get(name="Agreeableness")
    competencies: dict[str, Any] = {
        "competencies-TOTAL_FORMS": 2,
        "competencies-INITIAL_FORMS": 2,
    }
    for index, (competency, dutch) in enumerate(
        [(conscientiousness, "Zorgvuldigheid"), (agreeableness, "")]
    ):
        competencies |= {
            f"competencies-{index}-id": competency.pk,
            f"competencies-{index}-assessment": assessment.pk,
            f"competencies-{index}-name": competency.name,
            f"competencies-{index}-translation_nl": dutch,
            f"competencies-{index}-weight": 1,
            f"competencies-{index}-position": index,
        }
    page = client.get(url(assessment)).content.decode()
    assert "Statement (Nederlands)" in page
    assert "Name (Nederlands)" in page

    response = client.post(
        url(assessment),
        change_form(
            assessment,
            [
                {
                    "competency": conscientiousness.pk,
                    "text": "I finish what I start.",
                    "translation_nl": "  Ik maak af waar ik aan begin.  ",
                    "position": 0,
                }
            ],
            **competencies,
        ),
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    item = QuestionnaireItem.objects.get(assessment=assessment)
    assert item.translations == {"nl": "Ik maak af waar ik aan begin."}
    assert (item.text_in("nl"), item.text_in("en")) == (
        "Ik maak af waar ik aan begin.",
        "I finish what I start.",
    )
    conscientiousness.refresh_from_db()
    agreeableness.refresh_from_db()
    assert conscientiousness.translations == {"nl": "Zorgvuldigheid"}
    assert agreeableness.name_in("nl") == "Agreeableness"
    edit = client.get(url(assessment)).content.decode()
    assert 'value="Ik maak af waar ik aan begin."' in edit
