"""Soak run (checklist R22): results for ten minutes against a stand-in Workable that fails.

Usage: `make soak`, or `.venv/bin/python -m bench.delivery.soak [--minutes 10] [--rate 5]`

Commits `--rate` completed results a second for `--minutes` (each owes Workable its results
`PUT` and its timeline note), while the stand-in answers 10 % of requests with 500 and 5 % with
429 (`Retry-After: 1`), and one `celery worker` (prefork, concurrency 2) with beat (the sweeper)
sends them, retrying on the production retry logic with a short schedule (1, 2, 4, 8, 16 s) so
that ten minutes see many retries. Afterwards it waits for the last retries and checks that
every delivery succeeded (nothing lost, nothing left `sending`) and that the worker's resident
memory (main and pool processes), sampled after a warm-up minute and at the end, grew less than
20 %. Not part of CI: it takes over ten minutes.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.common import median, verdict
from bench.delivery.platform import (
    complete,
    invite,
    stand_in,
    unfinished_work,
    wait_for,
    worker_rss_kib,
    world,
)

TARGET_GROWTH = 0.20
RETRY_SCHEDULE = "1,2,4,8,16,16,16,16"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=5.0, help="results per second")
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--database", default="harver_bench_soak")
    arguments = parser.parse_args()
    total = int(arguments.minutes * 60 * arguments.rate)

    from tests.processes import celery_worker

    with world("bench-soak-", arguments.database, arguments.tenants) as scene:
        port = scene.port
        # The invitations first, on a Workable that neither fails nor limits: the soak is about
        # results.
        with stand_in(port) as workable, celery_worker(scene.unlimited()):
            candidates = invite(scene.tenants, total, port, "soak")
            if not wait_for(lambda: unfinished_work() == 0, timeout=1800):
                raise RuntimeError("the invitations' emails and pending statuses were not sent")
        env = scene.env(
            DELIVERY_RETRY_SCHEDULE=RETRY_SCHEDULE,
            DELIVERY_SWEEP_SECONDS="2",
            DELIVERY_REQUEUE_AFTER_SECONDS="30",
        )
        failing = ("--fail-500", "0.10", "--fail-429", "0.05")
        with stand_in(port, *failing) as workable, celery_worker(env, beat=True) as worker:
            started = time.monotonic()
            samples: list[tuple[float, int]] = []
            for number, candidate_id in enumerate(candidates):
                complete(candidate_id)
                due = started + (number + 1) / arguments.rate
                time.sleep(max(0.0, due - time.monotonic()))
                if number % int(arguments.rate * 10) == 0:
                    samples.append((time.monotonic() - started, worker_rss_kib(worker)))
                    print(
                        f"  {samples[-1][0]:6.0f} s  {number} results  "
                        f"worker RSS {samples[-1][1] / 1024:.0f} MiB",
                        flush=True,
                    )
            drained = wait_for(lambda: unfinished_work() == 0, timeout=300, interval=1)
            end_rss = worker_rss_kib(worker)
            arrivals = workable.arrivals()
        from integrations.models import Delivery, DeliveryAttempt

        states = {
            state: Delivery.objects.filter(state=state).count() for state in Delivery.State.values
        }
        retried = DeliveryAttempt.objects.exclude(outcome="succeeded").count()
    warm = [rss for at, rss in samples if at >= 60] or [samples[-1][1]]
    baseline = median(warm[:3])
    growth = (end_rss - baseline) / baseline
    refused = {status: sum(1 for a in arrivals if a["status"] == status) for status in (500, 429)}
    landed = {a["path"] for a in arrivals if a["method"] == "PUT" and a["status"] == 200}
    print(
        f"\nsoak: {total} results in {arguments.minutes:g} min at {arguments.rate:g}/s, "
        f"{len(arrivals)} requests at the stand-in ({refused[500]} x 500, {refused[429]} x 429),"
        f" {retried} failed attempts retried\n  deliveries by state: {states}\n"
    )
    results = [
        verdict(
            "nothing lost",
            drained and states["succeeded"] + states["dropped"] == sum(states.values()),
            f"{states['succeeded']} succeeded, "
            f"{sum(states.values()) - states['succeeded'] - states['dropped']} not",
        ),
        verdict(
            "every result at Workable",
            len(landed) == total,
            f"{len(landed)} of {total} results answered 200 by the stand-in",
        ),
        verdict(
            "worker memory",
            growth < TARGET_GROWTH,
            f"RSS {baseline / 1024:.0f} MiB after warm-up -> {end_rss / 1024:.0f} MiB at the "
            f"end: {growth:+.1%} (target < {TARGET_GROWTH:.0%})",
        ),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
