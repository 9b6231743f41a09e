"""List filters of long tables draw their choices without reading the table (Django's
all-values filter and auditlog's resource-type filter read every row for theirs) and filter with
conditions an index serves."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account
from assessments.models import Assessment
from engine.models import EngineEvent
from tests import factories

pytestmark = pytest.mark.django_db

EVENTS_URL = reverse("admin:engine_engineevent_changelist")
LOG_URL = reverse("admin:auditlog_logentry_changelist")


@pytest.fixture
def root(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root", "root@harver.test", "unused-pw-0"))
    return client


def _events(statuses: list[int]) -> None:
    candidate = factories.CandidateAssessmentFactory.create()
    EngineEvent.objects.bulk_create(
        EngineEvent(
            account=candidate.account,
            event_id=f"evt-{number}",
            candidate_assessment=candidate,
            type="started",
            payload={},
            fingerprint="0" * 64,
            response_status=status,
            response_body={},
        )
        for number, status in enumerate(statuses)
    )


def _reads_of(queries: CaptureQueriesContext, table: str) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if f'"{table}"' in query["sql"]]


def test_the_response_status_filter_offers_the_status_classes_without_reading_events(root):
    # given events answered with several statuses
    _events([200, 201, 404, 500])

    # when the events list is shown
    with CaptureQueriesContext(connection) as queries:
        response = root.get(EVENTS_URL)

    # then the filter offers the four classes, and no query read the statuses to draw them
    choices = [
        choice["display"]
        for spec in response.context["cl"].filter_specs
        if spec.title == "response status"
        for choice in spec.choices(response.context["cl"])
    ]
    assert choices == [
        "All",
        "2xx success",
        "3xx redirection",
        "4xx client error",
        "5xx server error",
    ]
    assert not [sql for sql in _reads_of(queries, "engine_engineevent") if "DISTINCT" in sql]


def test_the_response_status_filter_keeps_one_class_with_a_range(root):
    # given events answered with statuses of three classes
    _events([200, 201, 400, 404, 409, 499, 500])

    # when the list is filtered to the client errors
    with CaptureQueriesContext(connection) as queries:
        response = root.get(EVENTS_URL, {"response_class": "4xx"})

    # then it shows exactly the 4xx events, chosen by a range on the status
    shown = sorted(event.response_status for event in response.context["cl"].result_list)
    assert shown == [400, 404, 409, 499]
    listed = _reads_of(queries, "engine_engineevent")
    assert any(
        '"response_status" >= 400 AND' in sql and '"response_status" < 500' in sql for sql in listed
    )


def test_an_unknown_status_class_filters_nothing(root):
    # given events of two classes
    _events([200, 500])

    # when the list is asked for a class that is none
    response = root.get(EVENTS_URL, {"response_class": "9xx"})

    # then it lists every event
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2


def test_the_resource_type_filter_offers_the_audited_models_without_reading_the_log(root):
    # given log entries of one audited model only
    Account.objects.create(name="Logged account")

    # when the audit log is shown
    with CaptureQueriesContext(connection) as queries:
        response = root.get(LOG_URL)

    # then the filter offers every audited model, and no query read the log to draw them
    spec = next(
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", None) == "resource_type"
    )
    offered = {int(value) for value, _ in spec.lookup_choices}
    audited = ContentType.objects.get_for_models(*auditlog.get_models()).values()
    assert offered == {kind.pk for kind in audited}
    assert ContentType.objects.get_for_model(Assessment).pk in offered
    drawn = [sql for sql in _reads_of(queries, "auditlog_logentry") if "content_type_id" in sql]
    assert not [sql for sql in drawn if "DISTINCT" in sql]


def test_the_resource_type_filter_keeps_one_models_entries(root):
    # given log entries of two audited models
    account = Account.objects.create(name="Logged account")
    Assessment.objects.create(account=account, name="Logged assessment", job_code="LOG-1")

    # when the log is filtered to the assessments
    kind = ContentType.objects.get_for_model(Assessment)
    response = root.get(LOG_URL, {"resource_type": str(kind.pk)})

    # then only their entries are listed
    listed = list(response.context["cl"].result_list)
    assert listed
    assert {entry.content_type_id for entry in listed} == {kind.pk}
    assert LogEntry.objects.exclude(content_type=kind).exists()


def test_the_audit_log_reads_no_entry_to_draw_its_filters(root):
    # given log entries
    Account.objects.create(name="Logged account")

    # when the audit log is shown
    with CaptureQueriesContext(connection) as queries:
        response = root.get(LOG_URL)

    # then the log was read for its page and count only: no distinct values, no days to link
    assert response.status_code == 200
    assert not [sql for sql in _reads_of(queries, "auditlog_logentry") if "DISTINCT" in sql]


def test_the_audit_log_filters_by_date(root):
    # given an entry from today and one from last year
    Account.objects.create(name="Logged account")
    old = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Account),
        object_pk="0",
        object_repr="Old account",
        action=LogEntry.Action.CREATE,
    )
    LogEntry.objects.filter(pk=old.pk).update(
        timestamp=old.timestamp.replace(year=old.timestamp.year - 1)
    )

    # when the log is filtered by the date filter's "Past 7 days" link
    page = root.get(LOG_URL)
    spec = next(
        spec
        for spec in page.context["cl"].filter_specs
        if getattr(spec, "field_path", None) == "timestamp"
    )
    link = next(
        choice["query_string"]
        for choice in spec.choices(page.context["cl"])
        if choice["display"] == "Past 7 days"
    )
    response = root.get(LOG_URL + link)

    # then last year's entry is not listed
    listed = {entry.pk for entry in response.context["cl"].result_list}
    assert listed
    assert old.pk not in listed
