"""BENCHMARKS.md: the report of a run rendered from its figures, and written where the run's arguments say.

The report's format is what readers of BENCHMARKS.md compare run to run; its text is the method as the
run applied it (workers, wrk's settings, duration), the machine and the data, then the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.common import ROOT
from bench.database import directory_counts, server_version
from bench.measure import CONNECTIONS, THREADS, WARM_UP_SECONDS, Result
from bench.scenario import ACTIONS_PARTNERSHIP, BASELINE, MEETING_VISITOR, PARTNERSHIP, SIGNED_IN_TARGET, Page
from bench.server import WORKERS


def machine_facts(database_url: str) -> dict[str, str]:
    """The machine, the software and their versions, for the report's "Machine" line."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout
    postgres = server_version(database_url)
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": postgres.split()[0],
        "wrk": (wrk_version.split() or ["wrk", "unknown"])[1],
    }


def actions_rows(actions: dict[str, Any]) -> str:
    """The table rows of the actions' in-process figures."""
    search, export, teaser = actions["search"], actions["export"], actions["import"]
    rows = [
        f"| Long-list search in `{search['partnership']}` ({search['actions']} actions) as a visitor, "
        f'"{word}" ({figure["matches"]} matches): count and first 25 by rank | {figure["median_ms"]} ms |'
        for word, figure in search["search"].items()
    ]
    rows += [
        f"| CSV export of all {export['rows']} actions ({export['megabytes']} MB) streamed through "
        f"`exports.csv_lines`, one run | {export['seconds']} s |",
        f"| Peak RSS of the export's process before / after streaming "
        f"| {export['peak_rss_before_kb'] / 1024:.0f} / {export['peak_rss_after_kb'] / 1024:.0f} MB |",
        f"| Growth of the peak RSS while streaming | {export['peak_rss_growth_kb'] / 1024:.1f} MB |",
        f"| Import of {teaser['rows']} generated Teaser rows through `ActionResource` (dry_run=False), one run "
        f"| {teaser['seconds']} s ({teaser['rows_per_second']} rows/s) |",
    ]
    return "\n".join(rows)


def imports_rows(imports: dict[str, Any] | None) -> str:
    """The table row of the large organisation import, through its background jobs."""
    if not imports:
        return ""
    return (
        f"| Import of {imports['rows']} generated organisation rows through the admin import's background jobs "
        f"(`partnership.importing.jobs`, in-process): check (the preview) / import after the confirm, one run "
        f"| {imports['check_seconds']} / {imports['import_seconds']} s |"
    )


SURVEY_INVITATIONS_TARGET = 10_000
SURVEY_RESPONSES_TARGET = 10_000
SURVEY_ANSWERS_TARGET = 250_000


def _met(ok: bool, *, applies: bool = True) -> str:
    """The "Met" cell: yes, a bold no, or n/a when the run had less data than the target speaks of."""
    if not applies:
        return "n/a: fewer than the target's data"
    return "yes" if ok else "**no**"


