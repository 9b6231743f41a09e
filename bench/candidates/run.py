"""Candidate side: autosave under 100 concurrent candidates against a static file, then the PDF.

Usage: `.venv/bin/python -m bench.candidates.run [--candidates 100] [--seconds 10] [--rounds 5]
[--pdf-connections 8] [--workers 2 x cores] [--threads 1]`

gunicorn as docs/deploy.md runs it in production (2 x cores workers, access log on), on the
production settings with the static files collected (WhiteNoise serves them from the same
processes), PostgreSQL and a private Redis. `--candidates` candidates of the demo's Store
Associate questionnaire each open their emailed link as a browser does (the welcome page, the
terms, accepted with the form's CSRF token, the first questionnaire page, keeping the CSRF
cookie), then wrk holds one connection per candidate and sends the page script's autosave
requests (`bench/candidates/requests.lua`): every request a real save of one answer, with the
candidate's cookie and token. The baseline, in the same rounds and alternating with it, with as
many connections to the same gunicorn, is a static page: the landing page (`/`), a fixed page
rendered through the same middleware with no database query, so that the ratio is what autosave
itself costs. The stylesheet the candidate page links, served by WhiteNoise before Django's
stack, is loaded in the same rounds as a second reference (the ratio to it is printed, without a
target). Then the signed PDF report of a completed result under `--pdf-connections` concurrent
requests. Exits 1 on a missed target.
"""

from __future__ import annotations

import argparse
import datetime
import html
import os
import re
import shutil
import sys
from pathlib import Path

import requests

from bench.common import (
    Load,
    median,
    scratch_directory,
    setup_django,
    table,
    throwaway_database,
    verdict,
    wrk,
)

SCRIPT = Path(__file__).with_name("requests.lua")
TARGET_RATIO = 0.30
# docs/deploy.md runs about two sync workers a core: a save waits on PostgreSQL for about 40 % of
# its time, which two workers a core overlap (with one a core, 0.23 of the two cores sat idle).
DEPLOYED_WORKERS_A_CORE = 2
CORES = os.cpu_count() or 1
TARGET_TAIL = 3.0
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ITEM_FIELD = re.compile(r'name="item-(\d+)"')
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


def candidates(count: int) -> list[str]:
    """Invitations to the demo questionnaire: the token of each one's emailed link."""
    from django.db import transaction

    from assessments.invitations import issue_link
    from assessments.lifecycle import create_candidate_assessment
    from assessments.models import CandidateLink
    from tests import candidate_support, factories

    assessment = candidate_support.store_associate(
        factories.AccountFactory.create(name="Bench Retail")
    )
    tokens = []
    for number in range(count):
        with transaction.atomic():
            candidate = create_candidate_assessment(
                assessment=assessment, email=f"candidate-{number}@example.com", source="bench"
            )
            link = issue_link(candidate, CandidateLink.IssuedTo.EMAIL)
        tokens.append(link.rstrip("/").rsplit("/", 1)[-1])
    return tokens


def open_questionnaire(base_url: str, token: str) -> tuple[str, str, str, list[str], str]:
    """The candidate's way to the first questionnaire page, as a browser goes it.

    Returns the page's path, the CSRF cookie and form token, the page's item ids and the
    stylesheet it links.
    """
    with requests.Session() as browser:
        browser.get(f"{base_url}/assessment/{token}/", timeout=30).raise_for_status()
        terms_url = f"{base_url}/assessment/{token}/terms/"
        terms = browser.get(terms_url, timeout=30)
        terms.raise_for_status()
        accepted = browser.post(
            terms_url,
            data={"csrfmiddlewaretoken": _csrf(terms.text), "accept": "yes"},
            headers={"Referer": terms_url, "Origin": base_url},
            timeout=30,
        )
        accepted.raise_for_status()
        path = f"/assessment/{token}/questions/1/"
        if not accepted.url.endswith(path):
            raise RuntimeError(f"accepting the terms led to {accepted.url}, not {path}")
        page = accepted.text
        stylesheet = STYLESHEET.search(page)
        if stylesheet is None:
            raise RuntimeError("the questionnaire page links no stylesheet")
        return (
            path,
            browser.cookies["csrftoken"],
            _csrf(page),
            sorted(set(ITEM_FIELD.findall(page))),
            html.unescape(stylesheet.group(1)),
        )


