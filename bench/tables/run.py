"""Table size benchmark: sweep, claim and every admin page at 10,000 and at 1,000,000 deliveries.

Usage: `.venv/bin/python -m bench.tables.run [--repeat 7] [--large 1000000]`

Fills a throwaway PostgreSQL database (`harver_bench_tables`) with 1,000 customers, each with an
assessment and an enabled integration, then writes deliveries (five attempts each, two
deliveries per candidate assessment) with set-based SQL at a steady 1,000 a day, skewed across
the customers (the busiest has a tenth of them). The newest 3,000 hold the outbox's live work:
due, retrying, lost-doorbell and sending deliveries; the rest are settled (delivered, failed,
dropped). It measures at 10,000 deliveries, then adds 990,000 older settled ones (years of
history; the live work and the last week are the same rows) and measures again: one sweep, one
claim of a batch for the busiest customer, and every admin list page, each the median of
`--repeat` runs with its SQL statements counted. It prints `EXPLAIN (ANALYZE, BUFFERS)` of the
sweep's and the claim's statements and of the slowest page's slowest statements, and exits
non-zero when anything takes more than 1.5x its time at 10,000 rows or costs other queries.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from unittest import mock

from bench.common import scratch_directory, setup_django, table, throwaway_database
from bench.pages import Measure, connect, logged, measured, page_getter, pages, timed

if TYPE_CHECKING:
    from django.test import Client

SMALL = 10_000
LARGE = 1_000_000
CUSTOMERS = 1_000
ATTEMPTS_PER_DELIVERY = 5
PER_DAY = 1_000  # deliveries written per day over all customers
LIVE = 3_000  # the newest deliveries that are still the outbox's work
OPEN_ISSUES = 200
TARGET_RATIO = 1.5
# Ids count down with age, so the oldest row has the smallest id, as in a table that grew.
TOP_DELIVERY_ID = 2_000_000
TOP_CANDIDATE_ID = 1_000_000
EXPLAINED_STATEMENTS = 3

CANDIDATES_SQL = """
INSERT INTO assessments_candidateassessment (
    id, public_id, email, first_name, last_name, phone, resume_url, status, expires_at,
    invitation_sent_at, started_at, completed_at, score, recommendation, competency_scores,
    summary, duration, created_at, updated_at, account_id, assessment_id, terms_accepted_at,
    reopen_count)
SELECT %(top)s - m, md5('candidate' || m)::uuid, 'candidate' || m || '@example.com', 'Jane',
       'Doe ' || m, '', '', 'completed', created + interval '14 days', created, created,
       created + interval '1 hour', 70, 'good_fit', '{}'::jsonb, '', interval '40 minutes',
       created, created, (%(accounts)s::bigint[])[customer],
       (%(assessments)s::bigint[])[customer], created, 0
  FROM (SELECT m,
               now() - interval '1 hour' - (2 * m) * interval '1 day' / %(per_day)s AS created,
               1 + floor(%(customers)s * power(((m * 7919) %% 100003) / 100003.0, 3))::int
                   AS customer
          FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS m) AS candidate
"""

DELIVERIES_SQL = """
INSERT INTO integrations_delivery (
    id, kind, label, state, url, payload, rank, remote_ref, attempt_count, failures,
    next_attempt_at, locked_until, enqueued_at, last_error, finished_at, created_at, updated_at,
    candidate_assessment_id, integration_id)
