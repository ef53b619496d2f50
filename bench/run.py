"""`make bench`: serve the portal as in production and measure its pages with wrk against a bare view.

Prepares the database named by DATABASE_URL (creating it if missing: migrate, the demo, generated
members, collectstatic), starts gunicorn with production settings on a free port, runs wrk on each
page after a short warm-up, and writes BENCHMARKS.md. `--smoke` is CI's quick version: little data,
short runs, the report in a temporary file, and a failure if any response was not 2xx.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import secrets
import shlex
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote, urlsplit

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
LUA_SCRIPT = ROOT / "bench" / "report.lua"
HOST = "127.0.0.1"
PARTNERSHIP = "security"
# The generated long lists (`manage.py generate_actions`): the measured one is bench-1, a 20th of them.
ACTIONS_PARTNERSHIP = "bench-1"
SELECTIVE_WORD = "Faenza"
COMMON_WORD = "security"
WORKERS = 2
THREADS = 2
CONNECTIONS = 4
WARM_UP_SECONDS = 1
# Production sits behind a TLS proxy: SECURE_SSL_REDIRECT stays on and every request says it came over HTTPS.
FORWARDED_HEADER = ("X-Forwarded-Proto", "https")


@dataclass(frozen=True)
class Page:
    label: str
    path: str


BASELINE = Page("Bare view (baseline)", "/ping/")
PAGES = [
    BASELINE,
    Page("Partner directory, visitor", f"/p/{PARTNERSHIP}/partners/"),
    Page("Partner directory, visitor, partners in Italy", f"/p/{PARTNERSHIP}/partners/?role=partner&country=IT"),
]


@dataclass(frozen=True)
class Result:
    page: Page
    requests: int
    duration_us: int
    p50_us: int
    p95_us: int
    p99_us: int
    not_2xx: int
    status_errors: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1_000_000) if self.duration_us else 0.0

    @property
    def failed(self) -> bool:
        return self.not_2xx > 0 or self.status_errors > 0 or self.socket_errors > 0 or self.requests == 0


class BenchError(Exception):
    """The benchmark could not run, or a run saw failed requests."""


def main(argv: list[str] | None = None) -> int:
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
    args.invitations = 200 if args.smoke else 10_000
    args.survey_responses = 500 if args.smoke else 10_000
    args.page_requests = 40 if args.smoke else 200
    if args.duration < 1:
        parser.error("--duration must be at least 1 second")
    return args


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    args.load_before = os.getloadavg()[0]
    wrk = shutil.which("wrk") or "/usr/bin/wrk"
    if not Path(wrk).exists():
        raise BenchError("wrk is not installed (Debian: apt-get install wrk)")
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    ensure_database(database_url)
    env = production_env(database_url)
    if not env.get("CELERY_BROKER_URL"):
        raise BenchError("the survey invitations need a real Celery worker: set CELERY_BROKER_URL (Redis)")

    step("migrate")
    manage(env, "migrate", "--no-input", "-v0")
    step("load the demo")
    manage(env, "load_demo", "--allow-production")
    step(f"generate {args.organisations} member organisations")
    manage(env, "generate_partners", "--count", str(args.organisations), "--partnership", PARTNERSHIP)
    step("generate a Florence-sized meeting and a 365-item meeting")
    florence = manage(env, "generate_meeting", "--items", "25", "--registrations", "40", capture=True).split()[-1]
    large = manage(env, "generate_meeting", "--items", "365", "--registrations", "40", capture=True).split()[-1]
    step(f"generate {args.actions} actions over {args.action_partnerships} partnerships")
    manage(env, "generate_actions", "--count", str(args.actions), "--partnerships", str(args.action_partnerships))
    area_id = priority_area_id(database_url, ACTIONS_PARTNERSHIP)
    step("collectstatic")
    manage(env, "collectstatic", "--no-input", "-v0")
    long_list = f"/actions/p/{ACTIONS_PARTNERSHIP}/"
    pages = [
        *PAGES,
        Page("Meeting page, 25 agenda items, visitor", f"/meetings/{florence}/"),
        Page("Meeting page, 365 agenda items, visitor", f"/meetings/{large}/"),
        Page("Action long list, visitor", f"/actions/p/{PARTNERSHIP}/"),
        Page("Action Plan, visitor", f"/actions/p/{PARTNERSHIP}/plan/"),
        Page("Generated long list, visitor", long_list),
        Page(
            "Generated long list, visitor, one priority area, adopted",
            f"{long_list}?priority_area={area_id}&state=adopted",
        ),
        Page(
            f"Generated long list, visitor, searched for a selective word ({SELECTIVE_WORD})",
            f"{long_list}?q={SELECTIVE_WORD}",
        ),
        Page(
            f"Generated long list, visitor, searched for a common word ({COMMON_WORD})", f"{long_list}?q={COMMON_WORD}"
        ),
    ]

    port = free_port()
    with gunicorn(env, port):
        results = []
        for page in pages:
            check_answers_200(port, page)
            measure(wrk, port, page, duration=WARM_UP_SECONDS)
            step(f"wrk {args.duration}s: {page.path}")
            result = measure(wrk, port, page, duration=args.duration)
            print(
                f"  {result.rps:9.1f} req/s  p50 {result.p50_us / 1000:7.2f} ms  p95 {result.p95_us / 1000:7.2f} ms"
                f"  requests {result.requests}  not 2xx {result.not_2xx}  socket errors {result.socket_errors}"
            )
            results.append(result)

    registrations = 2_000 if args.smoke else 100_000
    step(f"time the reminder sweep over {registrations} registrations")
    sweep = json.loads(
        manage(env, "bench_reminder_sweep", "--registrations", str(registrations), capture=True)
        .strip()
        .splitlines()[-1]
    )
    print(f"  idle sweep {sweep['idle_sweep_ms']} ms; due rows {sweep['due_rows']} in {sweep['due_rows_ms']} ms")
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
    actions_figures = {"search": search, "export": export, "import": teaser}
    surveys_figures = measure_surveys(env, args)
    report = render_report(
        args=args,
        database_url=database_url,
        env=env,
        results=results,
        sweep=sweep,
        actions=actions_figures,
        surveys=surveys_figures,
    )
    output = args.output
    if output is None and args.smoke:
        handle, name = tempfile.mkstemp(prefix="BENCHMARKS-smoke-", suffix=".md")
        os.close(handle)
        output = Path(name)
    output = output or ROOT / "BENCHMARKS.md"
    failures = [r for r in results if r.failed]
    if failures and not args.smoke and args.output is None:
        # Keep the last good report rather than committing figures of failing requests.
        output = output.with_name("BENCHMARKS.failed.md")
    output.write_text(report, encoding="utf-8")
    print(f"bench: report written to {output} in {time.monotonic() - started:.0f}s")
    if failures:
        details = "; ".join(
            f"{r.page.path}: {r.requests} requests, {r.not_2xx} not 2xx, "
            f"{r.status_errors} status errors, {r.socket_errors} socket errors or timeouts"
            for r in failures
        )
        raise BenchError(details)
    return 0


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
    return {"invitations": invitations, "results": results, "export": export, "pages": pages}


def step(message: str) -> None:
    print(f"bench: {message}", flush=True)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of the URL if it does not exist yet."""
    parts = urlsplit(url)
    if not parts.scheme.startswith(("postgres", "pgsql")):
        raise BenchError(f"the benchmark needs PostgreSQL; DATABASE_URL is {parts.scheme}://...")
    name = unquote(parts.path.lstrip("/"))
    connection = _connect(url, dbname="postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                step(f"create database {name}")
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def _connect(url: str, dbname: str | None = None) -> Any:
    parts = urlsplit(url)
    try:
        return psycopg2.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password) if parts.password else None,
            dbname=dbname or unquote(parts.path.lstrip("/")),
            connect_timeout=10,
        )
    except psycopg2.OperationalError as error:
        raise BenchError(f"cannot reach PostgreSQL at {parts.hostname}:{parts.port or 5432}: {error}") from error


