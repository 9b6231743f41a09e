"""Admin benchmark: SQL queries and render time of every admin list page, small and at scale.

Usage: `.venv/bin/python -m bench.admin.run [--repeat 5]`

Fills a throwaway PostgreSQL database with 10 rows of every list, measures each page as a
superuser, then grows it to production-like volumes (10,000 candidate assessments, 20,000
deliveries, 100,000 delivery attempts; 1,000 to 10,000 rows of the other lists) and measures
again. A list page whose query count grows with its rows is an N+1 that the small fixtures of the
test suite may hide behind a page of 100; the render times at scale show what an index or an
annotation costs. Exits non-zero when any page's query count differs between the two sizes.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from dataclasses import dataclass

from bench.common import scratch_directory, setup_django, table, throwaway_database
from bench.pages import Measure, connect, measure, pages


@dataclass(frozen=True)
class Scale:
    label: str
    accounts: int
    candidate_assessments: int
    deliveries_per_candidate: int
    attempts_per_delivery: int
    engine_keys: int
    engine_events: int
    users: int
    groups: int
    log_entries: int


SMALL = Scale("10 rows", 10, 10, 1, 1, 10, 10, 10, 10, 10)
LARGE = Scale("at scale", 1_000, 10_000, 2, 5, 1_000, 10_000, 1_000, 1_000, 10_000)
BATCH = 5_000


def grow_to(scale: Scale) -> None:
    """Add rows until every list holds `scale` of them (the first account is the big customer)."""
    from auditlog.models import LogEntry
    from django.contrib.auth.models import Group, User
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from accounts.models import Account
    from assessments.models import Assessment, CandidateAssessment, Competency
    from engine.models import EngineApiKey, EngineEvent
    from harver_integration.tokens import hash_token
    from integrations.models import Delivery, DeliveryAttempt, Integration

    now = timezone.now()
    start = Account.objects.count()
    accounts = Account.objects.bulk_create(
        Account(name=f"Customer {number:05d}") for number in range(start, scale.accounts)
    )
    assessments = Assessment.objects.bulk_create(
        Assessment(account=account, name=f"Store Associate {account.pk}", job_code=f"J{account.pk}")
        for account in accounts
    )
    Competency.objects.bulk_create(
        Competency(assessment=assessment, name=name, position=position)
        for assessment in assessments
        for position, name in enumerate(("Conscientiousness", "Agreeableness"))
    )
    connect(accounts)
    all_assessments = list(Assessment.objects.order_by("pk"))
    integration_of = {
        integration.account_id: integration for integration in Integration.objects.all()
    }

    def assessment_for(number: int) -> Assessment:
        # Half of all candidates belong to the first customer, the rest spread over the others.
        if number % 2 == 0:
            return all_assessments[0]
        return all_assessments[number % len(all_assessments)]

    start = CandidateAssessment.objects.count()
    candidates = CandidateAssessment.objects.bulk_create(
        (
            CandidateAssessment(
                account_id=assessment_for(number).account_id,
                assessment=assessment_for(number),
                email=f"candidate{number}@example.com",
                first_name="Jane",
                last_name=f"Doe {number}",
                status="completed" if number % 3 else "pending",
                score=70 if number % 3 else None,
                expires_at=now + datetime.timedelta(days=14),
            )
            for number in range(start, scale.candidate_assessments)
        ),
        batch_size=BATCH,
    )
    deliveries = Delivery.objects.bulk_create(
        (
            Delivery(
                integration=integration_of[candidate.account_id],
                candidate_assessment=candidate,
                kind=Delivery.Kind.STATUS,
                label=("Status pending", "Status completed, score 70")[number],
                state=("succeeded", "failed")[number] if candidate.pk % 7 else "pending",
                payload={"status": ("pending", "completed")[number]},
                rank=number,
                attempt_count=scale.attempts_per_delivery,
                next_attempt_at=now,
                last_error="" if number == 0 else "HTTP 500 from Workable: upstream unavailable",
            )
            for candidate in candidates
            for number in range(scale.deliveries_per_candidate)
        ),
        batch_size=BATCH,
    )
    outcomes = ("transient", "timeout", "transient", "transient", "succeeded")
    DeliveryAttempt.objects.bulk_create(
        (
            DeliveryAttempt(
                delivery=delivery,
                integration_id=delivery.integration_id,
                number=number + 1,
                started_at=now - datetime.timedelta(hours=number * 7, seconds=delivery.pk % 600),
                duration_ms=120,
                outcome=outcomes[number % len(outcomes)],
                request="PUT https://acme.workable.com/spi/v3/assessments/abc/results",
                http_status=200 if outcomes[number % len(outcomes)] == "succeeded" else 500,
            )
            for delivery in deliveries
            for number in range(scale.attempts_per_delivery)
        ),
        batch_size=BATCH,
    )
    superuser = User.objects.get(username="bench-root")
    start = EngineApiKey.objects.count()
    EngineApiKey.objects.bulk_create(
        EngineApiKey(
            account=all_assessments[number % len(all_assessments)].account,
            name=f"Engine {number}",
            key_hash=hash_token(f"engine-{number}"),
            key_last4=f"{number:04d}"[-4:],
            created_by=superuser,
        )
        for number in range(start, scale.engine_keys)
    )
    start = EngineEvent.objects.count()
    event_candidates = list(CandidateAssessment.objects.order_by("pk")[: scale.engine_events])
    EngineEvent.objects.bulk_create(
        (
            EngineEvent(
                account_id=candidate.account_id,
                event_id=f"evt-{candidate.pk}",
                candidate_assessment=candidate,
                type="completed",
                payload={"type": "completed"},
                fingerprint="0" * 64,
                response_status=200,
                response_body={"changed": True},
            )
            for candidate in event_candidates[start:]
        ),
        batch_size=BATCH,
    )
    start = User.objects.count()
    User.objects.bulk_create(
        User(username=f"staff{number}", email=f"staff{number}@harver.test", is_staff=True)
        for number in range(start, scale.users)
    )
    start = Group.objects.count()
    Group.objects.bulk_create(Group(name=f"Team {number}") for number in range(start, scale.groups))
    account_type = ContentType.objects.get_for_model(Account)
    first_account = Account.objects.order_by("pk")[0]
    start = LogEntry.objects.count()
    LogEntry.objects.bulk_create(
        (
            LogEntry(
                content_type=account_type,
                object_pk=str(first_account.pk),
                object_id=first_account.pk,
                object_repr=first_account.name,
                action=LogEntry.Action.UPDATE,
                changes={"name": ["Old name", first_account.name]},
                actor=superuser,
            )
            for _ in range(start, scale.log_entries)
        ),
        batch_size=BATCH,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page and size")
    parser.add_argument("--database", default="harver_bench_admin")
    arguments = parser.parse_args()

    with (
        scratch_directory("bench-admin-") as var_dir,
        throwaway_database(arguments.database) as database_url,
    ):
        # The pages are measured, not the sign-in: staff skip the two-factor step here.
        setup_django(database_url, var_dir, ALLOWED_HOSTS="testserver", ADMIN_REQUIRE_2FA="false")
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.test import Client

        # Production serves the admin's static files through a manifest: build it as a deploy does.
        call_command("collectstatic", interactive=False, verbosity=0)
        User.objects.create_superuser("bench-root", "root@harver.test", "unused-password-0")
        client = Client()
        client.force_login(User.objects.get(username="bench-root"))
        results: dict[str, dict[str, Measure]] = {}
        for scale in (SMALL, LARGE):
            started = time.perf_counter()
            grow_to(scale)
            print(f"{scale.label}: seeded in {time.perf_counter() - started:.1f} s", flush=True)
            for label, url in pages():
                results.setdefault(label, {})[scale.label] = measure(
                    client, url(), arguments.repeat
                )
    return report(results)


def report(results: dict[str, dict[str, Measure]]) -> int:
    deliveries = LARGE.candidate_assessments * LARGE.deliveries_per_candidate
    print(
        f"\nbench/admin: superuser, median of the timed requests; at scale = "
        f"{LARGE.candidate_assessments:,} candidate assessments, {deliveries:,} deliveries, "
        f"{deliveries * LARGE.attempts_per_delivery:,} delivery attempts, "
        f"{LARGE.accounts:,} accounts and integrations (lists show 100 rows a page)\n"
    )
    rows = []
    failures = []
    for label, by_scale in results.items():
        small, large = by_scale[SMALL.label], by_scale[LARGE.label]
        if small.queries != large.queries:
            failures.append(label)
        rows.append(
            (
                label,
                small.queries,
                large.queries,
                f"{small.render_ms:.0f}",
                f"{large.render_ms:.0f}",
                f"{large.sql_ms:.0f}",
                f"{large.render_ms / small.render_ms:.1f}x",
            )
        )
    print(
        table(
            rows,
            (
                "page",
                "queries (10)",
                "queries (scale)",
                "ms (10)",
                "ms (scale)",
                "SQL ms (scale)",
                "time ratio",
            ),
        )
    )
    print()
    if failures:
        print(f"  FAIL  query counts differ between 10 rows and scale: {', '.join(failures)}")
        return 1
    print(f"  PASS  every one of {len(results)} list pages costs the same queries at both sizes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