SELECT %(top)s - n,
       CASE WHEN n %% 2 = 0 THEN 'status' ELSE 'field' END,
       CASE WHEN n %% 2 = 0 THEN 'Status completed, score 70' ELSE 'Field score = 70' END,
       state, '', '{"status": "completed", "score": 70}'::jsonb,
       CASE WHEN n %% 2 = 0 THEN 3 END, '', %(attempts)s,
       CASE WHEN state = 'pending' AND n %% 4 = 1 THEN 2 ELSE 0 END,
       CASE WHEN state = 'sending' THEN now() - interval '1 minute'
            WHEN state = 'pending' AND n %% 4 = 0 THEN now() - interval '1 minute'
            WHEN state = 'pending' AND n %% 4 = 1 THEN now() + (n %% 3600) * interval '1 second'
            ELSE created + interval '1 minute' END,
       CASE WHEN state = 'sending' THEN now() + interval '10 minutes' END,
       CASE WHEN state = 'sending' THEN now() - interval '1 minute'
            WHEN state = 'pending' AND n %% 4 = 0 THEN NULL
            WHEN state = 'pending' AND n %% 4 = 1 THEN now() - interval '30 seconds'
            ELSE created + interval '1 minute' END,
       CASE WHEN state = 'failed' OR (state = 'pending' AND n %% 4 = 1)
            THEN 'HTTP 500 from Workable: upstream unavailable' ELSE '' END,
       CASE WHEN state IN ('succeeded', 'failed', 'dropped')
            THEN created + (60 + n %% 300) * interval '1 second' END,
       created, created, %(top_candidate)s - n / 2,
       (%(integrations)s::bigint[])[customer]
  FROM (SELECT n, created, customer,
               CASE WHEN n < %(live)s AND n %% 97 = 5 THEN 'sending'
                    WHEN n < %(live)s AND n %% 4 < 3 THEN 'pending'
                    WHEN n %% 20 = 0 THEN 'failed'
                    WHEN n %% 50 = 1 THEN 'dropped'
                    ELSE 'succeeded' END AS state
          FROM (SELECT n, now() - n * interval '1 day' / %(per_day)s AS created,
                       1 + floor(%(customers)s
                                 * power((((n / 2) * 7919) %% 100003) / 100003.0, 3))::int
                           AS customer
                  FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n) AS written
       ) AS delivery
"""

ATTEMPTS_SQL = """
INSERT INTO integrations_deliveryattempt (
    id, number, started_at, duration_ms, outcome, request, http_status, response_excerpt, error,
    task_id, created_at, delivery_id, integration_id)
SELECT d.id * %(attempts)s - k, %(attempts)s - k, started, 120, outcome,
       'PUT https://acme.workable.com/spi/v3/assessments/abc/results',
       CASE outcome WHEN 'succeeded' THEN 200 WHEN 'permanent' THEN 422 WHEN 'dropped' THEN NULL
                    ELSE CASE WHEN d.id %% 1000 = 3 THEN 401 ELSE 500 END END,
       '', '', '', started, d.id, d.integration_id
  FROM integrations_delivery AS d
 CROSS JOIN generate_series(0, %(attempts)s - 1) AS k
 CROSS JOIN LATERAL (
       SELECT d.created_at + (%(attempts)s - k) * interval '30 seconds' AS started,
              CASE WHEN k > 0 OR d.state NOT IN ('succeeded', 'failed', 'dropped')
                   THEN 'transient'
                   WHEN d.state = 'succeeded' THEN 'succeeded'
                   WHEN d.state = 'failed' THEN 'permanent'
                   ELSE 'dropped' END AS outcome) AS attempt
 WHERE d.id BETWEEN %(low)s AND %(high)s