def production_env(database_url: str) -> dict[str, str]:
    """Settings as in production: DEBUG off, a fresh random key, a real host list, HTTPS redirect on."""
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = dict(os.environ)
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="partnership.settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        ALLOWED_HOSTS=HOST,
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=False, capture_output=capture, text=True
    )
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or "").splitlines()[-10:])
        raise BenchError(
            f"manage.py {' '.join(args)} exited with {completed.returncode}" + (f":\n{tail}" if tail else "")
        )
    return completed.stdout or ""


def manage_json(env: dict[str, str], *args: str) -> Any:
    """Run a command that prints its figures as JSON on its last line."""
    return json.loads(manage(env, *args, capture=True).strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[None]:
    """Run gunicorn in its own process group until the block ends, however it ends."""
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "partnership.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
    ]
    step(f"start gunicorn on {HOST}:{port} ({WORKERS} workers), log in {log.name}")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_health(process, port)
        yield
    except BenchError as error:
        tail = "\n".join(Path(log.name).read_text(errors="replace").splitlines()[-30:])
        raise BenchError(f"{error}\n--- end of the gunicorn log ---\n{tail}") from error
    finally:
        stop_process_group(process)
        log.close()


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    # Whatever of the group is still there (a stuck master, an orphaned worker) goes now.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def get(port: int, path: str, timeout: float = 10) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    connection.request("GET", path, headers=dict([FORWARDED_HEADER]))
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def wait_for_health(process: subprocess.Popen[bytes], port: int, *, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}")
        try:
            response = get(port, "/health/", timeout=5)
            if response.status == 200:
                return
            last = f"status {response.status}"
        except OSError as error:
            last = str(error)
        time.sleep(0.2)
    raise BenchError(f"/health/ did not answer 200 within {timeout:.0f}s ({last})")


