"""Many customers after an outage: a skewed backlog drained at each token's rate limit.

Usage: `.venv/bin/python -m bench.tenants.run [--scale 1.0] [--concurrency 4] [--window 1]`

`--scale 1` is the full run: 1,000 enabled Workable integrations, each with its own token, and a
backlog of 20,000 due deliveries skewed across 900 of them (Zipf: the largest customer owes
about 2,700, most a handful); the other 100 owe nothing. `--scale 0.1` is a quick run (100
integrations, 2,000 deliveries). The backlog is written straight into the outbox as due and
unpublished, as an outage leaves it (Workable down: everything failed and is due again), so the
sweeper releases it, all at once, when the workers start. Then:

- one `celery worker` (prefork, `--concurrency` pool processes) and beat drain it against the
  stand-in Workable (`bench.delivery.standin`, its own process), which enforces each token's
  limit (10 requests per `--window` seconds: Workable's 10 per 10 s, time-compressed) and answers
  429 beyond it; our limiter runs with the same limit and a small margin;
- while it drains, customers without a backlog complete results (`--fresh-rate` a second);
  each is timed from its commit to the arrival of its result's PUT;
- the worker's resident memory is sampled throughout.

Figures, each against a baseline of the same run: the drain time against the ideal (the largest
backlog at its token's limit, or the plain loop's time for the whole backlog, whichever is
longer; the plain loop sends the same requests from `--concurrency` threads with the limit out of
the way, before the workers start); the p50/p99 commit-to-arrival of the fresh results against
the idle figure (the same, measured on the warm worker after the drain); 429s caused; every
delivery arrived exactly once; worker memory growth. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import Counter
from typing import Any

from bench.common import median, percentile, scratch_directory, setup_django, throwaway_database
from bench.common import verdict as check
from bench.delivery.platform import (
    Tenant,
    complete,
    create_tenants,
    invite,
    stand_in,
    unfinished_work,
    wait_for,
    workable_settings,
    worker_rss_kib,
)

FULL_INTEGRATIONS = 1000
FULL_DELIVERIES = 20_000
WITHOUT_BACKLOG = 0.1  # the share of customers that owe nothing
WORKABLE_LIMIT = 10
LIMITER_SHARE = 0.05
TARGET_DRAIN = 1.15
TARGET_FRESH_P99_S = 2.0
TARGET_MEMORY_GROWTH = 0.20
IDLE_RESULTS = 20


def backlog_sizes(customers: int, deliveries: int) -> list[int]:
    """Zipf-skewed backlog sizes, largest first, summing to `deliveries` (each at least 1)."""
    weights = [1 / rank for rank in range(1, customers + 1)]
    total = sum(weights)
    sizes = [max(1, int(deliveries * weight / total)) for weight in weights]
    sizes[0] += deliveries - sum(sizes)
    return sizes


def write_backlog(tenants: list[Tenant], sizes: list[int], port: int) -> list[str]:
    """Unpublished status deliveries, one candidate each, due only once `release` runs (as if
    Workable were down until then); returns their callback paths."""
    import datetime

    from django.utils import timezone

    from assessments.models import Assessment, CandidateAssessment
    from integrations.models import Delivery

    now = timezone.now()
    outage_ends = now + datetime.timedelta(days=1)
    paths: list[str] = []
    for tenant, size in zip(tenants, sizes, strict=False):
        assessment = Assessment.objects.select_related("account").get(pk=tenant.assessment_id)
        candidates = CandidateAssessment.objects.bulk_create(
            [
                CandidateAssessment(
                    account=assessment.account,
                    assessment=assessment,
                    email=f"owed-{tenant.integration_id}-{number}@example.com",
                    status=CandidateAssessment.Status.EXPIRED,
                    expires_at=now,
                    invitation_sent_at=now,
                )
                for number in range(size)
            ],
            batch_size=2000,
        )
        owed = []
        for candidate in candidates:
            path = f"/cb/owed-{tenant.integration_id}-{candidate.pk}"
            paths.append(path)
            owed.append(
                Delivery(
                    integration_id=tenant.integration_id,
                    candidate_assessment=candidate,
                    kind=Delivery.Kind.STATUS,
                    label="Status expired",
                    url=f"http://127.0.0.1:{port}{path}",
                    payload={"status": "expired"},
                    rank=2,
                    state=Delivery.State.PENDING,
                    next_attempt_at=outage_ends,
                    enqueued_at=None,  # no task queued: the sweeper publishes what is due
                )
            )
        Delivery.objects.bulk_create(owed, batch_size=2000)
    return paths


def release() -> float:
    """The outage ends: the whole backlog is due at once. Returns when (time.time())."""
    from django.utils import timezone

    from integrations.models import Delivery

    Delivery.objects.filter(state=Delivery.State.PENDING).update(next_attempt_at=timezone.now())
    return time.time()


def plain_loop(tenants: list[Tenant], sizes: list[int], port: int, concurrency: int) -> float:
    """The backlog's requests from `concurrency` threads, no limit in the way; seconds taken.

    Each request carries a token of its own, so the stand-in's per-token limit never applies.
    """
    from workable.client import WorkableClient

    jobs = [
        (tenant.subdomain, number)
        for tenant, size in zip(tenants, sizes, strict=False)
        for number in range(size)
    ]

    class NoBudget:
        def take(self) -> None:
            return None

        def block(self, seconds: float) -> None:
            return None

    def send(share: list[tuple[str, int]]) -> None:
        for subdomain, number in share:
            token = f"loop-{subdomain}-{number}"
            with WorkableClient(subdomain=subdomain, token=token, budget=NoBudget()) as client:
                client.put_assessment_result(
                    f"http://127.0.0.1:{port}/cb/loop-{subdomain}-{number}", {"status": "expired"}
                )

    threads = [
        threading.Thread(target=send, args=(jobs[index::concurrency],))
        for index in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def warm_up(candidate_id: int, workable: Any) -> None:
    """Wait for the worker to run: one result (not counted) sent end to end."""
    from integrations.models import Delivery

    complete(candidate_id)
    owed = Delivery.objects.filter(candidate_assessment_id=candidate_id).exclude(
        state=Delivery.State.SUCCEEDED
    )
    if not wait_for(lambda: not owed.exists(), timeout=300, interval=0.2):
        raise RuntimeError("the worker did not start")
    workable.reset()


def fresh_results(
    candidates: list[int], rate: float, stop: threading.Event, committed: dict[int, float]
) -> None:
    """Complete the no-backlog customers' results, `rate` a second, until `stop` or none left."""
    from django.db import connection

    try:
        for candidate_id in candidates:
            if stop.is_set():
                return
            committed[candidate_id] = complete(candidate_id)
            time.sleep(1 / rate)
    finally:
        connection.close()


