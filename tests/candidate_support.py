"""The Store Associate questionnaire the candidate tests take, and the worked example's answers.

The questionnaire is the demo's (`assessments.demo`), with its Dutch, so the tests take what a
demo candidate takes. The answers give the result worked out by hand in
docs/candidate-experience.md: competency scores 81, 50 and 94, matching score 78, a great fit.
"""

from __future__ import annotations

from accounts.models import Account
from assessments.demo import DEMO_ASSESSMENTS, DEMO_CUT_OFFS, DEMO_ITEMS, demo_translations
from assessments.models import Assessment
from tests import factories

NAME, JOB_CODE, COMPETENCIES = DEMO_ASSESSMENTS[0]
WEIGHTS = dict(COMPETENCIES)
STATEMENTS = {name: DEMO_ITEMS[name] for name in WEIGHTS}
ANSWERS = {
    "Conscientiousness": [5, 4, 2, 4],
    "Agreeableness": [3, 4, 4],
    "Customer focus": [5, 4, 1, 5],
}
EXPECTED_SCORES = {"Conscientiousness": 81, "Agreeableness": 50, "Customer focus": 94}
EXPECTED_SCORE = 78
EXPECTED_SUMMARY = "Great fit. Strongest: Customer focus (94)."


def store_associate(account: Account) -> Assessment:
    """The demo's Store Associate assessment: weighted competencies, statements, cut-offs."""
    great_fit_min, good_fit_min = DEMO_CUT_OFFS[JOB_CODE]
    assessment = factories.AssessmentFactory.create(
        account=account,
        name=NAME,
        great_fit_min=great_fit_min,
        good_fit_min=good_fit_min,
        competencies=list(STATEMENTS),
    )
    for name, weight in WEIGHTS.items():
        assessment.competencies.filter(name=name).update(
            weight=weight, translations=demo_translations(name)
        )
    for item in factories.add_questionnaire(assessment, STATEMENTS):
        item.translations = demo_translations(item.text)
        item.save(update_fields=["translations"])
    return assessment