def surveys_rows(surveys: dict[str, Any]) -> str:
    """The table rows of the survey figures, each with its target and whether it was met."""
    invitations, results, export, pages = (
        surveys["invitations"],
        surveys["results"],
        surveys["export"],
        surveys["pages"],
    )
    rate = invitations["mails_per_second"]
    exactly_once = not invitations["repeated"] and invitations["delivered"] == invitations["invitations"]
    full_survey = results["all"]["responses"] >= SURVEY_RESPONSES_TARGET
    full_export = export["answers"] >= SURVEY_ANSWERS_TARGET
    second_half = export["peak_rss_after_kb"] - export["peak_rss_half_kb"]
    page, save = pages["page"], pages["save"]
    rows = [
        f"| {invitations['invitations']} invitations: from the commit of the owner's send until the SMTP sink holds "
        f"the last one, one worker ({rate} mails/s; each recipient exactly once: {'yes' if exactly_once else 'no'})"
        f" | {invitations['delivery_seconds']} s | {SURVEY_INVITATIONS_TARGET} in under 60 s "
        f"({SURVEY_INVITATIONS_TARGET / 60:.0f} mails/s) | {_met(rate * 60 >= SURVEY_INVITATIONS_TARGET)} |",
        f"| The owner's send itself (`services.invitations_send`: invitations, links, mails rendered into the outbox)"
        f" | {invitations['send_service_seconds']} s | | |",
        f"| Results of the survey with {results['all']['responses']} submitted responses and {results['questions']} "
        f"questions (`selectors.results`, {results['all']['queries']} queries) | {results['all']['median_ms']} ms "
        f"| under 500 ms at {SURVEY_RESPONSES_TARGET} responses "
        f"| {_met(results['all']['median_ms'] < 500, applies=full_survey)} |",
        f"| The same for one region ({results['region']['responses']} responses) | {results['region']['median_ms']} ms "
        f"| | |",
        f"| CSV export of {export['responses']} responses with {export['answers']} answers ({export['megabytes']} MB),"
        f" streamed through `exports.csv_lines`, one run | {export['seconds']} s "
        f"| {SURVEY_ANSWERS_TARGET} answers or more | {_met(True, applies=full_export)} |",
        f"| Peak RSS of the export's process before / after half the rows / after all "
        f"| {export['peak_rss_before_kb'] / 1024:.0f} / {export['peak_rss_half_kb'] / 1024:.0f} / "
        f"{export['peak_rss_after_kb'] / 1024:.0f} MB | flat: the second half adds under 5 MB "
        f"| {_met(second_half < 5 * 1024)} |",
        f"| Respondent's page of {pages['questions_per_page']} questions or fewer (GET), p50 / p95 over "
        f"{pages['requests']} requests, {page['queries']} queries | {page['p50_ms']} / {page['p95_ms']} ms "
        f"| p95 under 100 ms | {_met(page['p95_ms'] < 100)} |",
        f"| Page save (POST of the page's answers, then the redirect), p50 / p95 over {pages['requests']} requests, "
        f"{save['queries']} queries | {save['p50_ms']} / {save['p95_ms']} ms | p95 under 100 ms "
        f"| {_met(save['p95_ms'] < 100)} |",
    ]
    rows += survey_analysis_rows(results, surveys.get("analysis"))
    return "\n".join(rows)


CHARTS_RATIO_TARGET = 1.5
COMPARE_TARGET_MS = 1000
SURVEY_CLONES_TARGET = 3


def survey_analysis_rows(results: dict[str, Any], analysis: dict[str, Any] | None) -> list[str]:
    """Issue 14's rows: the results page with its charts against the results without them in the same runs, the
    comparison across three countries, and the XLSX, SPSS and Stata files' memory."""
    rows = []
    full_survey = results["all"]["responses"] >= SURVEY_RESPONSES_TARGET
    page, charts = results.get("page"), results.get("charts")
    if page:
        rows.append(
            f"| Results page with its {page['charts']} charts over {results['all']['responses']} responses, as the "
            f"owner, through the middleware, view and template (test client, {page['queries']} queries), against "
            f"the results without charts (`selectors.results` alone: {page['without_charts_ms']} ms), taken in turn "
            f"in the same runs | {page['median_ms']} ms ({page['ratio']}×) | within {CHARTS_RATIO_TARGET}× "
            f"| {_met(page['ratio'] <= CHARTS_RATIO_TARGET, applies=full_survey)} |"
        )
    if charts:
        rows.append(
            f"| Drawing every chart of those results as SVG (`surveys.charts`), apart from the selector in the same "
            f"runs | {charts['median_ms']} ms ({charts['ratio_to_all']}×) | | |"
        )
    if not analysis:
        return rows
    compare = analysis["compare"]
    responses = compare["responses"]
    rows.append(
        f"| Comparison across {compare['shown']} countries of {' + '.join(map(str, responses))} responses "
        f"(`selectors.compare` and its grouped charts, as the owner who sees all three; {compare['queries']} "
        f"queries, whatever the countries and responses) | {compare['median_ms']} ms | under {COMPARE_TARGET_MS} ms "
        f"at {SURVEY_CLONES_TARGET} × {SURVEY_RESPONSES_TARGET} | "
        f"{_met(compare['median_ms'] < COMPARE_TARGET_MS, applies=min(responses) >= SURVEY_RESPONSES_TARGET)} |"
    )
    for fmt, figure in analysis["files"].items():
        full_export = figure["answers"] >= SURVEY_ANSWERS_TARGET
        head = (
            f"| {fmt.upper()} export of {figure['rows']} responses × {figure['columns']} columns "
            f"({figure['answers']} answers, {figure['megabytes']} MB) through `exports.write`, one run, "
            f"peak RSS before / "
        )
        if fmt == "xlsx":
            second_half = figure["peak_rss_after_kb"] - figure["peak_rss_half_kb"]
            rows.append(
                f"{head}after half the rows / after all | {figure['seconds']} s; "
                f"{figure['peak_rss_before_kb'] / 1024:.0f} / {figure['peak_rss_half_kb'] / 1024:.0f} / "
                f"{figure['peak_rss_after_kb'] / 1024:.0f} MB "
                f"| flat: the second half adds under 5 MB | {_met(second_half < 5 * 1024, applies=full_export)} |"
            )
        else:
            growth, bound = figure["peak_rss_growth_kb"], figure["bound_kb"]
            rows.append(
                f"{head}after, held whole in memory | {figure['seconds']} s; "
                f"{figure['peak_rss_before_kb'] / 1024:.0f} / {figure['peak_rss_after_kb'] / 1024:.0f} MB "
                f"(+{growth / 1024:.0f} MB) | within the stated bound, {figure['bytes_per_cell']} bytes a cell: "
                f"{bound / 1024:.0f} MB "
                f"| {_met(growth <= bound, applies=full_export)} |"
            )
    return rows


