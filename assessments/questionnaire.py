"""The built-in assessment's rules, apart from its pages: opening, answering, submitting.

The candidate pages (`assessments.views`) only translate requests into these calls. Every status
change goes through `lifecycle.record_status`, so the built-in assessment causes exactly what an
external engine's events cause; answers are saved one page (or one click) at a time under a row
lock on the candidate assessment, so a submit never races a save.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Col
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from accounts.models import Account
from assessments import scoring
from assessments.lifecycle import StatusChange, StatusTransitionError, record_status
from assessments.models import (
    Answer,
    Assessment,
    CandidateAssessment,
    CandidateLink,
    QuestionnaireItem,
    QuestionnaireVersion,
)
from harver_integration.tokens import hash_token, hashes_match

Status = CandidateAssessment.Status
CANDIDATE_SOURCE = "candidate"
EXPIRY_SOURCE = "expiry"


class AnsweringClosed(Exception):
    """The candidate assessment no longer takes answers (completed, expired or withdrawn)."""


class IncompleteAnswers(Exception):
    """A submit before every item is answered; `pages` are the page numbers still open."""

    def __init__(self, pages: list[int]) -> None:
        self.pages = pages
        super().__init__(f"Pages {pages} have unanswered items.")


@dataclass(frozen=True)
class QuestionPage:
    """One page of the questionnaire: the items of one competency, in order."""

    number: int
    competency_name: str
    items: list[QuestionnaireItem]


def find_link(token: str) -> CandidateLink | None:
    """The link a personal token is, found by the token's hash; it may have been replaced.

    With its candidate assessment, their account and assessment, and the questionnaire's
    version (so the request can use the cached pages), all from one query.
    """
    link = _linked(hash_token(token))
    if link is None or not hashes_match(token, link.token_hash):
        return None
    return link


# What `find_link` joins, in the order of its columns: the link, then what it points to. The
# ORM compiled the same `select_related` query afresh on every request and populated it
# through its generic machinery, a third of an autosave's CPU (in-process 8.6-8.9 ms a save
# with it, 5.5 ms without); this statement is built once per process and its row converted
# with the fields' own converters and linked up as the ORM's would be.
_LINKED: tuple[type[models.Model], ...] = (
    CandidateLink,
    CandidateAssessment,
    Assessment,
    Account,
    QuestionnaireVersion,
)


LINKED_SQL = """
SELECT {columns}
  FROM {t0} t0
  JOIN {t1} t1 ON t1.id = t0.candidate_assessment_id
  JOIN {t2} t2 ON t2.id = t1.assessment_id
  JOIN {t3} t3 ON t3.id = t1.account_id
  LEFT JOIN {t4} t4 ON t4.assessment_id = t2.id
 WHERE t0.token_hash = %s
"""


@functools.cache
def _linked_statement() -> tuple[str, tuple[Col, ...]]:
    aliases = [f"t{number}" for number, _ in enumerate(_LINKED)]
    columns = tuple(
        field.get_col(alias)
        for alias, model in zip(aliases, _LINKED, strict=True)
        for field in model._meta.concrete_fields
    )
    select = ", ".join(f'{column.alias}."{column.target.column}"' for column in columns)
    tables = {f"t{number}": model._meta.db_table for number, model in enumerate(_LINKED)}
    statement = LINKED_SQL.format(columns=select, **tables)
    return statement, columns


@functools.lru_cache(maxsize=64)
def _linked_converters(
    wrapper: BaseDatabaseWrapper,
) -> tuple[SQLCompiler, dict[int, tuple[list[Any], Any]]]:
    """The compiler and column converters of `_linked`'s row on one connection (one a thread),
    worked out once: asking each of the five models' fields again cost a twentieth of a save."""
    _, columns = _linked_statement()
    compiler = wrapper.ops.compiler("SQLCompiler")(Query(CandidateLink), wrapper, wrapper.alias)
    return compiler, compiler.get_converters(list(columns))