def commit_to_put(
    committed: dict[int, float], arrivals: list[dict[str, Any]]
) -> dict[float, float]:
    """Seconds from each result's commit to the first arrival of its PUT, by commit time."""
    from assessments.models import CandidateAssessment

    keys = {
        pk: email.split("@")[0]
        for pk, email in CandidateAssessment.objects.filter(pk__in=committed).values_list(
            "pk", "email"
        )
    }
    first_put: dict[str, float] = {}
    for arrival in arrivals:
        if arrival["method"] == "PUT" and arrival["reported"] == "completed":
            first_put.setdefault(arrival["path"].rsplit("/", 1)[-1], arrival["at"])
    return {at: first_put[keys[pk]] - at for pk, at in committed.items() if keys[pk] in first_put}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000 integrations")
    parser.add_argument("--concurrency", type=int, default=4, help="worker pool processes")
    parser.add_argument("--window", type=float, default=1.0, help="seconds per 10 requests")
    parser.add_argument("--fresh-rate", type=float, default=2.0, help="fresh results a second")
    parser.add_argument("--database", default="harver_bench_tenants")
    arguments = parser.parse_args()
    integrations = max(10, round(FULL_INTEGRATIONS * arguments.scale))
    deliveries = max(100, round(FULL_DELIVERIES * arguments.scale))
    quiet_count = max(2, round(integrations * WITHOUT_BACKLOG))

    from tests.processes import celery_worker, free_port, platform_env, redis_server

    port = free_port()
    with (
        scratch_directory("bench-tenants-") as var_dir,
        throwaway_database(arguments.database) as database_url,
        redis_server(var_dir) as redis,
    ):
        overrides = {
            "REDIS_URL": redis.url,
            **workable_settings(port),
            "WORKABLE_RATE_LIMIT_REQUESTS": str(WORKABLE_LIMIT),
            "WORKABLE_RATE_LIMIT_WINDOW_SECONDS": str(arguments.window),
            # the production margin and in-place wait (0.5 s of a 10 s window), time-compressed
            "WORKABLE_RATE_LIMIT_MARGIN_SECONDS": str(arguments.window * LIMITER_SHARE),
            "WORKABLE_RATE_LIMIT_WAIT_SECONDS": str(arguments.window * LIMITER_SHARE),
            "DELIVERY_SWEEP_SECONDS": "1",
        }
        setup_django(database_url, var_dir, **overrides)
        started = time.monotonic()
        tenants = create_tenants(integrations)
        quiet, owing = tenants[:quiet_count], tenants[quiet_count:]
        sizes = backlog_sizes(len(owing), deliveries)
        by_limit = sizes[0] * arguments.window / WORKABLE_LIMIT
        # enough for the whole drain (at 1.5x the ideal) and an idle round after it
        fresh_count = round(arguments.fresh_rate * (by_limit * 1.5 + 30)) + IDLE_RESULTS + 1
        env = platform_env(var_dir, **overrides)
        with stand_in(
            port, "--limit", str(WORKABLE_LIMIT), "--window", str(arguments.window)
        ) as workable:
            # the fresh results' candidates, invited (emails and pending statuses sent) first
            with celery_worker(env, concurrency=arguments.concurrency):
                fresh = invite(quiet, fresh_count, port, "fresh")
                if not wait_for(lambda: unfinished_work() == 0, timeout=1800):
                    raise RuntimeError("the fresh candidates' invitations were not sent")
            paths = write_backlog(owing, sizes, port)
            print(
                f"set-up: {integrations} integrations, {deliveries} owed deliveries "
                f"(largest {sizes[0]}, median {int(median(sizes))}, smallest {sizes[-1]}), "
                f"{time.monotonic() - started:.0f} s"
            )
            workable.reset()
            loop_seconds = plain_loop(owing, sizes, port, arguments.concurrency)
            time.sleep(arguments.window + 0.5)
            workable.reset()

            committed: dict[int, float] = {}
            stop = threading.Event()
            samples: list[tuple[float, int]] = []
            with celery_worker(env, concurrency=arguments.concurrency, beat=True) as worker:
                warm_up(fresh[-1], workable)
                released = release()
                producer = threading.Thread(
                    target=fresh_results, args=(fresh[:-1], arguments.fresh_rate, stop, committed)
                )
                producer.start()

                def drained() -> bool:
                    samples.append((time.time(), worker_rss_kib(worker)))
                    owed = {
                        arrival["path"]
                        for arrival in workable.arrivals()
                        if arrival["status"] == 200
                    }
                    return len(owed.intersection(paths)) >= len(paths)

                finished = wait_for(drained, timeout=3600, interval=2)
                stop.set()
                producer.join()
                wait_for(lambda: unfinished_work() == 0, timeout=120, interval=1)
                arrivals = workable.arrivals()
                fresh_timings = commit_to_put(committed, arrivals)
                during = list(fresh_timings.values())

                # the idle figure: the same results on the warm, idle worker
                workable.reset()
                idle_committed: dict[int, float] = {}
                idle_stop = threading.Event()
                left = [pk for pk in fresh[:-1] if pk not in committed][:IDLE_RESULTS]
                fresh_results(left, arguments.fresh_rate, idle_stop, idle_committed)
                wait_for(lambda: unfinished_work() == 0, timeout=60, interval=0.5)
                idle = list(commit_to_put(idle_committed, workable.arrivals()).values())

        backlog_arrivals = [arrival for arrival in arrivals if arrival["path"] in set(paths)]
        delivered = Counter(
            arrival["path"] for arrival in backlog_arrivals if arrival["status"] == 200
        )
        refused = sum(1 for arrival in arrivals if arrival["status"] == 429)
        last = max(arrival["at"] for arrival in backlog_arrivals)
        drain = last - released
        ideal = max(by_limit, loop_seconds)
        growth = memory_growth(samples)

        print(
            f"\nbench/tenants: {integrations} integrations ({len(owing)} owing), {deliveries} "
            f"deliveries released at once, 1 worker x {arguments.concurrency} processes, "
            f"{os.cpu_count()} CPUs, limit {WORKABLE_LIMIT} per {arguments.window:g} s a token\n"
        )
        print(f"  drain          : {drain:7.1f} s  (drained: {finished})")
        print(
            f"  ideal          : {ideal:7.1f} s  = max(largest backlog {sizes[0]} at its limit "
            f"{by_limit:.1f} s, plain loop {loop_seconds:.1f} s)"
        )
        print(
            f"  fresh results  : {len(during)} during the drain, commit to PUT: "
            f"p50 {percentile(during, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(during, 0.99) * 1000:.0f} ms"
        )
        print(
            f"  idle           : {len(idle)} on the idle worker: p50 "
            f"{percentile(idle, 0.5) * 1000:.0f} ms, p99 {percentile(idle, 0.99) * 1000:.0f} ms"
        )
        slowest = sorted(fresh_timings.items(), key=lambda item: -item[1])[:5]
        print(
            "  slowest fresh  : "
            + ", ".join(f"{wait:.1f} s at +{at - released:.0f} s" for at, wait in slowest)
        )
        largest = sorted(
            arrival["at"]
            for arrival in backlog_arrivals
            if arrival["token"] == owing[0].token and arrival["status"] == 200
        )
        windows = max(1, len(largest) // WORKABLE_LIMIT - 1)
        print(
            f"  largest token  : {len(largest)} sent from +{largest[0] - released:.1f} s to "
            f"+{largest[-1] - released:.1f} s: {(largest[-1] - largest[0]) / windows:.2f} s a "
            f"window of {WORKABLE_LIMIT} (limit {arguments.window:g} s"
            f" + margin {arguments.window * LIMITER_SHARE:g} s)"
        )
        print(f"  429s           : {refused}{bunching(arrivals)}")
        print(
            f"  worker RSS     : {warm_rss(samples) / 1024:.0f} MiB after warm-up, "
            f"{samples[-1][1] / 1024:.0f} MiB at the end ({len(samples)} samples)\n"
        )
        once = sum(1 for count in delivered.values() if count == 1)
        results = [
            check(
                "drain time",
                drain <= TARGET_DRAIN * ideal,
                f"{drain / ideal:.2f}x the ideal (target <= {TARGET_DRAIN}x)",
            ),
            check(
                "fresh results p99",
                percentile(during, 0.99) <= TARGET_FRESH_P99_S,
                f"{percentile(during, 0.99):.2f} s (target <= {TARGET_FRESH_P99_S} s)",
            ),
            check("no 429 caused", refused == 0, f"{refused} x 429 (target 0)"),
            check(
                "nothing lost or sent twice",
                once == len(paths),
                f"{once} of {len(paths)} delivered exactly once, "
                f"{len(paths) - len(delivered)} never, {len(delivered) - once} more than once",
            ),
            check(
                "worker memory",
                growth < TARGET_MEMORY_GROWTH,
                f"{growth * 100:+.1f}% (target < {TARGET_MEMORY_GROWTH * 100:.0f}%)",
            ),
        ]
    return 0 if all(results) else 1


def bunching(arrivals: list[dict[str, Any]]) -> str:
    """For 429s: how far inside the stand-in's window the refused request came, measured from
    the tenth accepted request of its token before it (the limiter spaces them a window and a
    margin apart, so a shortfall of more than the margin is what the clocks and the machine
    added between our send and the stand-in's timestamp)."""
    accepted: dict[str, list[float]] = {}
    gaps = []
    for arrival in sorted(arrivals, key=lambda item: item["at"]):
        earlier = accepted.setdefault(arrival["token"], [])
        if arrival["status"] == 429 and len(earlier) >= WORKABLE_LIMIT:
            gaps.append(arrival["at"] - earlier[-WORKABLE_LIMIT])
        elif arrival["status"] == 200:
            earlier.append(arrival["at"])
    if not gaps:
        return ""
    return (
        f" (after the 10th accepted before it: {min(gaps):.3f} to {max(gaps):.3f} s, "
        f"median {median(gaps):.3f} s)"
    )


def warm_rss(samples: list[tuple[float, int]]) -> float:
    """The median of the first samples after a warm-up tenth of the drain."""
    start = samples[0][0]
    length = samples[-1][0] - start
    warm = [rss for at, rss in samples if at >= start + length / 10][:5] or [samples[-1][1]]
    return median(warm)


def memory_growth(samples: list[tuple[float, int]]) -> float:
    return samples[-1][1] / warm_rss(samples) - 1


if __name__ == "__main__":
    sys.exit(main())