def faults_section(faults: dict[str, Any] | None) -> str:
    """The invitations clean and through issue 11's fault schedule, and how delivery recovered from each fault."""
    if not faults:
        return ""
    clean, faulty = faults["clean"], faults["faulty"]
    ratio = faults["ratio"]
    held = faulty["held_by_the_killed_worker"]
    faulty_row = (
        f"| Through the faults | {faulty['delivered']} of {faults['invitations']} | {faulty['repeated']} "
        f"| {faulty['seconds']} s | under twice the clean time | {_met(ratio is not None and ratio < 2)} ({ratio}×) |"
    )
    recovery = "\n".join(
        f"| {fault['fault']} | {fault['at_seconds']} s | {fault['stalled_seconds']} s | {fault['resumed_seconds']} s |"
        for fault in faulty["faults"]
    )
    return f"""
### Invitations through faults

`manage.py bench_invitation_faults --invitations {faults["invitations"]}`: the same owner's send, once clean and
once through issue 11's fault schedule, each to a fresh survey, with one worker (`--concurrency=1`), a
redis-server of the command's own as the broker and the outbox swept every {faults["sweep_every_seconds"]:.0f} s as
Celery Beat does. In the faulty run, by the share of recipients reached: the worker is SIGKILLed at 25 % while the
SMTP server holds a message (a new worker is started at once); the broker is killed at 50 % and restarted empty a
second later; from 75 % the SMTP server refuses connections for {faults["refuse_for"]:.0f} s and then answers 451 for
{faults["busy_for"]:.0f} s. Leases as configured: a claim's {faults["lease_seconds"]} s, the hand-off's
{faults["handoff_seconds"]} s, retries from {faults["retry_base_seconds"]} s. Times run from the commit of the send
to the first arrival of the last recipient.

| Run | Delivered | More than once (same Message-ID) | Time | Target | Met |
| --- | ---: | ---: | ---: | --- | --- |
| Clean | {clean["delivered"]} of {faults["invitations"]} | {clean["repeated"]} | {clean["seconds"]} s | | |
{faulty_row}

After each fault (from the moment it struck): the longest time no new recipient was reached before the next
fault, and when delivery was going again. Rows the killed worker had claimed: {held["rows"]}; the last of them was
delivered (a message the server held at the kill, again) {held["last_arrived_seconds"]} s after the kill, once its
claim's lease had ended and a sweep had handed it again.

| Fault | At | Longest stall | Delivery going again after |
| --- | ---: | ---: | ---: |
{recovery}
"""


