"""The Store Associate questionnaire the candidate tests take, and the worked example's answers.

The answers give the result worked out by hand in docs/candidate-experience.md: competency
scores 81, 50 and 94, matching score 78, a great fit.
"""

from __future__ import annotations

from accounts.models import Account
from assessments.models import Assessment
from tests import factories

STATEMENTS = {
    "Conscientiousness": [
        ("I finish the tasks I start, even the dull ones.", False),
        ("I double-check my work before I hand it over.", False),
        ("I often leave things until the last minute.", True),
        ("I keep my workplace tidy and organised.", False),
    ],
    "Agreeableness": [
        ("I enjoy helping colleagues who are falling behind.", False),
        ("I find it hard to see things from someone else's point of view.", True),
        ("I try to find a solution that works for everyone in a disagreement.", False),
    ],
    "Customer focus": [
        ("I go out of my way to make a customer's visit a good one.", False),
        ("I stay friendly with customers who are rude to me.", False),
        ("Customers' problems are not my concern once they have paid.", True),
        ("I ask customers what they need instead of guessing.", False),
    ],
}
WEIGHTS = {"Conscientiousness": 3, "Agreeableness": 2, "Customer focus": 3}
ANSWERS = {
    "Conscientiousness": [5, 4, 2, 4],
    "Agreeableness": [3, 4, 4],
    "Customer focus": [5, 4, 1, 5],
}
EXPECTED_SCORES = {"Conscientiousness": 81, "Agreeableness": 50, "Customer focus": 94}
EXPECTED_SCORE = 78
EXPECTED_SUMMARY = "Great fit. Strongest: Customer focus (94)."


def store_associate(account: Account) -> Assessment:
    """The assessment with its weighted competencies and statements, cut-offs 70 / 50."""
    assessment = factories.AssessmentFactory.create(
        account=account, name="Store Associate Assessment", competencies=list(STATEMENTS)
    )
    for name, weight in WEIGHTS.items():
        assessment.competencies.filter(name=name).update(weight=weight)
    factories.add_questionnaire(assessment, STATEMENTS)
    return assessment
