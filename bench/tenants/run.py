"""Many customers after an outage: a skewed backlog drained at each token's rate limit.

Usage: `.venv/bin/python -m bench.tenants.run [--scale 1.0] [--concurrency 4] [--window 1]
[--greenhouse-share 0.25]`

`--scale 1` is the full run: 1,000 enabled integrations, each with its own credential, a
`--greenhouse-share` of them Greenhouse and the rest Workable, and a backlog of 20,000 due
deliveries skewed across 900 of them (Zipf: the largest customer owes about 3,100, most a
handful; every fourth rank, by default, a Greenhouse customer); the other 100 owe nothing.
`--scale 0.1` is a quick run (100 integrations, 2,000 deliveries). The backlog is written
straight into the outbox as due and unpublished, as an outage leaves it (everything failed and
is due again): status callbacks to Workable, status-field writes to Greenhouse. The sweeper
releases it, all at once, when the workers start. Then:

- one `celery worker` (prefork, `--concurrency` pool processes) and beat drain it against two
  stand-ins, each its own process: Workable (`bench.delivery.standin`: 10 requests per token per
  `--window` seconds, Workable's 10 per 10 s time-compressed) and Greenhouse
  (`bench.tenants.harvest`, the sandbox's Harvest emulator: 50 requests per Client ID per fixed
  window of 3 x `--window` seconds, Greenhouse's 50 per 30 s compressed alike); both answer 429
  past the limit; our limiters run with the same limits and the production margins, scaled;
- while it drains, customers without a backlog complete results (`--fresh-rate` a second, in
  the same mix); each is timed from its commit to the arrival of its result (Workable's PUT,
  Greenhouse's note);
- the worker's resident memory is sampled throughout.

Figures, each against a baseline of the same run: the drain time against the ideal (each
provider's largest backlog at its own credential's limit, or the plain loop's time for the whole
backlog, whichever is longest; the plain loop sends the same requests from `--concurrency`
threads with the limits out of the way, before the workers start); the p50/p99 commit-to-arrival
of the fresh results against the idle figure (the same, measured on the warm worker after the
drain); 429s caused; every delivery arrived exactly once; worker memory growth; per provider
and in total. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import mean
from typing import Any

from bench.common import median, percentile, scratch_directory, setup_django, throwaway_database
from bench.common import verdict as check
from bench.delivery.platform import (
    StandInProcess,
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
from bench.tenants import greenhouse
from bench.tenants.owed import expired_candidates

FULL_INTEGRATIONS = 1000
FULL_DELIVERIES = 20_000
WITHOUT_BACKLOG = 0.1  # the share of customers that owe nothing
WORKABLE_LIMIT = 10
WORKABLE_WINDOW_SECONDS = 10.0
LIMITER_SHARE = 0.05
TARGET_DRAIN = 1.15
TARGET_FRESH_P99_S = 2.0
TARGET_MEMORY_GROWTH = 0.20
IDLE_RESULTS = 20

Job = Callable[[], None]


@dataclass
class Side:
    """One provider's part of the run: its customers, backlog, fresh candidates and stand-in."""

    name: str
    limit: int
    window: float  # the stand-in's window, seconds
    margin: float  # our limiter's, seconds
    stand: StandInProcess
    quiet: list[Tenant]
    owing: list[Tenant]
    sizes: list[int]
    paths: list[str] = field(default_factory=list)
    # the fresh candidates (candidate assessment ids) and the key their result arrives under
    fresh_keys: dict[int, str] = field(default_factory=dict)
    arrivals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def by_limit(self) -> float:
        """The largest backlog at its credential's limit, seconds."""
        return self.sizes[0] * self.window / self.limit if self.sizes else 0.0


def mixed(count: int, share: float) -> list[bool]:
    """Which of `count` ranks are Greenhouse's: spread evenly, `share` of them (rank 0 not)."""
    return [int((rank + 1) * share) > int(rank * share) for rank in range(count)]


def backlog_sizes(customers: int, deliveries: int) -> list[int]:
    """Zipf-skewed backlog sizes, largest first, summing to `deliveries` (each at least 1)."""
    weights = [1 / rank for rank in range(1, customers + 1)]
    total = sum(weights)
    sizes = [max(1, int(deliveries * weight / total)) for weight in weights]
    sizes[0] += deliveries - sum(sizes)
    return sizes