def _csrf(page: str) -> str:
    found = CSRF_FIELD.search(page)
    if found is None:
        raise RuntimeError("the page has no CSRF token")
    return found.group(1)


def signed_pdf_path() -> str:
    """The download path of a completed result's signed PDF report (as its link opens it)."""
    from django.db import transaction

    from assessments.lifecycle import Result, create_candidate_assessment, record_status
    from assessments.models import Assessment
    from assessments.reports import (
        ReportType,
        download_token,
        read_signed_report_token,
        signed_report_token,
    )
    from tests import candidate_support

    assessment = Assessment.objects.get(name=candidate_support.NAME)
    with transaction.atomic():
        candidate = create_candidate_assessment(
            assessment=assessment, email="completed@example.com", first_name="Jane", source="bench"
        )
    with transaction.atomic():
        record_status(
            candidate.pk,
            "completed",
            source="engine",
            result=Result(
                score=78,
                recommendation="great_fit",
                competency_scores={
                    "Conscientiousness": 81,
                    "Agreeableness": 50,
                    "Customer focus": 94,
                },
                summary="Great fit. Strongest: Customer focus (94).",
                duration=datetime.timedelta(minutes=12),
            ),
        )
    candidate.refresh_from_db()
    signed = signed_report_token(
        candidate, ReportType.SIGNED_REPORT, lifetime=datetime.timedelta(days=1)
    )
    return f"/r/{download_token(read_signed_report_token(signed))}/download"


def row(label: str, load: Load) -> tuple[str, ...]:
    return (
        label,
        f"{load.rps:.0f}",
        f"{load.p50_ms:.1f}",
        f"{load.p95_ms:.1f}",
        f"{load.p99_ms:.1f}",
        str(load.errors),
    )


