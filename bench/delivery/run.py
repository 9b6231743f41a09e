"""Delivery benchmark: completed results sent by Celery workers against a plain loop, same run.

Usage: `.venv/bin/python -m bench.delivery.run [--results 1000] [--tenants 20] [--concurrency 2]`

A completed result owes Workable three requests: the results callback (`PUT`), and the timeline
note (find the candidate, `POST` the comment). Phases, on one throwaway database and private Redis:

1. Throughput, the stand-in's rate limit off (ours set out of the way): the results are committed
   while no worker runs, then one `celery worker` (prefork, `--concurrency`) sends them. The
   baseline is a plain loop sending the same requests with the same concurrency (threads, one
   `WorkableClient` per delivery as the worker uses), run before and after the workers.
2. Commit-to-arrival latency on the idle, warm worker: results committed a few a second, each
   timed from its commit to the arrival of its `PUT`.
3. Rate limited: the stand-in enforces Workable's 10 requests per 10 s for each tenant's token
   and our limiter runs with its production settings (and the sweeper, under beat); the total
   time is compared with the ideal, requests / (tenants x 1 per second), and 429s are counted.

Prints every figure with its baseline and target, and exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from bench.common import median, percentile
from bench.common import verdict as check
from bench.delivery.platform import (
    MEMBER_ID,
    World,
    complete,
    invite,
    stand_in,
    unfinished_work,
    wait_for,
    world,
)

REQUESTS_PER_RESULT = 3
TARGET_THROUGHPUT = 0.5
TARGET_P50_MS = 50
TARGET_P99_MS = 250
TARGET_RATE_LIMITED = 1.1
WORKABLE_LIMIT = 10
WORKABLE_WINDOW = 10.0


@dataclass(frozen=True)
class Request:
    token: str
    subdomain: str
    callback_url: str
    body: dict[str, Any]
    email: str
    comment: dict[str, Any]


def requests_of(candidate_ids: list[int]) -> list[Request]:
    """The requests the deliveries of these results will make, read from their outbox rows."""
    from django.db.models import Q

    from integrations.models import Delivery

    rows: dict[int, dict[str, Delivery]] = {}
    completed = Q(kind=Delivery.Kind.STATUS, rank=2) | Q(kind=Delivery.Kind.COMMENT)
    for delivery in Delivery.objects.filter(
        completed, candidate_assessment_id__in=candidate_ids
    ).select_related("integration__ats_credential", "candidate_assessment"):
        rows.setdefault(delivery.candidate_assessment_id, {})[delivery.kind] = delivery
    found = []
    for candidate_id in candidate_ids:
        status, comment = rows[candidate_id]["status"], rows[candidate_id]["comment"]
        credential = status.integration.ats_credential
        found.append(
            Request(
                token=credential.secret("token"),
                subdomain=credential.value("subdomain"),
                callback_url=status.url,
                body=status.payload,
                email=status.candidate_assessment.email,
                comment=comment.payload["comment"],
            )
        )
    return found


class NoBudget:
    """The plain loop has no rate limit to respect."""

    def take(self) -> None:
        return None

    def block(self, seconds: float) -> None:
        return None

    def close(self) -> None:
        return None


def plain_loop(requests: list[Request], concurrency: int) -> float:
    """Send every result's requests from `concurrency` threads; returns the seconds it took."""
    from workable.client import WorkableClient

    def send(share: list[Request]) -> None:
        for request in share:
            with WorkableClient(
                subdomain=request.subdomain, token=request.token, budget=NoBudget()
            ) as client:
                client.put_assessment_result(request.callback_url, request.body)
            with WorkableClient(
                subdomain=request.subdomain, token=request.token, budget=NoBudget()
            ) as client:
                found = client.find_candidates(email=request.email, shortcode="BENCH1")
                client.create_comment(
                    str(found[0]["id"]),
                    member_id=MEMBER_ID,
                    body=request.comment["body"],
                    policy=request.comment["policy"],
                )

    threads = [
        threading.Thread(target=send, args=(requests[number::concurrency],))
        for number in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def span(arrivals: list[dict[str, Any]]) -> float:
    times = [arrival["at"] for arrival in arrivals]
    return max(times) - min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=1000)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument("--latency-results", type=int, default=100)
    parser.add_argument("--latency-rate", type=float, default=5.0, help="results per second")
    parser.add_argument("--skip-rate-limited", action="store_true")
    parser.add_argument("--database", default="harver_bench_delivery")
    arguments = parser.parse_args()
    results: list[bool] = []

    from tests.processes import celery_worker

    with world("bench-delivery-", arguments.database, arguments.tenants) as scene:
        port, tenants, unlimited = scene.port, scene.tenants, scene.unlimited()

        # --- 1. Throughput ------------------------------------------------------------------
        with stand_in(port) as workable:
            with celery_worker(unlimited, concurrency=arguments.concurrency):
                batch = invite(tenants, arguments.results, port, "throughput")
                latency_batch = invite(tenants, arguments.latency_results, port, "latency")
                if not wait_for(lambda: unfinished_work() == 0, timeout=600):
                    raise RuntimeError("the invitations' emails and pending statuses were not sent")
            committed = [complete(candidate_id) for candidate_id in batch]
            requests = requests_of(batch)
            expected = len(batch) * REQUESTS_PER_RESULT
            workable.reset()
            loop_seconds = [plain_loop(requests, arguments.concurrency)]
            workable.reset()
            with celery_worker(unlimited, concurrency=arguments.concurrency):
                if not wait_for(lambda: len(workable.arrivals()) >= expected, timeout=1800):
                    raise RuntimeError("the workers did not deliver every result")
                arrivals = workable.arrivals()
                celery_seconds = span(arrivals)
                workable.reset()
                loop_seconds.append(plain_loop(requests, arguments.concurrency))

                # --- 2. Commit-to-arrival latency on the idle worker ------------------------
                workable.reset()
                commit_times = {}
                for candidate_id in latency_batch:
                    commit_times[candidate_id] = complete(candidate_id)
                    time.sleep(1 / arguments.latency_rate)
                wait_for(
                    lambda: len(workable.arrivals()) >= len(latency_batch) * REQUESTS_PER_RESULT,
                    timeout=120,
                )
                latencies = commit_to_arrival(commit_times, workable.arrivals())
        baseline = median(loop_seconds)
        ratio = baseline / celery_seconds
        print(
            f"\nbench/delivery: {len(batch)} completed results = {expected} requests, "
            f"{arguments.tenants} tenants, concurrency {arguments.concurrency}, "
            f"{os.cpu_count()} CPUs\n"
        )
        print(
            f"  Celery workers : {celery_seconds:6.1f} s  {len(batch) / celery_seconds:6.1f} "
            f"results/s  {expected / celery_seconds:6.1f} requests/s"
        )
        print(
            f"  plain loop     : {baseline:6.1f} s  {len(batch) / baseline:6.1f} results/s  "
            f"{expected / baseline:6.1f} requests/s  (runs: "
            f"{', '.join(f'{value:.1f} s' for value in loop_seconds)})"
        )
        print(
            f"  commit spread  : {max(committed) - min(committed):.1f} s to commit the "
            f"results before the workers started"
        )
        print(
            f"  latency        : commit to PUT arrival over {len(latencies)} results at "
            f"{arguments.latency_rate:g}/s: p50 {percentile(latencies, 0.5):.0f} ms, "
            f"p99 {percentile(latencies, 0.99):.0f} ms\n"
        )
        results.append(
            check(
                "throughput",
                ratio >= TARGET_THROUGHPUT,
                f"Celery / plain loop = {ratio:.2f}x (target >= {TARGET_THROUGHPUT}x)",
            )
        )
        results.append(
            check(
                "latency p50",
                percentile(latencies, 0.5) <= TARGET_P50_MS,
                f"{percentile(latencies, 0.5):.0f} ms (target <= {TARGET_P50_MS} ms)",
            )
        )
        results.append(
            check(
                "latency p99",
                percentile(latencies, 0.99) <= TARGET_P99_MS,
                f"{percentile(latencies, 0.99):.0f} ms (target <= {TARGET_P99_MS} ms)",
            )
        )

        # --- 3. Rate limited ------------------------------------------------------------------
        if not arguments.skip_rate_limited:
            results.extend(rate_limited(arguments, scene))
    return 0 if all(results) else 1