def signed_in_section(
    results: list[Result],
    queries: dict[str, int] | None,
    counterparts: dict[str, Page] | None,
    digest: dict[str, Any] | None,
) -> str:
    """Issue 13's signed-in pages against the visitor's meeting page, the pages of many rows with their queries
    at two sizes, and the daily digest through one worker."""
    if not queries or counterparts is None:
        return ""
    visitor = next((r for r in results if r.page.label == MEETING_VISITOR), None)
    if visitor is None or not visitor.rps:
        return ""
    target_rows = [
        f"| {visitor.page.label} | {visitor.rps:.1f} | {visitor.p95_us / 1000:.2f} "
        f"| {queries.get(visitor.page.label, '')} | 1.00× | | |"
    ]
    for r in results:
        if r.page.signed_in_target:
            ratio = r.rps / visitor.rps
            target_rows.append(
                f"| {r.page.label} | {r.rps:.1f} | {r.p95_us / 1000:.2f} | {queries.get(r.page.label, '')} "
                f"| {ratio:.2f}× | at least {SIGNED_IN_TARGET:.2f}× | {_met(ratio >= SIGNED_IN_TARGET)} |"
            )
    many_rows = []
    for r in results:
        small = counterparts.get(r.page.label)
        if small is None:
            continue
        large_count, small_count = queries.get(r.page.label), queries.get(small.label)
        many_rows.append(
            f"| {r.page.label} | {r.rps:.1f} | {r.p50_us / 1000:.2f} | {r.p95_us / 1000:.2f} | {large_count} "
            f"| {small_count} ({small.label[0].lower()}{small.label[1:]}) | the same "
            f"| {_met(large_count == small_count)} |"
        )
    digest_row = ""
    if digest:
        exactly_once = not digest["repeated"] and digest["delivered"] == digest["users"]
        figure = (
            f"| The daily digest of {digest['users']} users through one worker ({digest['mails_per_second']} mails/s) "
            f"| {digest['seconds']} s | {'yes' if exactly_once else '**no**'} |"
        )
        digest_row = f"""
The daily digest (`manage.py bench_notifications --digest {digest["users"]}`): {digest["users"]} generated members
with one notification each waiting; Beat's start (`notifications.digests_start`) writes the day's job row, one
Celery worker (prefork, `--concurrency=1`) writes each user's digest into the outbox and sends it to an aiosmtpd
sink in the measuring process; the time runs from the start until the sink holds every digest.

| What | Figure | Exactly once |
| --- | ---: | --- |
{figure}
"""
    return f"""
## Signed in

Issue 13's target: each page a partner sees signed in, with the bell, answers at least {SIGNED_IN_TARGET:.2f}×
the requests per second of the visitor's meeting page ("{MEETING_VISITOR}") in the same run, with constant
queries. Signed in through sessions made as the login leaves them: the demo's partner (`manage.py
bench_notifications --session partner`), a coordinator of `{PARTNERSHIP}` whose session has passed the second
factor (`manage.py bench_login`), and a partner with many notifications (`manage.py bench_notifications
--reader N`). Queries are counted in one process with Django's test client through the whole middleware stack,
the second time each page is asked (the bell's count and the agenda cached, as on a page seen before).

| Page | req/s | p95 (ms) | Queries | Ratio to the visitor's meeting page | Target | Met |
| --- | ---: | ---: | ---: | ---: | --- | --- |
{chr(10).join(target_rows)}

Pages that list many rows, with their queries at that size and at a small one (the count must not grow with the
rows):

| Page | req/s | p50 (ms) | p95 (ms) | Queries | Queries at a small size | Target | Met |
| --- | ---: | ---: | ---: | ---: | --- | --- | --- |
{chr(10).join(many_rows)}
{digest_row}"""