@dataclass(frozen=True)
class Plan:
    """The run's shape at a scale: customers, who is Greenhouse's, backlogs, fresh results."""

    integrations: int
    deliveries: int
    quiet_mix: list[bool]  # the customers without a backlog: True for Greenhouse's
    owing_mix: list[bool]
    sizes: list[int]
    workable_sizes: list[int]
    greenhouse_sizes: list[int]
    ideal_by_limit: float  # each provider's largest backlog at its limit, the longest, seconds
    fresh_count: int
    # none when no customer without a backlog is Greenhouse's (small scales): nobody to invite
    fresh_greenhouse: int


def greenhouse_window_for(window: float) -> float:
    """Greenhouse's 30 s window, time-compressed as Workable's 10 s is to `window`."""
    return greenhouse.WINDOW_SECONDS * window / WORKABLE_WINDOW_SECONDS


def plan(scale: float, share: float, window: float, fresh_rate: float) -> Plan:
    """Size the run; `window` is Workable's compressed window, seconds."""
    integrations = max(10, round(FULL_INTEGRATIONS * scale))
    deliveries = max(100, round(FULL_DELIVERIES * scale))
    quiet_count = max(2, round(integrations * WITHOUT_BACKLOG))
    greenhouse_window = greenhouse_window_for(window)
    quiet_mix = mixed(quiet_count, share)
    owing_mix = mixed(integrations - quiet_count, share)
    sizes = backlog_sizes(len(owing_mix), deliveries)
    workable_sizes = [size for size, mine in zip(sizes, owing_mix, strict=True) if not mine]
    greenhouse_sizes = [size for size, mine in zip(sizes, owing_mix, strict=True) if mine]
    ideal_by_limit = max(
        workable_sizes[0] * window / WORKABLE_LIMIT,
        greenhouse_sizes[0] * greenhouse_window / greenhouse.LIMIT,
    )
    # enough for the whole drain (at 1.5x the ideal) and an idle round after it
    fresh_count = round(fresh_rate * (ideal_by_limit * 1.5 + 30)) + IDLE_RESULTS
    fresh_greenhouse = max(2, round(fresh_count * share)) if any(quiet_mix) else 0
    return Plan(
        integrations,
        deliveries,
        quiet_mix,
        owing_mix,
        sizes,
        workable_sizes,
        greenhouse_sizes,
        ideal_by_limit,
        fresh_count,
        fresh_greenhouse,
    )


def write_backlog(tenants: list[Tenant], sizes: list[int], port: int) -> list[str]:
    """Unpublished status deliveries, one candidate each, due only once `release` runs (as if
    Workable were down until then); returns their callback paths."""
    import datetime

    from django.utils import timezone

    from integrations.models import Delivery

    now = timezone.now()
    outage_ends = now + datetime.timedelta(days=1)
    paths: list[str] = []
    for tenant, size in zip(tenants, sizes, strict=False):
        candidates = expired_candidates(tenant, size, now)
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


def plain_loop(jobs: list[Job], concurrency: int) -> float:
    """The backlog's requests from `concurrency` threads, no limit in the way; seconds taken."""
    pending: queue.SimpleQueue[Job] = queue.SimpleQueue()
    for job in jobs:
        pending.put(job)

    def work() -> None:
        while True:
            try:
                job = pending.get_nowait()
            except queue.Empty:
                return
            job()

    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def workable_loop_jobs(tenants: list[Tenant], sizes: list[int], port: int) -> list[Job]:
    """The Workable backlog's requests, each with a token of its own, so the stand-in's
    per-token limit never applies."""
    from workable.client import WorkableClient

    class NoBudget:
        def take(self) -> None:
            return None

        def block(self, seconds: float) -> None:
            return None

        def close(self) -> None:
            return None

    def job(subdomain: str, number: int) -> Job:
        def send() -> None:
            token = f"loop-{subdomain}-{number}"
            with WorkableClient(subdomain=subdomain, token=token, budget=NoBudget()) as client:
                client.put_assessment_result(
                    f"http://127.0.0.1:{port}/cb/loop-{subdomain}-{number}", {"status": "expired"}
                )

        return send

    return [
        job(tenant.subdomain, number)
        for tenant, size in zip(tenants, sizes, strict=False)
        for number in range(size)
    ]


def interleaved(workable: list[int], greenhouse_ids: list[int], share: float) -> list[int]:
    """The fresh candidates of both providers in one order, Greenhouse's `share` spread evenly."""
    left, right = iter(workable), iter(greenhouse_ids)
    order = []
    for is_greenhouse in mixed(len(workable) + len(greenhouse_ids), share):
        order.append(next(right, None) if is_greenhouse else next(left, None))
    order += list(left) + list(right)
    return [pk for pk in order if pk is not None]