"""

SEQUENCES = (
    "assessments_candidateassessment",
    "integrations_delivery",
    "integrations_deliveryattempt",
)
TABLES = (*SEQUENCES, "accounts_account", "integrations_integration", "integrations_issue")


def seed_customers() -> dict[str, list[int]]:
    """1,000 accounts, each with an assessment, an enabled integration and its credentials, and
    a few hundred open issues; returns their ids in customer order."""
    from django.utils import timezone

    from accounts.models import Account
    from assessments.models import Assessment
    from integrations.models import Issue

    accounts = Account.objects.bulk_create(
        Account(name=f"Customer {number:04d}") for number in range(CUSTOMERS)
    )
    assessments = Assessment.objects.bulk_create(
        Assessment(account=account, name=f"Store Associate {account.pk}", job_code="J1")
        for account in accounts
    )
    integrations = connect(accounts)
    now = timezone.now()
    Issue.objects.bulk_create(
        Issue(
            integration=integration,
            type=Issue.Type.DELIVERIES_FAILING,
            message="Deliveries to Workable fail: HTTP 500 from Workable.",
            first_seen_at=now,
            last_seen_at=now,
        )
        for integration in integrations[:: CUSTOMERS // OPEN_ISSUES]
    )
    return {
        "accounts": [account.pk for account in accounts],
        "assessments": [assessment.pk for assessment in assessments],
        "integrations": [integration.pk for integration in integrations],
    }


def grow_to(deliveries: int, customers: dict[str, list[int]]) -> None:
    """Write deliveries (and their candidates and attempts) up to `deliveries`, older than any
    written before, then vacuum and analyze, as autovacuum would have on a table that grew."""
    from django.db import connection

    from integrations.models import Delivery

    first = Delivery.objects.count()
    last = deliveries - 1
    parameters: dict[str, Any] = {
        **customers,
        "per_day": PER_DAY,
        "customers": CUSTOMERS,
        "attempts": ATTEMPTS_PER_DELIVERY,
        "live": LIVE,
        "top_candidate": TOP_CANDIDATE_ID,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            CANDIDATES_SQL,
            {**parameters, "top": TOP_CANDIDATE_ID, "first": first // 2, "last": last // 2},
        )
        cursor.execute(
            DELIVERIES_SQL, {**parameters, "top": TOP_DELIVERY_ID, "first": first, "last": last}
        )
        cursor.execute(
            ATTEMPTS_SQL,
            {**parameters, "low": TOP_DELIVERY_ID - last, "high": TOP_DELIVERY_ID - first},
        )
        for name in SEQUENCES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {name}))"
            )
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(TABLES)}")


def use_database(name: str) -> None:
    """Point Django's connection at `name` (both databases hold the same ids, the same
    superuser and session), connected before anything is timed."""
    from django.db import connection

    if connection.settings_dict["NAME"] != name:
        connection.close()
        connection.settings_dict["NAME"] = name
    connection.ensure_connection()


def rolled_back(action: Callable[[], object]) -> Callable[[], None]:
    """`action` in a transaction rolled back, so every run finds the same rows to sweep or
    claim."""
    from django.db import transaction

    def run() -> None:
        with transaction.atomic():
            action()
            transaction.set_rollback(True)

    return run


def compare(
    run: Callable[[], object], databases: list[str], repeat: int, reset: Callable[[], object]
) -> list[Measure]:
    """`run` on each database: a warm-up, one run with its SQL logged, then `repeat` timed runs
    taking turns (the order flips each round), so a load that comes and goes on the machine
    weighs on both sizes alike. `reset` (not timed) clears what outlives a run, such as cache
    markers."""
    logs = []
    for name in databases:
        use_database(name)
        reset()
        run()
        reset()
        logs.append(logged(run))
    timings: list[list[float]] = [[] for _ in databases]
    for round_number in range(repeat):
        order = list(enumerate(databases))
        if round_number % 2:
            order.reverse()
        for index, name in order:
            use_database(name)
            reset()
            timings[index].append(timed(run))
    return [measured(log, times) for log, times in zip(logs, timings, strict=True)]


def outbox_actions() -> list[tuple[str, Callable[[], object]]]:
    """The sweep as beat runs it, and the claim of a batch as the busiest customer's task does."""
    from django.utils import timezone

    from integrations.models import Delivery, Integration
    from integrations.outbox import requeue, sending

    busiest = Integration.objects.order_by("pk")[0]
    due = (
        Delivery.objects.filter(
            integration=busiest,
            state=Delivery.State.PENDING,
            next_attempt_at__lte=timezone.now(),
            enqueued_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if due is None:
        raise RuntimeError("the busiest customer has no due delivery to claim")
    return [("sweep", requeue.sweep), ("claim (batch of 25)", lambda: sending.claim(due))]


def explain(statements: list[tuple[str, Any, float]], title: str) -> None:
    """Print EXPLAIN (ANALYZE, BUFFERS) of each statement (savepoints left out), in order, in a
    rolled-back transaction (an explained UPDATE runs, so the statements after it see what it
    changed)."""
    from django.db import connection, transaction

    print(f"\n### {title}\n")
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql, params, _ in explainable(statements):
                print(f"-- {sql}\n")
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                print("\n".join(row[0] for row in cursor.fetchall()), end="\n\n")
        transaction.set_rollback(True)


def explainable(statements: list[tuple[str, Any, float]]) -> list[tuple[str, Any, float]]:
    return [
        statement
        for statement in statements
        if statement[0].lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT", "DELETE"))
    ]


def measure_sizes(client: Client, databases: list[str], repeat: int) -> dict[str, list[Measure]]:
    """Every measure at both sizes: the small database's first, the large one's second."""
    from django.core.cache import cache

    use_database(databases[0])
    results: dict[str, list[Measure]] = {}
    with mock.patch("integrations.outbox.requeue.publish", new=lambda doorbells: len(doorbells)):
        for name, action in outbox_actions():
            results[name] = compare(rolled_back(action), databases, repeat, cache.clear)
    for name, url in pages():
        use_database(databases[0])  # a row of the small database is in both
        results[name] = compare(page_getter(client, url()), databases, repeat, lambda: None)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measure and size")
    parser.add_argument("--large", type=int, default=LARGE, help="deliveries of the large size")
    parser.add_argument("--database", default="harver_bench_tables")
    arguments = parser.parse_args()
    small_name = f"{arguments.database}_small"

    with (
        scratch_directory("bench-tables-") as var_dir,
        throwaway_database(small_name) as small_url,
    ):
        # The pages are measured, not the sign-in: staff skip the two-factor step here.
        setup_django(small_url, var_dir, ALLOWED_HOSTS="testserver", ADMIN_REQUIRE_2FA="false")
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.db import connections
        from django.test import Client

        call_command("collectstatic", interactive=False, verbosity=0)
        User.objects.create_superuser("bench-root", "root@harver.test", "unused-password-0")
        client = Client()
        client.force_login(User.objects.get(username="bench-root"))
        customers = seed_customers()
        grow(SMALL, customers)
        connections.close_all()
        with throwaway_database(arguments.database, template=small_name):
            use_database(arguments.database)
            grow(arguments.large, customers)
            databases = [small_name, arguments.database]
            results = measure_sizes(client, databases, arguments.repeat)
            use_database(arguments.database)
            for name, _ in outbox_actions():
                explain(results[name][1].statements, f"{name} at {arguments.large:,} deliveries")
            slowest = max(
                (name for name in results if name in dict(pages())),
                key=lambda name: results[name][1].render_ms,
            )
            statements = sorted(results[slowest][1].statements, key=lambda row: -row[2])
            explain(
                explainable(statements)[:EXPLAINED_STATEMENTS],
                f"the slowest page at {arguments.large:,} deliveries ({slowest}): "
                "its slowest statements",
            )
            connections.close_all()
    return report(results, arguments.large)


def grow(deliveries: int, customers: dict[str, list[int]]) -> None:
    started = time.perf_counter()
    grow_to(deliveries, customers)
    elapsed = time.perf_counter() - started
    print(f"{deliveries:,} deliveries written, vacuumed, analyzed: {elapsed:.1f} s", flush=True)


def report(results: dict[str, list[Measure]], size: int) -> int:
    print(
        f"\nbench/tables: superuser, median of the timed runs; {SMALL:,} and {size:,} deliveries "
        f"({ATTEMPTS_PER_DELIVERY} attempts each, 2 per candidate assessment) over "
        f"{CUSTOMERS:,} customers; sweep and claim rolled back after each run;\n"
        f"the two sizes measured in turns\n"
    )
    rows = []
    failures = []
    for name, (before, after) in results.items():
        ratio = after.render_ms / before.render_ms
        met = ratio <= TARGET_RATIO and after.queries == before.queries
        if not met:
            failures.append(name)
        rows.append(
            (
                name,
                before.queries,
                after.queries,
                f"{before.render_ms:.1f}",
                f"{after.render_ms:.1f}",
                f"{ratio:.2f}x",
                "met" if met else "MISSED",
            )
        )
    header = (
        "measure",
        f"queries ({SMALL:,})",
        f"queries ({size:,})",
        f"ms ({SMALL:,})",
        f"ms ({size:,})",
        "time ratio",
        f"<= {TARGET_RATIO}x, same queries",
    )
    print(table(rows, header))
    print()
    if failures:
        print(f"  FAIL  {len(failures)} of {len(rows)} missed the target: {', '.join(failures)}")
        return 1
    print(f"  PASS  all {len(rows)} within {TARGET_RATIO}x of their time, with the same queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