def render_report(
    *,
    args: argparse.Namespace,
    database_url: str,
    env: dict[str, str],
    results: list[Result],
    sweep: dict[str, Any],
    actions: dict[str, Any],
    surveys: dict[str, Any],
    imports: dict[str, Any] | None = None,
    queries: dict[str, int] | None = None,
    counterparts: dict[str, Page] | None = None,
    digest: dict[str, Any] | None = None,
) -> str:
    """The whole of BENCHMARKS.md: the method, the run's circumstances and every figure."""
    facts = machine_facts(database_url)
    members, italian_partners = directory_counts(database_url, PARTNERSHIP)
    baseline = next(r for r in results if r.page == BASELINE)
    arguments = shlex.join(args.argv)
    command = f"make bench BENCH_ARGS={shlex.quote(arguments)}" if arguments else "make bench"
    cache = urlsplit(env.get("CACHE_URL", "locmemcache://")).scheme
    broker = urlsplit(env.get("CELERY_BROKER_URL", "")).scheme or "none (eager)"
    batch = env.get("OUTBOX_BATCH_SIZE", "50")
    rows = []
    for r in results:
        rps_ratio = r.rps / baseline.rps if baseline.rps else 0.0
        p95_ratio = r.p95_us / baseline.p95_us if baseline.p95_us else 0.0
        rows.append(
            f"| {r.page.label} | `{r.page.path}` | {r.requests} | {r.rps:.1f} | {r.p50_us / 1000:.2f} "
            f"| {r.p95_us / 1000:.2f} | {rps_ratio:.2f}× | {p95_ratio:.1f}× | {r.not_2xx + r.socket_errors} |"
        )
    long_list = next((r for r in results if r.page.label == "Generated long list, visitor"), None)
    admin_rows = [
        f"| {r.page.label} | {r.p95_us / 1000:.2f} ms | {r.p95_us / long_list.p95_us:.1f}× "
        f"| within 3× | {_met(r.p95_us <= 3 * long_list.p95_us)} |"
        for r in results
        if long_list is not None and long_list.p95_us and r.page.label.startswith("Admin action changelist")
    ]
    smoke_note = (
        "\n**Smoke run** (CI): little data and short runs; these figures only show that the benchmark works.\n"
        if args.smoke
        else ""
    )
    sweep_rows = "\n".join(
        [
            f"| Meeting reminder sweep when nothing is due, {sweep['registrations']} registrations "
            f"in {sweep['meetings']} meetings | {sweep['idle_sweep_ms']} ms |",
            f"| Finding the {sweep['due_rows']} registered people of one meeting's due reminder rule "
            f"| {sweep['due_rows_ms']} ms |",
        ]
    )
    return f"""# Benchmarks

How fast the portal's pages answer under load. This file is written by `make bench`
(`bench/run.py`) and regenerated whole on each run; do not edit it by hand.

## Method

- **Data**: the demo partnership (`manage.py load_demo --allow-production`) plus generated member
  organisations with two contact persons each (`manage.py generate_partners --count N`, which then
  refreshes PostgreSQL's planner statistics, as a database in use would have them).
- **Server**: gunicorn with {WORKERS} sync workers and production settings: `DEBUG` off, a random
  50-character `SECRET_KEY`, `ALLOWED_HOSTS=127.0.0.1`, the HTTPS redirect on. Every request carries
  `X-Forwarded-Proto: https`, as behind a TLS proxy, so none is redirected. Static files by whitenoise.
- **Load**: Debian's wrk, one page at a time, each after a {WARM_UP_SECONDS}-second warm-up run:
  `wrk -t{THREADS} -c{CONNECTIONS} -d{args.duration}s --latency -s bench/report.lua -H 'X-Forwarded-Proto: https' URL`.
  wrk runs on the same machine and shares its cores with gunicorn and PostgreSQL, so the figures
  compare pages with each other rather than promise a capacity.
- **Baseline**: a bare Django view (`/ping/`: the whole middleware stack, a constant response, no
  database). Each page is given as requests per second, median (p50) and 95th-percentile (p95)
  latency, and against the baseline: its share of the baseline's throughput (req/s ratio) and how
  many times the baseline's p95 it takes (p95 ratio).
- **Checks**: before measuring, each page must answer 200; `bench/report.lua` counts every response
  outside 2xx (wrk's own status-error count only sees 4xx and 5xx), and a run with any such response
  or any socket error or timeout fails.
{smoke_note}
## Latest run

- **Date**: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC
- **Command**: `{command}`
- **Machine**: nproc {facts["nproc"]}, {facts["cpu"]}, Linux {facts["kernel"]}; Python {facts["python"]},
  PostgreSQL {facts["postgres"]}, wrk {facts["wrk"]}; cache `{cache}`, broker `{broker}`,
  `CONN_MAX_AGE={env.get("CONN_MAX_AGE", "60")}`; load average {args.load_before:.2f} (1 min) when the run began:
  other work on the machine shows up in the figures
- **Data**: {members} members of the partnership `{PARTNERSHIP}` ({args.organisations} generated);
  {italian_partners} of them are partners in Italy. The measured pages are the directory's first page.
  Two generated public meetings (`manage.py generate_meeting`): 25 agenda items and 40 registrations
  (the size of the Florence meeting), and 365 agenda items; the demo's action long list and Action Plan.
  {args.actions} generated actions over {args.action_partnerships} public partnerships
  (`manage.py generate_actions`); the generated long-list pages are those of `{ACTIONS_PARTNERSHIP}`, of
  which a visitor sees the published actions (about 37%).

| Page | URL | Requests | req/s | p50 (ms) | p95 (ms) | req/s ratio | p95 ratio | Failed |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

The coordinators' admin over the same generated long list, signed in as a coordinator of
`{ACTIONS_PARTNERSHIP}` (`manage.py bench_login`), against the visitor's long list in the same run
(p95 of the admin page over the long list's p95):

| Admin page | p95 | Ratio to the long list | Target | Met |
| --- | ---: | ---: | --- | --- |
{chr(10).join(admin_rows)}
{signed_in_section(results, queries, counterparts, digest)}
## In-process figures

Medians of 7 runs unless said otherwise, in one Django process against the same database
(`manage.py bench_reminder_sweep`; `manage.py bench_actions --search`, `--export` and `--import`;
`manage.py bench_imports`, each in its own process). Peak RSS is `getrusage(RUSAGE_SELF).ru_maxrss`
of the exporting process:

| What | Figure |
| --- | ---: |
{sweep_rows}
| That query uses an index | {"yes" if sweep["uses_index"] else "no"} |
{actions_rows(actions)}
{imports_rows(imports)}

## Surveys

Figures of the survey targets, from `manage.py bench_surveys` (each in its own process) on a generated
survey (`manage.py generate_survey_responses --responses N`: 26 questions of every kind on five pages;
each submitted response answers all of them, the one conditional question about half the time).

- **Invitations**: a fresh open survey with N respondents; the owner's "Send invitations"
  (`services.invitations_send`) writes the invitations and their mails to the outbox and, at the commit,
  hands them to the broker (`{broker}`) in tasks of `OUTBOX_BATCH_SIZE` mails ({batch}). One Celery
  worker (prefork, `--concurrency=1`) claims each batch at once and sends it over one SMTP connection
  to an aiosmtpd sink in the measuring process, marking each mail sent as it goes. The run fails
  unless every recipient got exactly one mail.
- **Results**: `selectors.results` as the results page calls it, medians of 7 runs, with its query count.
- **Export**: the owner's CSV export as `exports.csv_lines` yields it (the lines of both the direct
  download and the background export), consumed as it comes; peak RSS as for the actions' export, also
  once half the rows are out: memory is flat when the second half adds nothing to the first half's peak.
- **Pages**: a respondent who came through the open link and chose a language; each of the five pages
  requested (GET) and saved with valid answers (POST, answered by a redirect), in turn. These go through
  the whole middleware stack with production settings, but in-process with Django's test client (which
  skips the CSRF check) rather than through gunicorn and wrk, whose posts would need a session and a
  CSRF token per request: server time only, no network or WSGI server. 10 warm-up requests of each.
- **Met**: whether a figure is within its target. The invitations' target is a rate (10,000 in 60 s);
  the results' and the export's apply only to a run with the target's data (not `--smoke`).

| What | Figure | Target | Met |
| --- | ---: | --- | --- |
{surveys_rows(surveys)}
{faults_section(surveys.get("faults"))}"""


def write_report(report: str, args: argparse.Namespace, *, failed: bool) -> Path:
    """Write the report to --output, else BENCHMARKS.md (a temporary file for --smoke); the path written.

    A full run with failed requests writes BENCHMARKS.failed.md beside it instead.
    """
    output = args.output
    if output is None and args.smoke:
        handle, name = tempfile.mkstemp(prefix="BENCHMARKS-smoke-", suffix=".md")
        os.close(handle)
        output = Path(name)
    output = output or ROOT / "BENCHMARKS.md"
    if failed and not args.smoke and args.output is None:
        # Keep the last good report rather than committing figures of failing requests.
        output = output.with_name("BENCHMARKS.failed.md")
    output.write_text(report, encoding="utf-8")
    return output
