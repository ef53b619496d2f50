"""`make bench`: serve the portal as in production and measure its pages with wrk against a bare view.

Prepares the database named by DATABASE_URL (creating it if missing: migrate, the demo, generated
members, collectstatic), starts gunicorn with production settings on a free port, runs wrk on each
page after a short warm-up, and writes BENCHMARKS.md. `--smoke` is CI's quick version: little data,
short runs, the report in a temporary file, and a failure if any response was not 2xx.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from bench.commands import production_env
from bench.common import BenchError
from bench.data import prepare
from bench.database import DEFAULT_DATABASE_URL, ensure_database
from bench.inprocess import (
    measure_actions,
    measure_digest,
    measure_imports,
    measure_queries,
    measure_survey_analysis,
    measure_surveys,
    measure_sweep,
)
from bench.measure import failure_details, find_wrk, measure_pages
from bench.report import render_report, write_report
from bench.scenario import MEETING_VISITOR, measured_pages, small_counterparts
from bench.server import free_port, gunicorn


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every figure was taken and every request succeeded, else 1."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return run(args)
    except BenchError as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1


def _exit_on_sigterm(signum: int, frame: Any) -> NoReturn:
    # Turn a termination into an exception so that the finally blocks stop gunicorn.
    raise SystemExit(128 + signum)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The flags, with the sizes and durations they imply filled in (smaller ones for --smoke)."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI's quick run: 50 organisations, 2-second runs, report in a temporary file.",
    )
    parser.add_argument("--duration", type=int, help="Seconds per wrk run (default 20, or 2 with --smoke).")
    parser.add_argument(
        "--organisations", type=int, help="Generated member organisations (default 500, or 50 with --smoke)."
    )
    parser.add_argument("--output", type=Path, help="Where to write the report (default BENCHMARKS.md).")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.duration is None:
        args.duration = 2 if args.smoke else 20
    if args.organisations is None:
        args.organisations = 50 if args.smoke else 500
    args.actions, args.action_partnerships = (2_000, 4) if args.smoke else (100_000, 20)
    args.import_rows = 200 if args.smoke else 10_000
    args.organisation_import_rows = 500 if args.smoke else 37_000
    args.invitations = 200 if args.smoke else 10_000
    args.survey_responses = 500 if args.smoke else 10_000
    args.page_requests = 40 if args.smoke else 200
    args.invitees = 200 if args.smoke else 2_000
    args.notifications = 500 if args.smoke else 10_000
    args.digest_users = 50 if args.smoke else 10_000
    if args.duration < 1:
        parser.error("--duration must be at least 1 second")
    return args


def run(args: argparse.Namespace) -> int:
    """Prepare the data, measure the pages under gunicorn, then the in-process figures, and write the report."""
    started = time.monotonic()
    args.load_before = os.getloadavg()[0]
    wrk = find_wrk()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    ensure_database(database_url)
    env = production_env(database_url)
    if not env.get("CELERY_BROKER_URL"):
        raise BenchError("the survey invitations need a real Celery worker: set CELERY_BROKER_URL (Redis)")

    florence, large, area_id, signed_in = prepare(env, args, database_url)
    pages = measured_pages(florence=florence, large=large, area_id=area_id, signed_in=signed_in)
    port = free_port()
    with gunicorn(env, port):
        results = measure_pages(wrk, port, pages, duration=args.duration)

    counterparts = small_counterparts(florence=florence, signed_in=signed_in)
    counted = [p for p in pages if p.label == MEETING_VISITOR or p.signed_in_target or p.label in counterparts]
    queries = measure_queries(env, counted + list(counterparts.values()))
    digest = measure_digest(env, args)
    sweep = measure_sweep(env, args)
    actions_figures = measure_actions(env, args)
    imports_figures = measure_imports(env, args)
    surveys_figures = measure_surveys(env, args)
    surveys_figures["analysis"] = measure_survey_analysis(env, args)
    report = render_report(
        args=args,
        database_url=database_url,
        env=env,
        results=results,
        sweep=sweep,
        actions=actions_figures,
        imports=imports_figures,
        surveys=surveys_figures,
        queries=queries,
        counterparts=counterparts,
        digest=digest,
    )
    failures = [r for r in results if r.failed]
    output = write_report(report, args, failed=bool(failures))
    print(f"bench: report written to {output} in {time.monotonic() - started:.0f}s")
    if failures:
        raise BenchError(failure_details(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
