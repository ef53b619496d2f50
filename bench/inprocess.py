"""In-process figures: the `bench_*` management commands, each in its own process for its own peak RSS.

Each function runs its commands in the production environment, prints a summary line and returns the
commands' JSON figures for the report; survey invitations not delivered exactly once raise BenchError.
"""

from __future__ import annotations

import argparse
from typing import Any

from bench.commands import manage, manage_json
from bench.common import BenchError, step
from bench.scenario import ACTIONS_PARTNERSHIP, COMMON_WORD, SELECTIVE_WORD, Page


def measure_sweep(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """The meeting reminder sweep over generated registrations (`manage.py bench_reminder_sweep`)."""
    registrations = 2_000 if args.smoke else 100_000
    step(f"time the reminder sweep over {registrations} registrations")
    sweep: dict[str, Any] = manage_json(env, "bench_reminder_sweep", "--registrations", str(registrations))
    print(f"  idle sweep {sweep['idle_sweep_ms']} ms; due rows {sweep['due_rows']} in {sweep['due_rows_ms']} ms")
    return sweep


def measure_queries(env: dict[str, str], pages: list[Page]) -> dict[str, int]:
    """Each page's queries, the second time it is asked (`manage.py bench_notifications --queries`), by label."""
    step(f"count the queries of {len(pages)} pages")
    arguments = [item for page in pages for item in ("--queries", page.cookie, page.path)]
    counts = manage_json(env, "bench_notifications", *arguments)
    figures = {page.label: int(count) for page, count in zip(pages, counts, strict=True)}
    for label, count in figures.items():
        print(f"  {count:3d} queries: {label}")
    return figures


def measure_digest(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """The daily digest for many users through one Celery worker to an SMTP sink (`bench_notifications --digest`)."""
    step(f"send the daily digest of {args.digest_users} users through one Celery worker to an SMTP sink")
    figures: dict[str, Any] = manage_json(env, "bench_notifications", "--digest", str(args.digest_users))
    print(
        f"  {figures['delivered']} of {figures['users']} digests in {figures['seconds']} s "
        f"({figures['mails_per_second']} mails/s); {figures['repeated']} more than once"
    )
    return figures


def measure_actions(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """The action search, the CSV export and the Teaser import (`manage.py bench_actions`)."""
    step(f"time the action search in {ACTIONS_PARTNERSHIP}")
    search = manage_json(
        env, "bench_actions", "--search", SELECTIVE_WORD, COMMON_WORD, "--partnership", ACTIONS_PARTNERSHIP
    )
    for word, figure in search["search"].items():
        print(f"  {word}: {figure['matches']} matches, {figure['median_ms']} ms")
    step("stream the CSV export of all actions (its own process, for its peak RSS)")
    export = manage_json(env, "bench_actions", "--export")
    print(
        f"  {export['rows']} rows in {export['seconds']} s; peak RSS {export['peak_rss_before_kb']} kB before, "
        f"{export['peak_rss_after_kb']} kB after"
    )
    step(f"import {args.import_rows} Teaser rows through ActionResource")
    teaser = manage_json(env, "bench_actions", "--import", str(args.import_rows))
    print(f"  {teaser['imported']} rows in {teaser['seconds']} s")
    return {"search": search, "export": export, "import": teaser}


def measure_imports(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """A large organisation import through its background jobs, check then import (`manage.py bench_imports`)."""
    step(f"check and import {args.organisation_import_rows} organisation rows through the import's background jobs")
    figures: dict[str, Any] = manage_json(env, "bench_imports", "--rows", str(args.organisation_import_rows))
    print(f"  checked in {figures['check_seconds']} s, imported in {figures['import_seconds']} s")
    return figures


def measure_surveys(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """The survey figures, each from its own `manage.py bench_surveys` process."""
    step(f"generate a survey with {args.survey_responses} submitted responses")
    manage(env, "generate_survey_responses", "--responses", str(args.survey_responses))
    step(f"send {args.invitations} survey invitations through one Celery worker to an SMTP sink")
    invitations = manage_json(env, "bench_surveys", "--invitations", str(args.invitations))
    print(
        f"  {invitations['delivered']} of {invitations['invitations']} delivered in {invitations['delivery_seconds']} s"
        f" ({invitations['mails_per_second']} mails/s); {invitations['repeated']} more than once"
    )
    if invitations["delivered"] != args.invitations or invitations["repeated"]:
        raise BenchError(
            f"survey invitations: {invitations['delivered']} of {args.invitations} delivered, "
            f"{invitations['repeated']} more than once"
        )
    faults = measure_invitation_faults(env, args)
    step("time the survey results")
    results = manage_json(env, "bench_surveys", "--results")
    figure = results["all"]
    print(f"  {figure['responses']} responses: {figure['median_ms']} ms, {figure['queries']} queries")
    step("stream the survey CSV export (its own process, for its peak RSS)")
    export = manage_json(env, "bench_surveys", "--export")
    print(
        f"  {export['rows']} rows, {export['answers']} answers in {export['seconds']} s; peak RSS "
        f"{export['peak_rss_before_kb']} kB before, {export['peak_rss_after_kb']} kB after"
    )
    step(f"time {args.page_requests} survey pages and page saves")
    pages = manage_json(env, "bench_surveys", "--pages", str(args.page_requests))
    print(f"  page p95 {pages['page']['p95_ms']} ms; save p95 {pages['save']['p95_ms']} ms")
    return {"invitations": invitations, "results": results, "export": export, "pages": pages, "faults": faults}


# The smoke run's leases and outage: seconds rather than production's minute, so CI's run stays short.
SMOKE_FAULT_ENV = {
    "OUTBOX_RECLAIM_AFTER_SECONDS": "10",
    "OUTBOX_HANDOFF_LEASE_SECONDS": "5",
    "EMAIL_TIMEOUT": "4",
    "OUTBOX_RETRY_BASE_SECONDS": "2",
}
SMOKE_FAULT_ARGS = ("--sweep-every", "2", "--refuse-for", "2", "--busy-for", "2")


def measure_invitation_faults(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """The invitations clean and through issue 11's fault schedule (`manage.py bench_invitation_faults`)."""
    step(
        f"send {args.invitations} survey invitations clean, then through a killed worker, a lost broker and SMTP faults"
    )
    extra = SMOKE_FAULT_ARGS if args.smoke else ()
    faults: dict[str, Any] = manage_json(
        env | (SMOKE_FAULT_ENV if args.smoke else {}),
        "bench_invitation_faults",
        "--invitations",
        str(args.invitations),
        *extra,
    )
    clean, faulty = faults["clean"], faults["faulty"]
    print(f"  clean {clean['seconds']} s, through the faults {faulty['seconds']} s ({faults['ratio']}x)")
    for fault in faulty["faults"]:
        print(f"  {fault['fault']} at {fault['at_seconds']} s: going again after {fault['resumed_seconds']} s")
    return faults


def measure_survey_analysis(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """Issue 14's figures on the generated survey: the comparison across three countries (`bench_surveys
    --compare`, which copies the survey's responses into two clones on its first run) and the XLSX, SPSS and Stata
    files (`bench_surveys --export --format F`, each in its own process for its peak RSS)."""
    step(f"time the comparison of the survey with two clones of {args.survey_responses} responses each")
    compare: dict[str, Any] = manage_json(env, "bench_surveys", "--compare")
    print(f"  {compare['responses']} responses: {compare['median_ms']} ms, {compare['queries']} queries")
    files = {}
    for fmt in ("xlsx", "sav", "dta"):
        step(f"write the survey's {fmt} export (its own process, for its peak RSS)")
        figure = manage_json(env, "bench_surveys", "--export", "--format", fmt)
        print(
            f"  {figure['rows']} rows of {figure['columns']} columns in {figure['seconds']} s; peak RSS grew "
            f"{figure['peak_rss_growth_kb']} kB"
        )
        files[fmt] = figure
    return {"compare": compare, "files": files}
