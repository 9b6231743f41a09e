"""The candidate's pages, reached through the personal link in the invitation email.

Welcome → terms → one questionnaire page per competency (with a progress bar) → review and
submit → thank you. Plain server-rendered forms, so they work without JavaScript; a small script
saves each answer the moment it is clicked. Whatever state the link is in (unknown, replaced by a
re-invitation, expired, withdrawn, already completed, erased) the candidate gets a page that says
so, never an error.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from assessments import languages, questionnaire
from assessments.models import LIKERT_MAX, LIKERT_MIN, CandidateAssessment, QuestionnaireItem
from assessments.questionnaire import AnsweringClosed, IncompleteAnswers, QuestionPage
from harver_integration.ids import parse_id

Status = CandidateAssessment.Status

# What the welcome page's time estimate assumes a statement takes to read and answer.
SECONDS_PER_ITEM = 15

LIKERT_LABELS = {
    1: _("Strongly disagree"),
    2: _("Disagree"),
    3: _("Neither agree nor disagree"),
    4: _("Agree"),
    5: _("Strongly agree"),
}

CLOSED_PAGES = {
    Status.EXPIRED: (
        _("This invitation has expired"),
        _(
            "The time to complete this assessment has passed. Please contact {company} if you "
            "still want to take it."
        ),
    ),
    Status.REJECTED: (
        _("This invitation has been withdrawn"),
        _("{company} no longer needs this assessment from you. Nothing more is needed from you."),
    ),
}


def _url(name: str, token: str, *args: Any) -> str:
    """A page of the link the candidate came with (only its hash is stored)."""
    return reverse(f"candidate:{name}", args=[token, *args])


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/candidate/closed.html",
        {
            "heading": gettext("This link is not valid"),
            "explanation": gettext(
                "Please open the link from your invitation email exactly as it was sent. If it "
                "still does not work, contact the company that invited you."
            ),
        },
        status=404,
    )


def _erased(request: HttpRequest, candidate_assessment: CandidateAssessment) -> HttpResponse:
    return render(
        request,
        "assessments/candidate/closed.html",
        {
            "heading": gettext("This invitation no longer exists"),
            "explanation": gettext(
                "The personal data of this assessment was erased on request, so this link no "
                "longer opens anything. Please contact {company} if you have questions."
            ).format(company=candidate_assessment.account.name),
            "company": candidate_assessment.account.name,
        },
        status=410,
    )


def _replaced(request: HttpRequest, candidate_assessment: CandidateAssessment) -> HttpResponse:
    company = candidate_assessment.account.name
    return render(
        request,
        "assessments/candidate/closed.html",
        {
            "heading": gettext("This link has been replaced"),
            "explanation": gettext(
                "%(company)s has sent you a new invitation. Please open the link in the most "
                "recent email; this one no longer works."
            )
            % {"company": company},
            "company": company,
        },
        status=410,
    )


def _open(request: HttpRequest, token: str) -> CandidateAssessment | HttpResponse:
    """The candidate assessment the link opens, or the page saying it opens nothing."""
    link = languages.found_link(request)
    if link is None:
        return _not_found(request)
    candidate_assessment = link.candidate_assessment
    if link.superseded_at is not None:
        return _replaced(request, candidate_assessment)
    if candidate_assessment.erased_at is not None:
        return _erased(request, candidate_assessment)
    return candidate_assessment


def _closed(request: HttpRequest, candidate_assessment: CandidateAssessment) -> HttpResponse:
    heading, explanation = CLOSED_PAGES[Status(candidate_assessment.status)]
    return render(
        request,
        "assessments/candidate/closed.html",
        {
            "heading": str(heading),
            "explanation": str(explanation).format(company=candidate_assessment.account.name),
            "company": candidate_assessment.account.name,
        },
        status=410,
    )


def _not_ready(request: HttpRequest, candidate_assessment: CandidateAssessment) -> HttpResponse:
    return render(
        request,
        "assessments/candidate/closed.html",
        {
            "heading": gettext("This assessment is not ready yet"),
            "explanation": gettext(
                "It has no questions yet. Please try again later or contact {company}."
            ).format(company=candidate_assessment.account.name),
        },
        status=503,
    )


def _gate(
    request: HttpRequest,
    token: str,
    candidate_assessment: CandidateAssessment,
    *,
    needs_terms: bool,
    pages: list[QuestionPage] | None,
) -> CandidateAssessment | HttpResponse:
    """The candidate assessment if the asked page may show, or the page to show instead.

    A pending assessment (the link opened, the terms not yet accepted) shows the welcome and
    the terms; every other page sends it back to the welcome. `pages` are the questionnaire's
    for a page that needs them (none yet: not ready), None for one that shows without them.
    """
    candidate_assessment = questionnaire.expire_if_due(candidate_assessment)
    if candidate_assessment.status in CLOSED_PAGES:
        return _closed(request, candidate_assessment)
    if candidate_assessment.status == Status.COMPLETED:
        return redirect(_url("done", token))
    if candidate_assessment.status == Status.PENDING and needs_terms:
        return redirect(_url("start", token))
    if pages is not None and not pages:
        return _not_ready(request, candidate_assessment)
    if needs_terms and candidate_assessment.terms_accepted_at is None:
        return redirect(_url("terms", token))
    return candidate_assessment


class Loaded(NamedTuple):
    """What a questionnaire page works with; its pages are read once per request."""

    candidate_assessment: CandidateAssessment
    pages: list[QuestionPage]


def _load(request: HttpRequest, token: str, *, needs_terms: bool = True) -> Loaded | HttpResponse:
    candidate_assessment = _open(request, token)
    if isinstance(candidate_assessment, HttpResponse):
        return candidate_assessment
    pages = questionnaire.question_pages(candidate_assessment.assessment)
    gated = _gate(request, token, candidate_assessment, needs_terms=needs_terms, pages=pages)
    if isinstance(gated, HttpResponse):
        return gated
    return Loaded(gated, pages)


def _context(candidate_assessment: CandidateAssessment, **extra: Any) -> dict[str, Any]:
    return {
        "candidate_assessment": candidate_assessment,
        "assessment": candidate_assessment.assessment,
        "company": candidate_assessment.account.name,
        **extra,
    }


def _progress(pages: list[QuestionPage], answers: dict[int, int]) -> dict[str, Any]:
    total = sum(len(page.items) for page in pages)
    answered = sum(1 for page in pages for item in page.items if item.pk in answers)
    return {
        "answered": answered,
        "total": total,
        "percent": round(answered * 100 / total) if total else 0,
        "label": gettext("%(answered)s of %(total)s answered")
        % {"answered": answered, "total": total},
    }


def _minutes(pages: list[QuestionPage]) -> int:
    items = sum(len(page.items) for page in pages)
    return max(1, math.ceil(items * SECONDS_PER_ITEM / 60))


def _resume_url(
    token: str, candidate_assessment: CandidateAssessment, pages: list[QuestionPage]
) -> str:
    """Where a returning candidate carries on: the first page with an unanswered item."""
    if candidate_assessment.terms_accepted_at is None:
        return _url("terms", token)
    missing = questionnaire.unanswered_pages(
        pages, questionnaire.saved_answers(candidate_assessment)
    )
    if missing:
        return _url("questions", token, missing[0])
    return _url("review", token)


# GET and HEAD never change an assessment (mail scanners and link previews send them); only the
# candidate's POSTs do. A link past its expiry is the one exception: it expires when opened.
@never_cache
@require_safe
@languages.candidate_page(questionnaire.find_link)
def start(request: HttpRequest, token: str) -> HttpResponse:
    candidate_assessment = _open(request, token)
    if isinstance(candidate_assessment, HttpResponse):
        return candidate_assessment
    # The welcome page shows even before the questionnaire exists, and says so.
    loaded = _gate(request, token, candidate_assessment, needs_terms=False, pages=None)
    if isinstance(loaded, HttpResponse):
        return loaded
    pages = questionnaire.question_pages(loaded.assessment)
    answers = questionnaire.saved_answers(loaded)
    return render(
        request,
        "assessments/candidate/start.html",
        _context(
            loaded,
            pages=pages,
            progress=_progress(pages, answers),
            minutes=_minutes(pages),
            returning=loaded.terms_accepted_at is not None,
            continue_url=_resume_url(token, loaded, pages),
        ),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@languages.candidate_page(questionnaire.find_link)
def terms(request: HttpRequest, token: str) -> HttpResponse:
    opened = _load(request, token, needs_terms=False)
    if isinstance(opened, HttpResponse):
        return opened
    loaded, pages = opened
    error = ""
    if request.method == "POST":
        if request.POST.get("accept") == "yes":
            try:
                questionnaire.accept_terms(loaded.pk)
            except AnsweringClosed:
                return redirect(_url("start", token))
            loaded.refresh_from_db()
            return redirect(_resume_url(token, loaded, pages))
        error = gettext("Tick the box to accept the terms before you start.")
    return render(
        request,
        "assessments/candidate/terms.html",
        _context(loaded, error=error),
        status=422 if error else 200,
    )


def _posted_answers(request: HttpRequest, page: QuestionPage) -> dict[QuestionnaireItem, int]:
    values: dict[QuestionnaireItem, int] = {}
    for item in page.items:
        value = parse_id(request.POST.get(f"item-{item.pk}"))
        if value is not None and LIKERT_MIN <= value <= LIKERT_MAX:
            values[item] = value
    return values


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@languages.candidate_page(questionnaire.find_link)
def questions(request: HttpRequest, token: str, number: int) -> HttpResponse:
    opened = _load(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    loaded, pages = opened
    if not 1 <= number <= len(pages):
        return redirect(_resume_url(token, loaded, pages))
    page = pages[number - 1]
    missing: list[int] = []
    if request.method == "POST":
        posted = _posted_answers(request, page)
        try:
            answers = questionnaire.save_answers(loaded.pk, posted)
        except AnsweringClosed:
            return redirect(_url("start", token))
        action = request.POST.get("action", "next")
        if action == "autosave":
            return JsonResponse(_progress(pages, answers))
        if action == "later":
            return redirect(_url("saved", token))
        if action == "back":
            return redirect(
                _url("questions", token, number - 1) if number > 1 else _url("terms", token)
            )
        missing = [item.pk for item in page.items if item not in posted]
        if not missing:
            return redirect(
                _url("questions", token, number + 1)
                if number < len(pages)
                else _url("review", token)
            )
    else:
        answers = questionnaire.saved_answers(loaded)
    rows = [
        {
            "item": item,
            "statement": item.text_in(get_language()),
            "value": answers.get(item.pk),
            "missing": item.pk in missing,
        }
        for item in page.items
    ]
    return render(
        request,
        "assessments/candidate/questions.html",
        _context(
            loaded,
            page=page,
            pages=pages,
            rows=rows,
            missing=missing,
            progress=_progress(pages, answers),
            progress_title=gettext("Part %(number)s of %(total)s")
            % {"number": page.number, "total": len(pages)},
            heading=page.items[0].competency.name_in(get_language()),
            scale=list(LIKERT_LABELS.items()),
        ),
        status=422 if missing else 200,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@languages.candidate_page(questionnaire.find_link)
def review(request: HttpRequest, token: str) -> HttpResponse:
    opened = _load(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    loaded, pages = opened
    error = ""
    if request.method == "POST":
        try:
            questionnaire.submit(loaded.pk)
        except AnsweringClosed:
            return redirect(_url("start", token))
        except IncompleteAnswers:
            error = gettext("Some statements are still unanswered. Answer them, then submit again.")
        else:
            return redirect(_url("done", token))
    answers = questionnaire.saved_answers(loaded)
    parts = [
        {
            "page": page,
            "heading": page.items[0].competency.name_in(get_language()),
            "answered": sum(1 for item in page.items if item.pk in answers),
            "url": _url("questions", token, page.number),
        }
        for page in pages
    ]
    progress = _progress(pages, answers)
    return render(
        request,
        "assessments/candidate/review.html",
        _context(
            loaded,
            parts=parts,
            progress=progress,
            complete=bool(pages) and progress["answered"] == progress["total"],
            error=error,
        ),
        status=422 if error else 200,
    )


@never_cache
@require_safe
@languages.candidate_page(questionnaire.find_link)
def saved(request: HttpRequest, token: str) -> HttpResponse:
    opened = _load(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    loaded, pages = opened
    return render(
        request,
        "assessments/candidate/saved.html",
        _context(
            loaded,
            progress=_progress(pages, questionnaire.saved_answers(loaded)),
            continue_url=_resume_url(token, loaded, pages),
        ),
    )


@never_cache
@require_safe
@languages.candidate_page(questionnaire.find_link)
def done(request: HttpRequest, token: str) -> HttpResponse | HttpResponseRedirect:
    candidate_assessment = _open(request, token)
    if isinstance(candidate_assessment, HttpResponse):
        return candidate_assessment
    if candidate_assessment.status != Status.COMPLETED:
        return redirect(_url("start", token))
    return render(
        request, "assessments/candidate/done.html", _context(candidate_assessment), status=200
    )
