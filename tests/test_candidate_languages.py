"""The candidate's pages and emails in every shipped language: chosen per assessment or by the
browser when the assessment allows it; no English left in another language; dates in the
candidate's language; the questionnaire's own translations; the catalogues as committed."""

from __future__ import annotations

import datetime
import gettext
import re
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from assessments import invitations, reminders
from assessments.demo import DEMO_DUTCH
from assessments.models import Assessment, CandidateAssessment
from tests import candidate_support
from tests.candidate_tour import COMPANY, FIRST_NAME, Stop, tour

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"
SHIPPED = [code for code, _ in settings.LANGUAGES]
# What is the same in every language: names the customer gave, the candidate's, numbers.
DATA = [candidate_support.NAME, COMPANY, FIRST_NAME, "Harver"]
WORD = re.compile(r"[^\W\d_]{2,}")


class Texts(HTMLParser):
    """The words a reader meets on a page: its text and its words in attributes."""

    ATTRIBUTES = {
        "alt",
        "title",
        "aria-label",
        "placeholder",
        "data-saved-message",
        "data-unsaved-message",
    }

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.texts.append(data)


def words(html: str) -> set[str]:
    """The page's phrases, with the data that is the same in every language taken out."""
    parser = Texts()
    parser.feed(html)
    phrases = set()
    for text in parser.texts:
        phrase = " ".join(text.split())
        for value in DATA:
            phrase = phrase.replace(value, "")
        if WORD.search(phrase):
            phrases.add(phrase.strip(" ·,.:"))
    return phrases


def visit(stop: Stop, accept_language: str | None = None) -> str:
    """The page of `stop`, asked by a browser preferring `accept_language` (if given)."""
    client = Client(headers={"Accept-Language": accept_language} if accept_language else None)
    response = client.post(stop.path, stop.form) if stop.form is not None else client.get(stop.path)
    assert response.status_code == stop.status, (stop.name, response.status_code)
    return response.content.decode()


def english_pages() -> dict[str, str]:
    return {stop.name: visit(stop, "en") for stop in tour("en")}


@pytest.mark.parametrize("language", [code for code in SHIPPED if code != "en"])
def test_every_page_in_another_language_has_no_english_left(language):
    english = english_pages()
    stops = tour(language)

    assert {stop.name for stop in stops} == set(english)
    for stop in stops:
        # a link that opens nothing has no assessment: the browser's language decides
        page = visit(stop, language)
        assert f'<html lang="{language}">' in page, stop.name
        left = words(english[stop.name]) & words(page)
        assert left == set(), f"{stop.name} keeps English in {language}: {sorted(left)}"


def test_the_dutch_pages_read_the_questionnaire_and_the_date_in_dutch():
    stops = {stop.name: stop for stop in tour("nl")}

    questions = visit(stops["questions"])
    assert DEMO_DUTCH["Agreeableness"] in questions
    assert escape(DEMO_DUTCH["I enjoy helping colleagues who are falling behind."]) in questions
    assert "Helemaal oneens" in questions
    welcome = visit(stops["welcome"])
    deadline = CandidateAssessment.objects.get(email="fresh@example.com").expires_at
    months = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ]
    assert f"{deadline.day} {months[deadline.month - 1]} {deadline.year}" in welcome


def test_the_browser_chooses_when_the_assessment_lets_it():
    stops = {stop.name: stop for stop in tour("en")}
    welcome = stops["welcome"]

    assert '<html lang="en">' in visit(welcome, "nl-NL,nl;q=0.9")
    Assessment.objects.update(language_from_browser=True)
    dutch = visit(welcome, "nl-NL,nl;q=0.9,en;q=0.5")
    assert '<html lang="nl">' in dutch
    assert "Wat u kunt verwachten" in dutch
    # a language we do not ship: the assessment's
    assert '<html lang="en">' in visit(welcome, "fr-FR,fr;q=0.9")
    # an unknown link has no assessment: the browser's language
    assert "Deze link is niet geldig" in visit(stops["unknown link"], "nl")


def emailed(send: Callable[[CandidateAssessment], object], language: str) -> list[str]:
    """Subject, text and HTML of the email `send` sends the fresh candidate of a new tour."""
    tour(language)
    candidate = CandidateAssessment.objects.get(
        email="fresh@example.com", assessment__language=language
    )
    mail.outbox.clear()
    send(candidate)
    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    return [str(message.subject), str(message.body), str(message.alternatives[0][0])]


def send_invitation(candidate: CandidateAssessment) -> None:
    assert invitations.send_invitation(candidate.pk)


def send_reminder(candidate: CandidateAssessment) -> None:
    Assessment.objects.filter(pk=candidate.assessment_id).update(reminder_hours_before=[48])
    now = timezone.now()
    CandidateAssessment.objects.filter(pk=candidate.pk).update(
        invitation_sent_at=now - datetime.timedelta(hours=30),
        expires_at=now + datetime.timedelta(hours=24),
    )
    assert reminders.send_due_reminders() == 1


@pytest.mark.parametrize("send", [send_invitation, send_reminder], ids=["invitation", "reminder"])
@pytest.mark.parametrize("language", [code for code in SHIPPED if code != "en"])
def test_the_emails_have_no_english_left(language, send):
    english = emailed(send, "en")
    translated = emailed(send, language)

    assert f'<html lang="{language}">' in translated[2]
    for english_part, part in zip(english, translated, strict=True):
        left = words(f"<p>{english_part}</p>") & words(f"<p>{part}</p>")
        left = {phrase for phrase in left if "/assessment/" not in phrase and phrase != "UTC"}
        assert left == set(), f"the email keeps English in {language}: {sorted(left)}"


@pytest.mark.parametrize("language", [code for code in SHIPPED if code != "en"])
def test_the_committed_catalogue_is_complete_and_compiled(language, tmp_path):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"
    statistics = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "fresh.mo"), str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert re.fullmatch(r"\d+ translated messages\.\n", statistics), statistics
    with mo.open("rb") as committed, (tmp_path / "fresh.mo").open("rb") as fresh:
        assert gettext.GNUTranslations(committed)._catalog == (
            gettext.GNUTranslations(fresh)._catalog
        ), "the committed .mo is not the compiled .po: run bin/messages"
