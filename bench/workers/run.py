"""Worker scaling: delivery throughput with 1, 2 and 4 worker processes against the plain loop.

Usage: `.venv/bin/python -m bench.workers.run [--results 1000] [--processes 1,2,4] [--repeat 3]
[--separate-workers]`

The world of `bench.delivery` (twenty tenants on the stand-in Workable in its own process, its
rate limit off and ours out of the way): the results are invited and completed once, then sent
again and again. Before each Celery run the same deliveries are made due anew (pending, no
attempt, no Workable candidate id kept, so every note looks its candidate up again) and one
doorbell per integration is published, as a release after an outage does. Each figure is the
time from the first to the last arrival at the stand-in, as in `bench.delivery`.

For each number of processes: one `celery worker` with that many prefork pool processes (or,
with `--separate-workers`, that many `celery worker` processes of one pool process each),
against the plain loop of `bench.delivery` with as many threads (the same `WorkableClient`, the
same requests). The runs alternate: each repeat goes through the process counts forwards or
backwards, the loop before or after Celery. Reported: medians over the repeats, the scaling of
2 processes over 1, and Celery against the loop per process count. Exits 1 on a missed target.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator

from bench.common import median, table
from bench.common import verdict as check
from bench.delivery.platform import (
    StandInProcess,
    Tenant,
    complete,
    invite,
    stand_in,
    unfinished_work,
    wait_for,
    world,
)
from bench.delivery.run import REQUESTS_PER_RESULT, plain_loop, requests_of

TARGET_SCALING = 1.6
TARGET_AGAINST_LOOP = 0.75
# The process count the loop target applies to: the Procfile's default concurrency.
LOOP_TARGET_PROCESSES = 2


def rearm(candidate_ids: list[int]) -> list[tuple[int, int]]:
    """Make these results' completed deliveries due again, as never sent; returns one
    (delivery, integration) per integration to ring its doorbell."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from integrations.models import Delivery, DeliveryAttempt

    owed = Delivery.objects.filter(
        Q(kind=Delivery.Kind.STATUS, rank=2) | Q(kind=Delivery.Kind.COMMENT),
        candidate_assessment_id__in=candidate_ids,
    )
    with transaction.atomic():
        DeliveryAttempt.objects.filter(delivery__in=owed).delete()
        owed.update(
            state=Delivery.State.PENDING,
            remote_ref="",
            attempt_count=0,
            failures=0,
            next_attempt_at=timezone.now(),
            locked_until=None,
            enqueued_at=timezone.now(),
            last_error="",
            finished_at=None,
        )
    first: dict[int, int] = {}
    for pk, integration_id in owed.order_by("pk").values_list("pk", "integration_id"):
        first.setdefault(integration_id, pk)
    return [(pk, integration_id) for integration_id, pk in first.items()]


def ring(doorbells: list[tuple[int, int]]) -> None:
    from integrations.outbox.publishing import Doorbell, publish

    publish(Doorbell(pk, "workable", integration_id) for pk, integration_id in doorbells)


def delivered(candidate_ids: list[int]) -> bool:
    from django.db.models import Q

    from integrations.models import Delivery

    return (
        not Delivery.objects.filter(
            Q(kind=Delivery.Kind.STATUS, rank=2) | Q(kind=Delivery.Kind.COMMENT),
            candidate_assessment_id__in=candidate_ids,
        )
        .exclude(state=Delivery.State.SUCCEEDED)
        .exists()
    )


@contextlib.contextmanager
def workers(env: dict[str, str], processes: int, separate: bool) -> Iterator[None]:
    """`processes` pool processes: in one worker, or one worker each with `separate`."""
    from tests.processes import celery_worker

    with contextlib.ExitStack() as running:
        if separate:
            for _ in range(processes):
                running.enter_context(celery_worker(env, concurrency=1))
        else:
            running.enter_context(celery_worker(env, concurrency=processes))
        yield


def celery_run(
    env: dict[str, str],
    processes: int,
    separate: bool,
    batch: list[int],
    warm: list[int],
    workable: StandInProcess,
) -> float:
    """Seconds from the first to the last arrival of `batch`, sent by `processes` processes.

    The workers first send `warm` (one result per process, on different tenants), so that the
    measured run starts on booted processes with their connections open.
    """
    expected = len(batch) * REQUESTS_PER_RESULT
    with workers(env, processes, separate):
        ring(rearm(warm))
        if not wait_for(lambda: delivered(warm), timeout=300, interval=0.2):
            raise RuntimeError("the workers did not start")
        workable.reset()
        ring(rearm(batch))
        if not wait_for(lambda: len(workable.arrivals()) >= expected, timeout=1800):
            raise RuntimeError("the workers did not deliver every result")
        times = [arrival["at"] for arrival in workable.arrivals()]
    return max(times) - min(times)