def warm_up(candidate_id: int, stands: list[StandInProcess]) -> None:
    """Wait for the worker to run: one result (not counted) sent end to end."""
    from integrations.models import Delivery

    complete(candidate_id)
    owed = Delivery.objects.filter(candidate_assessment_id=candidate_id).exclude(
        state=Delivery.State.SUCCEEDED
    )
    if not wait_for(lambda: not owed.exists(), timeout=300, interval=0.2):
        raise RuntimeError("the worker did not start")
    for stand in stands:
        stand.reset()


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


def result_key(side: Side, arrival: dict[str, Any]) -> str | None:
    """The fresh result an arrival carries: Workable's completed PUT, Greenhouse's note."""
    if side.name == "Workable":
        if arrival["method"] == "PUT" and arrival["reported"] == "completed":
            return str(arrival["path"].rsplit("/", 1)[-1])
        return None
    if arrival["method"] == "POST" and arrival["path"] == "/v3/notes" and arrival["status"] == 201:
        return str(arrival["candidate"])
    return None


def commit_to_result(
    side: Side, committed: dict[int, float], arrivals: list[dict[str, Any]]
) -> dict[float, float]:
    """Seconds from each of the side's results' commit to its first arrival, by commit time."""
    keys = side.fresh_keys
    first: dict[str, float] = {}
    for arrival in arrivals:
        key = result_key(side, arrival)
        if key is not None:
            first.setdefault(key, arrival["at"])
    return {
        at: first[keys[pk]] - at for pk, at in committed.items() if pk in keys and keys[pk] in first
    }


def workable_keys(candidates: list[int]) -> dict[int, str]:
    """Where each Workable fresh result's PUT arrives: the path's last part, its email's name."""
    from assessments.models import CandidateAssessment

    return {
        pk: email.split("@")[0]
        for pk, email in CandidateAssessment.objects.filter(pk__in=candidates).values_list(
            "pk", "email"
        )
    }


def window_halves(sent: list[float], limit: int) -> str:
    """Where a draining credential's windows ran long: the mean time from one window's first
    request to the next's, in the first and the second half of its windows, and the longest."""
    gaps = [later - earlier for earlier, later in pairwise(sent[::limit])]
    if len(gaps) < 2:
        return "-"
    half = len(gaps) // 2
    return (
        f"first half {mean(gaps[:half]):.2f} s, second half {mean(gaps[half:]):.2f} s a window, "
        f"longest {max(gaps):.2f} s"
    )


