"""Long admin lists: counted exactly while small, from the planner's estimate beyond, with the
same queries either way, and exactly on databases other than PostgreSQL."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Account
from harver_integration import admin_pagination
from harver_integration.admin_pagination import EstimatedCountPaginator

pytestmark = pytest.mark.django_db

EXACT_UP_TO = 10


@pytest.fixture
def small_exact_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin_pagination, "EXACT_UP_TO", EXACT_UP_TO)


def _accounts(count: int) -> None:
    Account.objects.bulk_create(Account(name=f"Customer {number}") for number in range(count))


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Account._meta.db_table}")


def test_it_counts_a_short_list_exactly_in_one_bounded_query(small_exact_limit):
    # given fewer rows than the exact limit
    _accounts(7)

    # when the paginator counts them
    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(Account.objects.order_by("name"), 100).count

    # then the count is exact, from one count that stops after the limit
    assert count == 7
    assert len(queries.captured_queries) == 1
    assert f"LIMIT {EXACT_UP_TO + 1}" in queries.captured_queries[0]["sql"]


def test_it_takes_the_planners_estimate_beyond_the_limit(small_exact_limit):
    # given 30 rows the statistics know of, 5 of them deleted since
    _accounts(30)
    _analyze()
    Account.objects.filter(pk__in=Account.objects.order_by("pk")[:5].values("pk")).delete()

    # when the paginator counts them
    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(Account.objects.all(), 100).count

    # then it gives the statistics' 30, not the exact 25: no query read every row
    assert count == 30
    assert Account.objects.count() == 25
    assert [query["sql"].startswith("EXPLAIN") for query in queries.captured_queries] == [
        False,
        True,
    ]


def test_it_never_estimates_fewer_rows_than_it_counted(small_exact_limit):
    # given 30 rows the statistics have not seen yet (they say the table is empty)
    _analyze()
    _accounts(30)

    # when the paginator counts them
    count = EstimatedCountPaginator(Account.objects.all(), 100).count

    # then it gives at least the rows its bounded count found
    assert count >= EXACT_UP_TO + 1


def test_it_estimates_a_filtered_list_by_its_filter(small_exact_limit):
    # given 40 rows, 20 of them matching a filter
    _accounts(20)
    Account.objects.bulk_create(Account(name=f"Other {number}") for number in range(20))
    _analyze()

    # when the paginator counts the filtered list
    count = EstimatedCountPaginator(Account.objects.filter(name__startswith="Other"), 100).count

    # then the estimate is the planner's for the filter, not the table's 40 rows
    assert EXACT_UP_TO < count < 40


def test_it_counts_exactly_on_other_databases(small_exact_limit):
    # given more rows than the limit on a database that is not PostgreSQL
    _accounts(30)
    _analyze()
    Account.objects.filter(pk__in=Account.objects.order_by("pk")[:5].values("pk")).delete()

    # when the paginator counts them
    with mock.patch.object(connection, "vendor", "sqlite"):
        count = EstimatedCountPaginator(Account.objects.all(), 100).count

    # then it counts as Django does
    assert count == 25


def test_a_long_candidate_list_shows_the_estimate_and_no_second_count(
    client: Client, small_exact_limit
):
    # given more candidate assessments than the exact limit, the statistics up to date
    from tests import factories

    root = User.objects.create_superuser("root", "root@harver.test", "unused-password-0")
    client.force_login(root)
    assessment = factories.AssessmentFactory.create()
    factories.CandidateAssessmentFactory.create_batch(15, assessment=assessment)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assessments_candidateassessment")

    # when the list is shown
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:assessments_candidateassessment_changelist"))

    # then its count is the planner's and the table is not counted a second time
    assert response.status_code == 200
    assert response.context["cl"].result_count == 15
    assert response.context["cl"].full_result_count is None
    counts = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"]]
    assert len(counts) == 1
    assert f"LIMIT {EXACT_UP_TO + 1}" in counts[0]
    assert any(query["sql"].startswith("EXPLAIN") for query in queries.captured_queries)


def _candidate_list(client: Client, rows: int, **query: str) -> str:
    """The candidate assessments' admin list over `rows` rows, the statistics up to date."""
    from tests import factories

    root = User.objects.create_superuser("root", "root@harver.test", "unused-password-0")
    client.force_login(root)
    assessment = factories.AssessmentFactory.create()
    factories.CandidateAssessmentFactory.create_batch(rows, assessment=assessment)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assessments_candidateassessment")
    response = client.get(reverse("admin:assessments_candidateassessment_changelist"), query)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_a_long_list_calls_its_count_an_estimate(client: Client, small_exact_limit):
    # when a list longer than the exact limit is shown
    page = _candidate_list(client, 15)

    # then its count is shown as the estimate it is
    assert "about 15 candidate assessments" in page


def test_a_short_list_shows_its_exact_count(client: Client, small_exact_limit):
    # when a list within the exact limit is shown
    page = _candidate_list(client, 7)

    # then its count is shown as it is, exact
    assert "7 candidate assessments" in page
    assert "about" not in page


def test_a_long_search_result_calls_its_count_an_estimate(client: Client, small_exact_limit):
    # when a search matches more rows than the exact limit
    page = _candidate_list(client, 15, q="example")

    # then the search form's count is shown as an estimate too
    # (the planner's estimate for a search, at least the bounded count's 11)
    assert re.search(r'<span class="small quiet">about 1[1-5] results \(', page)


def test_an_estimate_is_shown_rounded_grouped_and_translated(small_exact_limit):
    # given a paginator whose count is an estimate of a long list
    _accounts(EXACT_UP_TO + 1)
    paginator = EstimatedCountPaginator(Account.objects.all(), 100)
    with mock.patch.object(admin_pagination, "planned_rows", return_value=1_234_567):
        assert paginator.count == 1_234_567

    # then it is shown to three figures, as an estimate, in the reader's language
    assert paginator.estimated
    assert paginator.about == "about 1,230,000"
    with translation.override("nl"):
        assert paginator.about == "ongeveer 1.230.000"


def test_an_exact_count_is_not_called_an_estimate(small_exact_limit):
    # given a list within the exact limit
    _accounts(EXACT_UP_TO)

    # when the paginator counts it
    paginator = EstimatedCountPaginator(Account.objects.all(), 100)

    # then the count is exact and not called an estimate
    assert paginator.count == EXACT_UP_TO
    assert not paginator.estimated