HEADER = ("what", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each, alternated")
    parser.add_argument("--pdf-connections", type=int, default=8)
    parser.add_argument("--pdf-seconds", type=int, default=20)
    parser.add_argument(
        "--workers",
        type=int,
        # a string: argparse converts it with `type`, so a bad WEB_WORKERS is named, not a traceback
        default=os.environ.get("WEB_WORKERS", str(DEPLOYED_WORKERS_A_CORE * CORES)),
        help="gunicorn workers (default: 2 x cores, as docs/deploy.md recommends)",
    )
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--database", default="harver_bench_candidates")
    arguments = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2

    with (
        scratch_directory("bench-candidates-") as var_dir,
        throwaway_database(arguments.database) as database_url,
    ):
        from tests.processes import redis_server

        with redis_server(var_dir) as redis:
            overrides = {"REDIS_URL": redis.url}
            setup_django(database_url, var_dir, **overrides)
            from django.core.management import call_command

            from tests.processes import gunicorn, platform_env

            call_command("collectstatic", interactive=False, verbosity=0)
            tokens = candidates(arguments.candidates)
            pdf_path = signed_pdf_path()
            env = platform_env(var_dir, **overrides, GUNICORN_CMD_ARGS="--access-logfile -")
            with gunicorn(env, workers=arguments.workers, threads=arguments.threads) as base_url:
                opened = [open_questionnaire(base_url, token) for token in tokens]
                pages = var_dir / "candidates.tsv"
                pages.write_text(
                    "".join(
                        f"{path}\t{cookie}\t{csrf}\t{','.join(items)}\n"
                        for path, cookie, csrf, items, _ in opened
                    )
                )
                landing, stylesheet, pdf = (
                    var_dir / "landing.txt",
                    var_dir / "stylesheet.txt",
                    var_dir / "pdf.txt",
                )
                landing.write_text("/\n")
                stylesheet.write_text(opened[0][4] + "\n")
                pdf.write_text(pdf_path + "\n")
                modes = {
                    "autosave": ("autosave", pages),
                    "landing": ("get", landing),
                    "stylesheet": ("get", stylesheet),
                }
                connections = arguments.candidates
                for mode, file in modes.values():  # load the code paths, open the connections
                    wrk(base_url, SCRIPT, [mode, str(file)], seconds=3, connections=connections)
                runs: dict[str, list[Load]] = {name: [] for name in modes}
                order = list(modes)
                for round_number in range(arguments.rounds):
                    for name in order if round_number % 2 == 0 else order[::-1]:
                        mode, file = modes[name]
                        runs[name].append(
                            wrk(
                                base_url,
                                SCRIPT,
                                [mode, str(file)],
                                seconds=arguments.seconds,
                                connections=connections,
                            )
                        )
                wrk(base_url, SCRIPT, ["get", str(pdf)], seconds=3, connections=1)
                pdf_load = wrk(
                    base_url,
                    SCRIPT,
                    ["get", str(pdf)],
                    seconds=arguments.pdf_seconds,
                    connections=arguments.pdf_connections,
                )
            from assessments.models import Answer

            answers = Answer.objects.count()
    return report(arguments, runs, pdf_load, answers)


def report(
    arguments: argparse.Namespace, runs: dict[str, list[Load]], pdf: Load, answers: int
) -> int:
    print(
        f"\nbench/candidates: {arguments.candidates} candidates (one connection each), "
        f"{arguments.rounds} x {arguments.seconds} s each, gunicorn {arguments.workers} workers "
        f"x {arguments.threads} threads, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{value:.2f}' for value in os.getloadavg())}; {answers} answers stored\n"
    )
    rounds = [
        row(name, load)
        for loads in zip(*runs.values(), strict=True)
        for name, load in zip(runs, loads, strict=True)
    ]
    print(table(rounds, HEADER))
    medians = {
        name: Load(
            rps=median([load.rps for load in loads]),
            p50_ms=median([load.p50_ms for load in loads]),
            p95_ms=median([load.p95_ms for load in loads]),
            p99_ms=median([load.p99_ms for load in loads]),
            errors=sum(load.errors for load in loads),
        )
        for name, loads in runs.items()
    }
    print("\nmedians, and the PDF report")
    print(
        table(
            [
                row("POST autosave", medians["autosave"]),
                row("GET / (static page)", medians["landing"]),
                row("GET stylesheet (WhiteNoise)", medians["stylesheet"]),
                row(f"GET signed PDF x {arguments.pdf_connections}", pdf),
            ],
            HEADER,
        )
    )

    def ratios_to(baseline: str) -> list[float]:
        return [
            saving.rps / other.rps
            for saving, other in zip(runs["autosave"], runs[baseline], strict=True)
        ]

    ratios = ratios_to("landing")
    ratio = median(ratios)
    tail = medians["autosave"].p99_ms / medians["autosave"].p50_ms
    pdf_tail = pdf.p99_ms / pdf.p50_ms
    print(
        f"\nper-round throughput ratios to the static page: "
        f"{', '.join(f'{value:.2f}' for value in ratios)}; to the stylesheet: "
        f"{', '.join(f'{value:.3f}' for value in ratios_to('stylesheet'))}\n"
    )
    errors = sum(load.errors for load in medians.values()) + pdf.errors
    results = [
        verdict(
            "autosave throughput",
            ratio >= TARGET_RATIO,
            f"autosave / static page = {ratio:.3f}x (target >= {TARGET_RATIO:.2f}x)",
        ),
        verdict(
            "autosave tail",
            tail <= TARGET_TAIL,
            f"p99 / p50 = {tail:.2f}x (target <= {TARGET_TAIL:.1f}x)",
        ),
        verdict(
            "PDF tail",
            pdf_tail <= TARGET_TAIL,
            f"p99 / p50 = {pdf_tail:.2f}x at {arguments.pdf_connections} concurrent "
            f"(target <= {TARGET_TAIL:.1f}x)",
        ),
        verdict("errors", errors == 0, f"{errors} non-2xx or socket errors (target 0)"),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