def milliseconds(values: list[float], share: float) -> str:
    return f"{percentile(values, share) * 1000:.0f} ms" if values else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000 integrations")
    parser.add_argument("--concurrency", type=int, default=4, help="worker pool processes")
    parser.add_argument("--window", type=float, default=1.0, help="seconds per 10 requests")
    parser.add_argument("--fresh-rate", type=float, default=2.0, help="fresh results a second")
    parser.add_argument(
        "--greenhouse-share", type=float, default=0.25, help="of the integrations, 0 to 0.5"
    )
    parser.add_argument("--database", default="harver_bench_tenants")
    arguments = parser.parse_args()
    share = arguments.greenhouse_share
    if not 0 < share <= 0.5:
        parser.error("--greenhouse-share must be above 0 and at most 0.5")
    greenhouse_window = greenhouse_window_for(arguments.window)
    shape = plan(arguments.scale, share, arguments.window, arguments.fresh_rate)
    integrations, deliveries = shape.integrations, shape.deliveries
    quiet_mix, owing_mix, sizes = shape.quiet_mix, shape.owing_mix, shape.sizes
    workable_sizes, greenhouse_sizes = shape.workable_sizes, shape.greenhouse_sizes
    ideal_by_limit, fresh_count = shape.ideal_by_limit, shape.fresh_count
    fresh_greenhouse = shape.fresh_greenhouse
    workable_count = quiet_mix.count(False) + owing_mix.count(False)
    greenhouse_count = quiet_mix.count(True) + owing_mix.count(True)
    greenhouse_clients = [
        greenhouse.client_id(number)
        for number in range(workable_count, workable_count + greenhouse_count)
    ]

    from tests.processes import celery_worker, free_port, platform_env, redis_server

    port, harvest_port = free_port(), free_port()
    with (
        scratch_directory("bench-tenants-") as var_dir,
        throwaway_database(arguments.database) as database_url,
        redis_server(var_dir) as redis,
        stand_in(
            port, "--limit", str(WORKABLE_LIMIT), "--window", str(arguments.window)
        ) as workable,
        stand_in(
            harvest_port,
            "--limit",
            str(greenhouse.LIMIT),
            "--window",
            str(greenhouse_window),
            module="bench.tenants.harvest",
        ) as harvest,
    ):
        overrides = {
            "REDIS_URL": redis.url,
            **workable_settings(port),
            "WORKABLE_RATE_LIMIT_REQUESTS": str(WORKABLE_LIMIT),
            "WORKABLE_RATE_LIMIT_WINDOW_SECONDS": str(arguments.window),
            # the production margin and in-place wait (0.5 s of a 10 s window), time-compressed
            "WORKABLE_RATE_LIMIT_MARGIN_SECONDS": str(arguments.window * LIMITER_SHARE),
            "WORKABLE_RATE_LIMIT_WAIT_SECONDS": str(arguments.window * LIMITER_SHARE),
            **greenhouse.settings_for(harvest_port, greenhouse_window),
            "DELIVERY_SWEEP_SECONDS": "1",
        }
        setup_django(database_url, var_dir, **overrides)
        started = time.monotonic()
        loop_clients = greenhouse.loop_clients(sum(greenhouse_sizes))
        user_id, applications = greenhouse.organise(
            harvest, greenhouse_clients + loop_clients, sum(greenhouse_sizes) + fresh_greenhouse
        )
        workable_tenants = create_tenants(workable_count)
        greenhouse_tenants = greenhouse.create_tenants(workable_count, greenhouse_count, user_id)
        workable_quiet = quiet_mix.count(False)
        greenhouse_quiet = quiet_mix.count(True)
        sides = [
            Side(
                "Workable",
                WORKABLE_LIMIT,
                arguments.window,
                arguments.window * LIMITER_SHARE,
                workable,
                workable_tenants[:workable_quiet],
                workable_tenants[workable_quiet:],
                workable_sizes,
            ),
            Side(
                "Greenhouse",
                greenhouse.LIMIT,
                greenhouse_window,
                greenhouse_window * greenhouse.LIMITER_SHARE,
                harvest,
                greenhouse_tenants[:greenhouse_quiet],
                greenhouse_tenants[greenhouse_quiet:],
                greenhouse_sizes,
            ),
        ]
        workable_side, greenhouse_side = sides
        env = platform_env(var_dir, **overrides)
        # the fresh results' candidates, invited (emails and pending statuses sent) first
        with celery_worker(env, concurrency=arguments.concurrency):
            workable_fresh = invite(
                workable_side.quiet, fresh_count - fresh_greenhouse, port, "fresh"
            )
            greenhouse_fresh = greenhouse.invite(
                greenhouse_side.quiet, applications[len(applications) - fresh_greenhouse :], "fresh"
            )
            if not wait_for(lambda: unfinished_work() == 0, timeout=1800):
                raise RuntimeError("the fresh candidates' invitations were not sent")
        workable_side.fresh_keys = workable_keys(workable_fresh)
        greenhouse_side.fresh_keys = {pk: str(key) for pk, key in greenhouse_fresh.items()}
        workable_side.paths = write_backlog(workable_side.owing, workable_sizes, port)
        greenhouse_side.paths = greenhouse.write_backlog(
            greenhouse_side.owing, greenhouse_sizes, iter(applications)
        )
        paths = workable_side.paths + greenhouse_side.paths
        print(
            f"set-up: {integrations} integrations ({greenhouse_count} Greenhouse), {deliveries} "
            f"owed deliveries (largest {sizes[0]}, median {int(median(sizes))}, smallest "
            f"{sizes[-1]}; Greenhouse {sum(greenhouse_sizes)}, its largest "
            f"{greenhouse_sizes[0]}), {time.monotonic() - started:.0f} s"
        )
        for side in sides:
            side.stand.reset()
        loop_seconds = plain_loop(
            workable_loop_jobs(workable_side.owing, workable_sizes, port)
            + greenhouse.loop_jobs(greenhouse_side.paths, user_id),
            arguments.concurrency,
        )
        time.sleep(max(arguments.window, greenhouse_window) + 0.5)
        workable.reset()
        harvest.reset()

        fresh = interleaved(workable_fresh[:-1], list(greenhouse_fresh)[:-1], share)
        committed: dict[int, float] = {}
        stop = threading.Event()
        samples: list[tuple[float, int]] = []
        with celery_worker(env, concurrency=arguments.concurrency, beat=True) as worker:
            if greenhouse_fresh:
                warm_up(list(greenhouse_fresh)[-1], [harvest])
            warm_up(workable_fresh[-1], [workable, harvest])
            released = release()
            producer = threading.Thread(
                target=fresh_results, args=(fresh, arguments.fresh_rate, stop, committed)
            )
            producer.start()
            owed = {side.name: set(side.paths) for side in sides}

            def drained() -> bool:
                samples.append((time.time(), worker_rss_kib(worker)))
                arrived = 0
                for side in sides:
                    arrived += len(
                        {a["path"] for a in side.stand.arrivals() if a["status"] == 200}
                        & owed[side.name]
                    )
                return arrived >= len(paths)

            finished = wait_for(drained, timeout=3600, interval=2)
            stop.set()
            producer.join()
            wait_for(lambda: unfinished_work() == 0, timeout=120, interval=1)
            for side in sides:
                side.arrivals = side.stand.arrivals()
            during = {side.name: commit_to_result(side, committed, side.arrivals) for side in sides}

            # the idle figure: the same results on the warm, idle worker
            workable.reset()
            harvest.reset()
            idle_committed: dict[int, float] = {}
            left = [pk for pk in fresh if pk not in committed][:IDLE_RESULTS]
            fresh_results(left, arguments.fresh_rate, threading.Event(), idle_committed)
            wait_for(lambda: unfinished_work() == 0, timeout=60, interval=0.5)
            idle = {
                side.name: list(
                    commit_to_result(side, idle_committed, side.stand.arrivals()).values()
                )
                for side in sides
            }

        return report(
            arguments,
            integrations,
            deliveries,
            sides,
            released=released,
            finished=finished,
            ideal=max(ideal_by_limit, loop_seconds),
            loop_seconds=loop_seconds,
            during=during,
            idle=idle,
            samples=samples,
        )