def _linked(token_hash: str) -> CandidateLink | None:
    statement, _ = _linked_statement()
    with connection.cursor() as cursor:
        cursor.execute(statement, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    compiler, converters = _linked_converters(connections[DEFAULT_DB_ALIAS])
    values = next(iter(compiler.apply_converters([row], converters)))
    instances: list[Any] = []
    offset = 0
    for model in _LINKED:
        fields = model._meta.concrete_fields
        own = values[offset : offset + len(fields)]
        offset += len(fields)
        # Only the questionnaire's version can be missing (an assessment never given items).
        instances.append(
            None
            if own[0] is None
            else model.from_db(connection.alias, [field.attname for field in fields], own)
        )
    link, candidate_assessment, assessment, account, version = instances
    link.candidate_assessment = candidate_assessment
    candidate_assessment.assessment = assessment
    candidate_assessment.account = account
    QuestionnaireVersion._meta.get_field("assessment").remote_field.set_cached_value(
        assessment, version
    )
    return link


def find(token: str) -> CandidateAssessment | None:
    """The candidate assessment a personal link opens; None for an unknown or replaced link."""
    link = find_link(token)
    if link is None or link.superseded_at is not None:
        return None
    return link.candidate_assessment


def expire_if_due(candidate_assessment: CandidateAssessment) -> CandidateAssessment:
    """A live invitation past its expiry is expired now, even if the sweeper has not run yet."""
    if (
        candidate_assessment.status
        in (
            Status.PENDING,
            Status.STARTED,
        )
        and candidate_assessment.expires_at <= timezone.now()
    ):
        # A final status reached meanwhile wins; the refresh below shows which.
        with contextlib.suppress(StatusTransitionError):
            record_status(candidate_assessment.pk, Status.EXPIRED, source=EXPIRY_SOURCE)
        candidate_assessment.refresh_from_db()
    return candidate_assessment


def question_pages(assessment: Assessment) -> list[QuestionPage]:
    """One page per competency that has items, in the competencies' order.

    From this process's cache when the assessment came with its questionnaire's version (as
    `find_link` reads it, in the same query as the link): the triggers change the version on
    every write to the items or competencies, so an edit shows on the very next request.
    """
    version = _loaded_version(assessment)
    if version is None:
        return _read_pages(assessment)
    with _CACHE_LOCK:
        cached = _PAGES.get(assessment.pk)
    if cached is not None and cached[0] == version:
        return cached[1]
    pages = _read_pages(assessment)
    with _CACHE_LOCK:
        if len(_PAGES) >= CACHED_QUESTIONNAIRES:
            del _PAGES[next(iter(_PAGES))]
        _PAGES[assessment.pk] = (version, pages)
    return pages


# Assessment id -> (questionnaire version, its pages); the oldest entry goes first when full.
CACHED_QUESTIONNAIRES = 500
_PAGES: dict[int, tuple[uuid.UUID, list[QuestionPage]]] = {}
_CACHE_LOCK = threading.Lock()


def _loaded_version(assessment: Assessment) -> uuid.UUID | None:
    """The version read in the same query as the assessment; None without it, so a caller that
    has no fresh version reads the pages rather than paying a query for the version."""
    if not Assessment.questionnaire_version.is_cached(assessment):
        return None
    try:
        return assessment.questionnaire_version.version
    except QuestionnaireVersion.DoesNotExist:
        return None


def _read_pages(assessment: Assessment) -> list[QuestionPage]:
    items = (
        QuestionnaireItem.objects.filter(assessment=assessment)
        .select_related("competency")
        .order_by("competency__position", "competency__name", "position", "id")
    )
    grouped: dict[int, list[QuestionnaireItem]] = {}
    for item in items:
        grouped.setdefault(item.competency_id, []).append(item)
    return [
        QuestionPage(number=number, competency_name=group[0].competency.name, items=group)
        for number, group in enumerate(grouped.values(), start=1)
    ]


def saved_answers(candidate_assessment: CandidateAssessment) -> dict[int, int]:
    """Item id → the value the candidate chose."""
    return dict(
        Answer.objects.filter(candidate_assessment=candidate_assessment)
        .order_by()
        .values_list("item_id", "value")
    )


def _locked_live(candidate_assessment_id: int) -> CandidateAssessment:
    candidate_assessment = CandidateAssessment.objects.select_for_update().get(
        pk=candidate_assessment_id
    )
    if candidate_assessment.status != Status.STARTED:
        raise AnsweringClosed(f"The assessment is {candidate_assessment.status}.")
    return candidate_assessment


def accept_terms(candidate_assessment_id: int) -> None:
    """The candidate's first action, so it is what starts the assessment.

    Opening the link does not: mail scanners and link previews open it too.
    """
    with transaction.atomic():
        candidate_assessment = CandidateAssessment.objects.select_for_update().get(
            pk=candidate_assessment_id
        )
        if candidate_assessment.status == Status.PENDING:
            record_status(candidate_assessment.pk, Status.STARTED, source=CANDIDATE_SOURCE)
        candidate_assessment = _locked_live(candidate_assessment_id)
        if candidate_assessment.terms_accepted_at is None:
            candidate_assessment.terms_accepted_at = timezone.now()
            candidate_assessment.save(update_fields=["terms_accepted_at", "updated_at"])


def save_answers(
    candidate_assessment_id: int, values: Mapping[QuestionnaireItem, int]
) -> dict[int, int]:
    """Store (or change) answers; items of another assessment are ignored.

    Returns every answer the candidate now has (item id → value), read with the save under the
    candidate assessment's row lock, so the caller can show the progress without reading them
    again. Raises `AnsweringClosed` unless the assessment is started.
    """
    if connection.vendor == "postgresql":
        return _save_in_one_statement(candidate_assessment_id, values)
    return _save_in_orm(candidate_assessment_id, values)


def _save_in_orm(
    candidate_assessment_id: int, values: Mapping[QuestionnaireItem, int]
) -> dict[int, int]:
    with transaction.atomic():
        candidate_assessment = _locked_live(candidate_assessment_id)
        own = {
            item.pk: value
            for item, value in values.items()
            if item.assessment_id == candidate_assessment.assessment_id
        }
        answers = saved_answers(candidate_assessment)
        Answer.objects.bulk_create(
            [
                Answer(candidate_assessment=candidate_assessment, item_id=item_id, value=value)
                for item_id, value in own.items()
            ],
            update_conflicts=True,
            unique_fields=["candidate_assessment", "item"],
            update_fields=["value", "updated_at"],
        )
    return answers | own


# `_save_in_orm` in one statement, so one round trip and no transaction of its own instead of
# five (BEGIN, the lock, the answers, the upsert, COMMIT). The lock still serialises two saves
# for one candidate, and a status changed while it waited is the one checked (PostgreSQL
# re-reads a locked row that changed), so a completed or expired assessment takes no answer.
# The answers it returns are those committed when the statement began plus its own: a save
# racing another for the same candidate (two open tabs; the page sends one save at a time)
# may count the other's answer one save late in the progress, though both are stored.
SAVE_ANSWERS_SQL = """
WITH live AS (
    SELECT id, assessment_id FROM {candidate_assessments}
     WHERE id = %(candidate)s AND status = %(started)s
       FOR UPDATE
), saved AS (
    INSERT INTO {answers} (candidate_assessment_id, item_id, value, created_at, updated_at)
    SELECT live.id, posted.item_id, posted.value, %(now)s, %(now)s
      FROM live, unnest(%(items)s::bigint[], %(assessments)s::bigint[], %(values)s::smallint[])
           AS posted (item_id, assessment_id, value)
     WHERE posted.assessment_id = live.assessment_id
        ON CONFLICT (candidate_assessment_id, item_id)
        DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
    RETURNING item_id, value
)
SELECT 0, NULL, NULL FROM live
UNION ALL
SELECT 1, answer.item_id, answer.value
  FROM live JOIN {answers} AS answer ON answer.candidate_assessment_id = live.id
UNION ALL
SELECT 2, item_id, value FROM saved
"""


def _save_in_one_statement(
    candidate_assessment_id: int, values: Mapping[QuestionnaireItem, int]
) -> dict[int, int]:
    statement = SAVE_ANSWERS_SQL.format(
        candidate_assessments=CandidateAssessment._meta.db_table, answers=Answer._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                "candidate": candidate_assessment_id,
                "started": Status.STARTED,
                "now": timezone.now(),
                "items": [item.pk for item in values],
                "assessments": [item.assessment_id for item in values],
                "values": list(values.values()),
            },
        )
        rows = sorted(cursor.fetchall(), key=lambda row: row[0])
    if not rows or rows[0][0] != 0:
        raise AnsweringClosed(f"Candidate assessment {candidate_assessment_id} is not started.")
    return {item_id: value for _, item_id, value in rows[1:]}


