"""The candidate's pages, reached through the personal link in the invitation email."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments.models import CandidateAssessment

CLOSED_PAGES = {
    CandidateAssessment.Status.COMPLETED: (
        "You have completed this assessment",
        "Thank you. Your answers have been received; the company will be in touch.",
    ),
    CandidateAssessment.Status.EXPIRED: (
        "This invitation has expired",
        "The time to complete this assessment has passed. Please contact the company if you "
        "still want to take it.",
    ),
    CandidateAssessment.Status.REJECTED: (
        "This invitation has been withdrawn",
        "The company no longer needs this assessment from you.",
    ),
}


@require_GET
def start(request: HttpRequest, token: str) -> HttpResponse:
    candidate_assessment = (
        CandidateAssessment.objects.select_related("assessment", "account")
        .filter(candidate_token=token)
        .first()
    )
    if candidate_assessment is None:
        return render(
            request,
            "assessments/candidate/closed.html",
            {
                "heading": "This link is not valid",
                "explanation": "Please use the link from your invitation email exactly as sent.",
            },
            status=404,
        )
    if candidate_assessment.status in CLOSED_PAGES:
        heading, explanation = CLOSED_PAGES[CandidateAssessment.Status(candidate_assessment.status)]
        return render(
            request,
            "assessments/candidate/closed.html",
            {"heading": heading, "explanation": explanation},
            status=410
            if candidate_assessment.status != CandidateAssessment.Status.COMPLETED
            else 200,
        )
    return render(
        request,
        "assessments/candidate/start.html",
        {
            "candidate_assessment": candidate_assessment,
            "assessment": candidate_assessment.assessment,
            "company": candidate_assessment.account.name,
            "competencies": candidate_assessment.assessment.competencies.values_list(
                "name", flat=True
            ),
        },
    )