def report(
    arguments: argparse.Namespace,
    integrations: int,
    deliveries: int,
    sides: list[Side],
    *,
    released: float,
    finished: bool,
    ideal: float,
    loop_seconds: float,
    during: dict[str, dict[float, float]],
    idle: dict[str, list[float]],
    samples: list[tuple[float, int]],
) -> int:
    """Print the figures, per provider and in total, and the verdicts; the exit status."""
    owing = sum(len(side.owing) for side in sides)
    print(
        f"\nbench/tenants: {integrations} integrations ({owing} owing), {deliveries} "
        f"deliveries released at once, 1 worker x {arguments.concurrency} processes, "
        f"{os.cpu_count()} CPUs, limits "
        + ", ".join(f"{side.name} {side.limit} per {side.window:g} s" for side in sides)
        + " a credential\n"
    )
    lasts, refused_total, once_total, never_total, twice_total = [], 0, 0, 0, 0
    all_during: list[float] = []
    all_idle: list[float] = []
    lines = []
    for side in sides:
        paths = set(side.paths)
        arrivals = side.arrivals
        backlog = [arrival for arrival in arrivals if arrival["path"] in paths]
        delivered = Counter(a["path"] for a in backlog if a["status"] == 200)
        refused = sum(1 for arrival in arrivals if arrival["status"] == 429)
        once = sum(1 for count in delivered.values() if count == 1)
        last = max(arrival["at"] for arrival in backlog)
        lasts.append(last)
        refused_total += refused
        once_total += once
        never_total += len(paths) - len(delivered)
        twice_total += len(delivered) - once
        timings = during[side.name]
        values = list(timings.values())
        all_during += values
        all_idle += idle[side.name]
        largest = sorted(
            a["at"] for a in backlog if a["token"] == side.owing[0].token and a["status"] == 200
        )
        windows = max(1, len(largest) // side.limit - 1)
        slowest = sorted(timings.items(), key=lambda item: -item[1])[:3]
        lines += [
            f"  {side.name}",
            f"    drain        : {last - released:7.1f} s, its largest backlog {side.sizes[0]} "
            f"at its limit {side.by_limit:.1f} s",
            *fresh_lines(side.fresh_keys, values, idle[side.name], slowest, released),
            f"    largest      : {len(largest)} sent from +{largest[0] - released:.1f} s to "
            f"+{largest[-1] - released:.1f} s: {(largest[-1] - largest[0]) / windows:.2f} s a "
            f"window of {side.limit} (limit {side.window:g} s + margin {side.margin:g} s)",
            f"    its windows  : {window_halves(largest, side.limit)}",
            f"    429s         : {refused}{bunching(arrivals, side.limit)}",
            f"    exactly once : {once} of {len(paths)}, {len(paths) - len(delivered)} never, "
            f"{len(delivered) - once} more than once",
        ]
    drain = max(lasts) - released
    growth = memory_growth(samples)
    by_limit = max(side.by_limit for side in sides)
    print(f"  drain          : {drain:7.1f} s  (drained: {finished})")
    print(
        f"  ideal          : {ideal:7.1f} s  = max(largest backlogs at their limits "
        f"{by_limit:.1f} s, plain loop {loop_seconds:.1f} s)"
    )
    print(
        f"  fresh results  : {len(all_during)} during the drain, commit to arrival: "
        f"p50 {milliseconds(all_during, 0.5)}, p99 {milliseconds(all_during, 0.99)}"
    )
    print(
        f"  idle           : {len(all_idle)} on the idle worker: p50 "
        f"{milliseconds(all_idle, 0.5)}, p99 {milliseconds(all_idle, 0.99)}"
    )
    print(f"  429s           : {refused_total}")
    print(
        f"  worker RSS     : {warm_rss(samples) / 1024:.0f} MiB after warm-up, "
        f"{samples[-1][1] / 1024:.0f} MiB at the end ({len(samples)} samples)"
    )
    print("\n".join(lines) + "\n")
    total = once_total + never_total + twice_total
    p99 = percentile(all_during, 0.99)
    results = [
        check(
            "drain time",
            drain <= TARGET_DRAIN * ideal,
            f"{drain / ideal:.2f}x the ideal (target <= {TARGET_DRAIN}x)",
        ),
        check(
            "fresh results p99",
            p99 <= TARGET_FRESH_P99_S,
            f"{p99:.2f} s (target <= {TARGET_FRESH_P99_S} s)",
        ),
        check("no 429 caused", refused_total == 0, f"{refused_total} x 429 (target 0)"),
        check(
            "nothing lost or sent twice",
            once_total == total,
            f"{once_total} of {total} delivered exactly once, "
            f"{never_total} never, {twice_total} more than once",
        ),
        check(
            "worker memory",
            growth < TARGET_MEMORY_GROWTH,
            f"{growth * 100:+.1f}% (target < {TARGET_MEMORY_GROWTH * 100:.0f}%)",
        ),
    ]
    return 0 if all(results) else 1


def fresh_lines(
    keys: dict[int, str],
    during: list[float],
    idle: list[float],
    slowest: list[tuple[float, float]],
    released: float,
) -> list[str]:
    """A side's fresh-result figures (`keys` its fresh candidates), or that it had none: no
    customer of its without a backlog, as at small scales."""
    if not keys:
        return ["    fresh results: absent (none of its customers is without a backlog)"]
    return [
        f"    fresh results: {len(during)} during the drain, commit to arrival: p50 "
        f"{milliseconds(during, 0.5)}, p99 {milliseconds(during, 0.99)}; "
        f"idle {len(idle)}: p50 {milliseconds(idle, 0.5)}, p99 {milliseconds(idle, 0.99)}",
        "    slowest fresh: "
        + ", ".join(f"{wait:.1f} s at +{at - released:.0f} s" for at, wait in slowest),
    ]


def bunching(arrivals: list[dict[str, Any]], limit: int) -> str:
    """For 429s: how far inside the stand-in's window the refused request came, measured from
    the `limit`-th accepted request of its credential before it (the limiter spaces them a window
    and a margin apart, so a shortfall of more than the margin is what the clocks and the machine
    added between our send and the stand-in's timestamp)."""
    accepted: dict[str, list[float]] = {}
    gaps = []
    for arrival in sorted(arrivals, key=lambda item: item["at"]):
        earlier = accepted.setdefault(arrival["token"], [])
        if arrival["status"] == 429 and len(earlier) >= limit:
            gaps.append(arrival["at"] - earlier[-limit])
        elif arrival["status"] in (200, 201):
            earlier.append(arrival["at"])
    if not gaps:
        return ""
    return (
        f" (after the {limit}th accepted before it: {min(gaps):.3f} to {max(gaps):.3f} s, "
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