def check_answers_200(port: int, page: Page) -> None:
    """Fail early, with the reason, if a page redirects or errs instead of rendering."""
    response = get(port, page.path)
    if response.status != 200:
        location = response.getheader("Location")
        where = f" to {location}" if location else ""
        raise BenchError(f"{page.path} answered {response.status}{where} instead of 200")


def measure(wrk: str, port: int, page: Page, *, duration: int) -> Result:
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        "-H",
        f"{FORWARDED_HEADER[0]}: {FORWARDED_HEADER[1]}",
        f"http://{HOST}:{port}{page.path}",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
    line = next((line for line in completed.stdout.splitlines() if line.startswith("BENCH ")), None)
    if completed.returncode != 0 or line is None:
        raise BenchError(f"wrk failed on {page.path} ({completed.returncode}):\n{completed.stdout}{completed.stderr}")
    values = dict(item.split("=", 1) for item in line.split()[1:])
    return Result(
        page=page,
        requests=int(values["requests"]),
        duration_us=int(values["duration_us"]),
        p50_us=int(values["p50_us"]),
        p95_us=int(values["p95_us"]),
        p99_us=int(values["p99_us"]),
        not_2xx=int(values["not_2xx"]),
        status_errors=int(values["status_errors"]),
        socket_errors=sum(int(values[k]) for k in ("connect", "read", "write", "timeout")),
    )


def machine_facts(database_url: str) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout
    connection = _connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0]
    finally:
        connection.close()
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": postgres.split()[0],
        "wrk": (wrk_version.split() or ["wrk", "unknown"])[1],
    }


def directory_counts(database_url: str) -> tuple[int, int]:
    """Members of the benchmarked partnership in all, and partners in Italy (the filtered page)."""
    connection = _connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*), count(*) FILTER (WHERE m.role = 'partner' AND o.country = 'IT')
                FROM partnership_membership m
                JOIN partnership_partnership p ON p.id = m.partnership_id
                JOIN partnership_organisation o ON o.id = m.organisation_id
                WHERE p.slug = %s
                """,
                [PARTNERSHIP],
            )
            total, italian_partners = cursor.fetchone()
    finally:
        connection.close()
    return int(total), int(italian_partners)


def priority_area_id(database_url: str, slug: str) -> int:
    """The first priority area of a partnership, for the filtered long-list page."""
    connection = _connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT a.id FROM partnership_priorityarea a
                JOIN partnership_partnership p ON p.id = a.partnership_id
                WHERE p.slug = %s ORDER BY a.position, a.name LIMIT 1
                """,
                [slug],
            )
            row = cursor.fetchone()
    finally:
        connection.close()
    if row is None:
        raise BenchError(f"the partnership {slug} has no priority area")
    return int(row[0])


def actions_rows(actions: dict[str, Any]) -> str:
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


SURVEY_INVITATIONS_TARGET = 10_000
SURVEY_RESPONSES_TARGET = 10_000
SURVEY_ANSWERS_TARGET = 250_000


def _met(ok: bool, *, applies: bool = True) -> str:
    if not applies:
        return "n/a: fewer than the target's data"
    return "yes" if ok else "**no**"


def surveys_rows(surveys: dict[str, Any]) -> str:
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
    return "\n".join(rows)


def render_report(
    *,
    args: argparse.Namespace,
    database_url: str,
    env: dict[str, str],
    results: list[Result],
    sweep: dict[str, Any],
    actions: dict[str, Any],
    surveys: dict[str, Any],
) -> str:
    facts = machine_facts(database_url)
    members, italian_partners = directory_counts(database_url)
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

## In-process figures

Medians of 7 runs unless said otherwise, in one Django process against the same database
(`manage.py bench_reminder_sweep`; `manage.py bench_actions --search`, `--export` and `--import`, each in
its own process). Peak RSS is `getrusage(RUSAGE_SELF).ru_maxrss` of the exporting process:

| What | Figure |
| --- | ---: |
{sweep_rows}
| That query uses an index | {"yes" if sweep["uses_index"] else "no"} |
{actions_rows(actions)}

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
"""


if __name__ == "__main__":
    sys.exit(main())