def prepare(
    tenants: list[Tenant], results: int, warm_count: int, port: int, env: dict[str, str]
) -> tuple[list[int], list[int]]:
    """Invited and completed results, measured and warm-up, everything they owe sent once: no
    task is left in the queue for the measured runs."""
    from tests.processes import celery_worker

    with celery_worker(env, concurrency=2):
        batch = invite(tenants, results, port, "scaling")
        warm = invite(tenants[:warm_count], warm_count, port, "warm")
        if not wait_for(lambda: unfinished_work() == 0, timeout=900):
            raise RuntimeError("the invitations' emails and pending statuses were not sent")
        for candidate_id in [*batch, *warm]:
            complete(candidate_id)
        if not wait_for(lambda: unfinished_work() == 0, timeout=900):
            raise RuntimeError("the results were not sent")
    return batch, warm


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=1000)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--processes", default="1,2,4", help="process counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--separate-workers",
        action="store_true",
        help="one `celery worker` per process instead of one worker's pool processes",
    )
    parser.add_argument("--database", default="harver_bench_workers")
    arguments = parser.parse_args()
    counts = [int(value) for value in arguments.processes.split(",")]

    seconds: dict[tuple[str, int], list[float]] = {}
    ratios: dict[int, list[float]] = {count: [] for count in counts}
    with world(
        "bench-workers-",
        arguments.database,
        arguments.tenants,
        WORKABLE_RATE_LIMIT_REQUESTS="1000000000",
    ) as scene:
        port, tenants, env = scene.port, scene.tenants, scene.env()
        with stand_in(port) as workable:
            batch, warm = prepare(tenants, arguments.results, max(counts), port, env)
            requests = requests_of(batch)
            print(f"load average before the runs: {load_average()}")
            for repeat in range(arguments.repeat):
                forward = repeat % 2 == 0
                for count in counts if forward else counts[::-1]:
                    run: dict[str, float] = {}
                    for kind in ("loop", "celery") if forward else ("celery", "loop"):
                        workable.reset()
                        if kind == "loop":
                            run[kind] = plain_loop(requests, count)
                        else:
                            run[kind] = celery_run(
                                env, count, arguments.separate_workers, batch, warm, workable
                            )
                        seconds.setdefault((kind, count), []).append(run[kind])
                    ratios[count].append(run["loop"] / run["celery"])
                    print(
                        f"  repeat {repeat + 1}, {count} process(es): Celery "
                        f"{len(batch) / run['celery']:.1f} results/s, loop "
                        f"{len(batch) / run['loop']:.1f} results/s "
                        f"(load average {load_average()})",
                        flush=True,
                    )
    return report(arguments, counts, len(batch), seconds, ratios)


def report(
    arguments: argparse.Namespace,
    counts: list[int],
    results: int,
    seconds: dict[tuple[str, int], list[float]],
    ratios: dict[int, list[float]],
) -> int:
    layout = (
        "N separate `celery worker` processes of 1 pool process each"
        if arguments.separate_workers
        else "one `celery worker`, N prefork pool processes"
    )
    print(
        f"\nbench/workers: {results} completed results = {results * REQUESTS_PER_RESULT} "
        f"requests a run, {arguments.tenants} tenants, {arguments.repeat} repeats, {layout}, "
        f"{os.cpu_count()} CPUs\n"
    )
    rate = {key: results / median(values) for key, values in seconds.items()}
    rows = [
        (
            count,
            f"{rate[('celery', count)]:.1f}",
            f"{rate[('loop', count)]:.1f}",
            f"{median(ratios[count]):.2f}x",
            ", ".join(f"{value:.2f}" for value in ratios[count]),
            f"{rate[('celery', count)] / rate[('celery', counts[0])]:.2f}x",
        )
        for count in counts
    ]
    print(
        table(
            rows,
            (
                "processes",
                "Celery results/s",
                "loop results/s",
                "Celery / loop",
                "per repeat",
                f"Celery vs {counts[0]}",
            ),
        )
    )
    print()
    outcomes = []
    if 1 in counts and 2 in counts:
        per_repeat = [
            one / two
            for one, two in zip(seconds[("celery", 1)], seconds[("celery", 2)], strict=True)
        ]
        scaling = median(per_repeat)
        outcomes.append(
            check(
                "scaling",
                scaling >= TARGET_SCALING,
                f"2 processes / 1 process = {scaling:.3f}x (per repeat "
                f"{', '.join(f'{value:.2f}' for value in per_repeat)}; target >= "
                f"{TARGET_SCALING}x)",
            )
        )
    if LOOP_TARGET_PROCESSES in counts:
        against = median(ratios[LOOP_TARGET_PROCESSES])
        outcomes.append(
            check(
                "against the plain loop",
                against >= TARGET_AGAINST_LOOP,
                f"Celery / loop at {LOOP_TARGET_PROCESSES} processes = {against:.3f}x "
                f"(target >= {TARGET_AGAINST_LOOP}x)",
            )
        )
    return 0 if all(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