def unanswered_pages(pages: list[QuestionPage], answers: Mapping[int, int]) -> list[int]:
    return [page.number for page in pages if any(item.pk not in answers for item in page.items)]


def submit(candidate_assessment_id: int) -> StatusChange | None:
    """Score the answers and complete the assessment; refuses while any item is unanswered."""
    with transaction.atomic():
        candidate_assessment = _locked_live(candidate_assessment_id)
        assessment = candidate_assessment.assessment
        pages = question_pages(assessment)
        answers = saved_answers(candidate_assessment)
        missing = unanswered_pages(pages, answers)
        if missing or not pages:
            raise IncompleteAnswers(missing)
        now = timezone.now()
        started_at = candidate_assessment.started_at or now
        result = scoring.score_answers(
            [
                scoring.ScoredAnswer(
                    competency=item.competency.name,
                    value=answers[item.pk],
                    is_reversed=item.is_reversed,
                )
                for page in pages
                for item in page.items
            ],
            [
                scoring.CompetencyWeight(name=competency.name, weight=competency.weight)
                for competency in assessment.competencies.order_by("position", "name")
            ],
            scoring.CutOffs(
                great_fit_min=assessment.great_fit_min, good_fit_min=assessment.good_fit_min
            ),
            duration=_whole_seconds(now - started_at),
        )
        return record_status(
            candidate_assessment.pk,
            Status.COMPLETED,
            source=CANDIDATE_SOURCE,
            result=result,
            at=now,
        )


def _whole_seconds(duration: datetime.timedelta) -> datetime.timedelta:
    return datetime.timedelta(seconds=int(duration.total_seconds()))