def commit_to_arrival(
    commit_times: dict[int, float], arrivals: list[dict[str, Any]]
) -> list[float]:
    from assessments.models import CandidateAssessment

    emails = dict(
        CandidateAssessment.objects.filter(pk__in=commit_times).values_list("pk", "email")
    )
    put_at = {
        arrival["path"].rsplit("/", 1)[-1]: arrival["at"]
        for arrival in arrivals
        if arrival["method"] == "PUT"
    }
    return [
        (put_at[emails[pk].split("@")[0]] - committed) * 1000
        for pk, committed in commit_times.items()
        if emails[pk].split("@")[0] in put_at
    ]


def rate_limited(arguments: argparse.Namespace, scene: World) -> list[bool]:
    from tests.processes import celery_worker

    tenants, port = scene.tenants, scene.port
    env = scene.env()  # the production limiter: 10 per 10 s, 0.5 s margin
    with (
        stand_in(
            port, "--limit", str(WORKABLE_LIMIT), "--window", str(WORKABLE_WINDOW)
        ) as workable,
        celery_worker(env, concurrency=arguments.concurrency, beat=True),
    ):
        batch = invite(tenants, arguments.results, port, "limited")
        if not wait_for(lambda: unfinished_work() == 0, timeout=1800):
            raise RuntimeError("the invitations' emails and pending statuses were not sent")
        time.sleep(WORKABLE_WINDOW + 1)  # every token's window empty again
        workable.reset()
        started = time.time()
        for candidate_id in batch:
            complete(candidate_id)
        expected = len(batch) * REQUESTS_PER_RESULT
        wait_for(lambda: unfinished_work() == 0, timeout=3600, interval=1)
        arrivals = workable.arrivals()
    finished = max(arrival["at"] for arrival in arrivals)
    total = finished - started
    ideal = expected / (len(tenants) * WORKABLE_LIMIT / WORKABLE_WINDOW)
    refused = sum(1 for arrival in arrivals if arrival["status"] == 429)
    delivered = sum(1 for arrival in arrivals if arrival["status"] == 200)
    print(
        f"\n  rate limited   : {len(batch)} results = {expected} requests over "
        f"{len(tenants)} tokens at {WORKABLE_LIMIT} per {WORKABLE_WINDOW:g} s: {total:.1f} s "
        f"(ideal {ideal:.0f} s), {delivered} delivered, {refused} refused with 429\n"
    )
    return [
        check(
            "rate-limited time",
            total <= TARGET_RATE_LIMITED * ideal,
            f"{total / ideal:.2f}x the ideal (target <= {TARGET_RATE_LIMITED}x)",
        ),
        check("no 429 caused", refused == 0, f"{refused} x 429 (target 0)"),
        check("all delivered", delivered >= expected, f"{delivered} of {expected} requests"),
    ]


if __name__ == "__main__":
    sys.exit(main())
