"""Time the survey figures of `make bench` in one process each; prints JSON on its last line.

`--invitations N` sends N invitations through the owner's service and lets one real Celery worker
deliver them to an SMTP sink in this process; `--results` times the results selector, and with the charts
drawn; `--export` streams the CSV export for its peak memory (`--format xlsx|sav|dta` writes that file
instead); `--pages N` times a respondent's pages and page saves.
Each runs in its own process, so the export's peak memory is not inflated by the other figures.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnership import spreadsheets
from partnership.models import OutboundMessage
from partnership.tokens import token_new
from surveys import charts, exports, selectors, services
from surveys.management.commands._bench_processes import celery_worker, queue_length, smtp_sink, wait_for_idle_queue
from surveys.management.commands.generate_survey_responses import bench_survey, ensure_partnership, owner_user
from surveys.models import Answer, Question, Respondent, Response, Survey

ROOT = Path(settings.BASE_DIR)
INVITATIONS_TITLE = "Benchmark survey: invitations"


def peak_rss_kb() -> int:
    # Linux reports ru_maxrss in kilobytes.
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile, as wrk reports it."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


class Command(BaseCommand):
    help = "Benchmark figures of surveys: invitations by a real worker, results, streamed export, answer pages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--invitations", type=int, help="Invite N respondents; one worker delivers them.")
        parser.add_argument("--results", action="store_true", help="Time the results selector.")
        parser.add_argument("--export", action="store_true", help="Stream the survey's CSV export.")
        parser.add_argument(
            "--format",
            default="csv",
            choices=["csv", "xlsx", "sav", "dta"],
            help="With --export: the file to write (CSV streamed; XLSX, SPSS and Stata to a temporary file).",
        )
        parser.add_argument(
            "--compare", action="store_true", help="Time the comparison of the survey and two clones as large."
        )
        parser.add_argument("--pages", type=int, help="Time N requests of a respondent's pages and N page saves.")
        parser.add_argument("--runs", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["invitations"]:
            result = self.invitations(options["invitations"])
        elif options["results"]:
            result = self.results(options["runs"])
        elif options["export"]:
            result = self.export() if options["format"] == "csv" else self.export_file(options["format"])
        elif options["compare"]:
            result = self.compare(options["runs"])
        elif options["pages"]:
            result = self.pages(options["pages"])
        else:
            raise CommandError("Say what to measure: --invitations N, --results, --export or --pages N.")
        self.stdout.write(json.dumps(result))
        if result.get("error"):
            raise CommandError(result["error"])

    # Invitations ----------------------------------------------------------------------------

    def invitations(self, count: int) -> dict[str, Any]:
        """From the commit of the owner's "send invitations" until the sink holds every mail, each once."""
        if not settings.CELERY_BROKER_URL:
            raise CommandError(
                "--invitations needs a real Celery worker and so a broker: set CELERY_BROKER_URL "
                "(e.g. redis://127.0.0.1:6379/0)."
            )
        survey = _invitation_survey(count)
        owner = owner_user()
        expected = set(survey.respondents.values_list("email", flat=True))
        prefix = f"survey:{survey.pk}:invitation:"
        with smtp_sink() as sink, celery_worker(sink.url) as worker:
            wait_for_idle_queue(worker)
            committed: list[float] = []
            started = time.perf_counter()
            with transaction.atomic():
                # Registered first, so it runs at the commit, before the service's hand-over to the worker.
                transaction.on_commit(lambda: committed.append(time.perf_counter()))
                invited = services.invitations_send(survey=survey, by=owner)
            enqueued = time.perf_counter()
            deadline = enqueued + max(120.0, count * 0.1)
            while len(expected & sink.recipients()) < len(expected) and time.perf_counter() < deadline:
                worker.check_alive()
                time.sleep(0.05)
            last = sink.last_at(expected)
            # Let the worker settle, so that a repeated delivery would be seen.
            settle_deadline = time.perf_counter() + 30
            while time.perf_counter() < settle_deadline:
                unsettled = OutboundMessage.objects.filter(
                    key__startswith=prefix,
                    status__in=(OutboundMessage.Status.PENDING, OutboundMessage.Status.SENDING),
                ).count()
                if unsettled == 0 and queue_length() == 0:
                    break
                time.sleep(0.2)
            time.sleep(0.5)
            received = sink.counts()
            log_tail = worker.log_tail()
        delivered = sum(1 for email in expected if received[email] >= 1)
        repeated = sum(1 for email in expected if received[email] > 1)
        commit_at = committed[0] if committed else enqueued
        delivery = (last - commit_at) if last is not None else None
        statuses = dict(
            Counter(OutboundMessage.objects.filter(key__startswith=prefix).values_list("status", flat=True))
        )
        figures: dict[str, Any] = {
            "invitations": count,
            "invited": invited,
            "delivered": delivered,
            "repeated": repeated,
            "other_mails": sum(n for email, n in received.items() if email not in expected),
            "statuses": statuses,
            "send_service_seconds": round(commit_at - started, 2),
            "hand_over_seconds": round(enqueued - commit_at, 2),
            "delivery_seconds": round(delivery, 2) if delivery is not None else None,
            "mails_per_second": round(delivered / delivery, 1) if delivery else 0.0,
            "worker_concurrency": 1,
        }
        if delivered != count or repeated or invited != count:
            figures["error"] = (
                f"{delivered} of {count} invitations delivered, {repeated} more than once "
                f"(outbox: {statuses}); end of the worker log:\n{log_tail}"
            )
        return figures

    # Results --------------------------------------------------------------------------------

    def results(self, runs: int) -> dict[str, Any]:
        survey = bench_survey(create=False)
        region = selectors.regions(survey)[0]
        figures: dict[str, Any] = {
            "survey": survey.pk,
            "responses": selectors.submitted_responses(survey).count(),
            "questions": Question.objects.filter(section__survey=survey).count(),
        }
        for label, where in (("all", ""), ("region", region)):
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                total, _sections = selectors.results(survey, language="en", region=where, hide_small=True)
                timings.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as queries:
                selectors.results(survey, language="en", region=where, hide_small=True)
            figures[label] = {
                "responses": total,
                "median_ms": round(statistics.median(timings) * 1000, 1),
                "queries": len(queries),
            }
        figures["region"]["name"] = region
        # The results page's charts (surveys.charts) on top of the same selector, timed apart in the same runs, so
        # the ratio is not the noise between two series of runs on a busy machine.
        selector_timings, chart_timings = [], []
        for _ in range(runs):
            started = time.perf_counter()
            _total, sections = selectors.results(survey, language="en", hide_small=True)
            drawn = time.perf_counter()
            for _section, results in sections:
                for result in results:
                    chart = charts.result_chart(result, title=result.question.text)
                    if chart is not None:
                        chart.svg()
            selector_timings.append(drawn - started)
            chart_timings.append(time.perf_counter() - drawn)
        selector_ms = statistics.median(selector_timings) * 1000
        charts_ms = statistics.median(chart_timings) * 1000
        figures["charts"] = {
            "median_ms": round(charts_ms, 1),
            "selector_ms": round(selector_ms, 1),
            "ratio_to_all": round((selector_ms + charts_ms) / max(selector_ms, 0.1), 3),
        }
        figures["page"] = results_page(survey, runs)
        return figures

    # Export ---------------------------------------------------------------------------------

    def export(self) -> dict[str, Any]:
        survey = bench_survey(create=False)
        answers = Answer.objects.filter(response__survey=survey, response__submitted_at__isnull=False).count()
        responses = selectors.submitted_responses(survey).count()
        before = peak_rss_kb()
        # Flat memory: the second half of the rows adds nothing to the peak of the first.
        half = max(responses // 2, 1)
        at_half = None
        started = time.perf_counter()
        lines = 0
        size = 0
        for line in exports.csv_lines(survey):
            lines += line.count("\n")
            size += len(line.encode())
            if at_half is None and lines > half:
                at_half = peak_rss_kb()
        seconds = time.perf_counter() - started
        after = peak_rss_kb()
        return {
            "survey": survey.pk,
            "responses": responses,
            "answers": answers,
            "rows": lines - 1,
            "megabytes": round(size / 1_000_000, 1),
            "seconds": round(seconds, 2),
            "peak_rss_before_kb": before,
            "peak_rss_half_kb": at_half or after,
            "peak_rss_after_kb": after,
            "peak_rss_growth_kb": after - before,
        }

    def compare(self, runs: int) -> dict[str, Any]:
        """The comparison page's selector and grouped charts over the bench survey and two clones (Italy,
        Finland) with a copy of its responses each, made on the first run, as the owner who sees all three."""
        survey = bench_survey(create=False)
        for country in ("IT", "FI"):
            _clone_with_responses(survey, country)
        user = owner_user()
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            clones, questions = selectors.compare(survey, user=user, language="en")
            for question, columns in questions:
                chart = charts.comparison_chart(question, question.text, columns)
                if chart is not None:
                    chart.svg()
            timings.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            selectors.compare(survey, user=user, language="en")
        return {
            "surveys": len(clones),
            "shown": sum(clone.shown for clone in clones),
            "responses": [selectors.submitted_responses(clone.survey).count() for clone in clones],
            "median_ms": round(statistics.median(timings) * 1000, 1),
            "queries": len(queries),
        }

    def export_file(self, fmt: str) -> dict[str, Any]:
        """Write the whole export in this format to a temporary file, for its time and peak memory; SPSS and
        Stata are held whole in memory within `spreadsheets.STATISTICAL_MAX_CELLS`."""
        survey = bench_survey(create=False)
        responses = selectors.submitted_responses(survey).count()
        answers = Answer.objects.filter(response__survey=survey, response__submitted_at__isnull=False).count()
        columns = len(exports.response_table(survey, layout="codes").header)
        before = peak_rss_kb()
        # Flat memory (XLSX): the peak once half the rows are written, as for the CSV.
        at_half: list[int] = []

        def progress(done: int) -> None:
            if not at_half and done >= responses // 2:
                at_half.append(peak_rss_kb())

        started = time.perf_counter()
        with tempfile.TemporaryFile() as handle:
            rows = exports.write(survey, fmt, handle, layout="codes", progress=progress)
            size = handle.tell()
        seconds = time.perf_counter() - started
        after = peak_rss_kb()
        return {
            "survey": survey.pk,
            "format": fmt,
            "responses": responses,
            "answers": answers,
            "rows": rows,
            "columns": columns,
            "megabytes": round(size / 1_000_000, 1),
            "seconds": round(seconds, 2),
            "peak_rss_before_kb": before,
            "peak_rss_half_kb": at_half[0] if at_half else after,
            "peak_rss_after_kb": after,
            "peak_rss_growth_kb": after - before,
            # SPSS and Stata: the memory bound stated in partnership/spreadsheets.py for this many cells.
            "bound_kb": round(rows * columns * spreadsheets.STATISTICAL_BYTES_PER_CELL / 1024),
            "bytes_per_cell": spreadsheets.STATISTICAL_BYTES_PER_CELL,
        }

    # Respondent's pages ---------------------------------------------------------------------

    def pages(self, count: int) -> dict[str, Any]:
        """A respondent's pages through the whole middleware stack, in this process with Django's test client."""
        survey = bench_survey(create=False)
        sections = selectors.survey_structure(survey)
        client = respondent_client(survey)
        gets: list[float] = []
        posts: list[float] = []
        get_queries: list[int] = []
        post_queries: list[int] = []
        warm_up = 10
        for request in range(count + warm_up):
            number = request % len(sections) + 1
            path = reverse("surveys:section", kwargs={"pk": survey.pk, "number": number})
            data = page_post(sections[number - 1])
            started = time.perf_counter()
            page = client.get(path)
            took = time.perf_counter() - started
            if page.status_code != 200:
                raise CommandError(f"GET {path} answered {page.status_code} instead of 200")
            if request >= warm_up:
                gets.append(took)
            started = time.perf_counter()
            saved = client.post(path, data)
            took = time.perf_counter() - started
            if saved.status_code != 302:
                raise CommandError(f"POST {path} answered {saved.status_code} instead of a redirect: not saved")
            if request >= warm_up:
                posts.append(took)
            if request < len(sections):
                with CaptureQueriesContext(connection) as queries:
                    client.get(path)
                get_queries.append(len(queries))
                with CaptureQueriesContext(connection) as queries:
                    client.post(path, data)
                post_queries.append(len(queries))
        return {
            "survey": survey.pk,
            "pages": len(sections),
            "questions_per_page": max(len(s.questions.all()) for s in sections),
            "requests": count,
            "page": _latency(gets) | {"queries": max(get_queries)},
            "save": _latency(posts) | {"queries": max(post_queries)},
        }


def results_page(survey: Survey, runs: int) -> dict[str, Any]:
    """The whole results page with its charts, as the owner requests it (through the middleware stack, the view
    and the template, in-process with Django's test client: server time only), against the results without
    charts (the selector alone, as the owner reads them), the two taken in turn in the same runs."""
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", ".localhost")), "localhost")
    client = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
    owner = owner_user()
    client.force_login(owner)
    every_answer = selectors.reader_sees_every_answer(owner, survey)
    path = reverse("surveys:results", kwargs={"pk": survey.pk})
    pages, bare = [], []
    for run in range(runs + 1):
        started = time.perf_counter()
        selectors.results(survey, language="en", hide_small=not every_answer)
        selected = time.perf_counter()
        page = client.get(path)
        if page.status_code != 200:
            raise CommandError(f"GET {path} answered {page.status_code} instead of 200")
        if run:  # the first of each warms up
            bare.append(selected - started)
            pages.append(time.perf_counter() - selected)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(path)
    page_ms, bare_ms = statistics.median(pages) * 1000, statistics.median(bare) * 1000
    return {
        "median_ms": round(page_ms, 1),
        "without_charts_ms": round(bare_ms, 1),
        "ratio": round(page_ms / max(bare_ms, 0.1), 2),
        "queries": len(queries),
        "charts": page.content.count(b"<svg "),
    }


def _clone_with_responses(survey: Survey, country: str) -> Survey:
    """A clone of the survey for this country owned by the same ministry, with a copy of its submitted
    responses and their answers (written directly, in chunks), unless it exists already with as many (a clone
    made by an earlier, smaller run gets the survey's responses now)."""
    submitted = Response.objects.filter(survey=survey, submitted_at__isnull=False).order_by("pk")
    clone = Survey.objects.filter(family=survey.family, country=country).first()
    if clone is not None:
        if Response.objects.filter(survey=clone, submitted_at__isnull=False).count() == submitted.count():
            return clone
        Response.objects.filter(survey=clone).delete()
    else:
        clone = services.survey_clone(
            survey=survey,
            by=None,
            title=f"{survey.title} ({country})",
            country=country,
            owner=survey.owner,
            default_language="en",
        )
    same = dict(Question.objects.filter(section__survey=clone).values_list("identity", "pk"))
    by_identity = {
        pk: same[identity]
        for pk, identity in Question.objects.filter(section__survey=survey).values_list("pk", "identity")
    }
    last = 0
    while chunk := list(submitted.filter(pk__gt=last)[:1000]):
        last = chunk[-1].pk
        copies = Response.objects.bulk_create(
            Response(
                survey=clone,
                language=r.language,
                region=r.region,
                respondent_kind=r.respondent_kind,
                started_at=r.started_at,
                submitted_at=r.submitted_at,
            )
            for r in chunk
        )
        new_ids = {old.pk: new.pk for old, new in zip(chunk, copies, strict=True)}
        Answer.objects.bulk_create(
            (
                Answer(
                    response_id=new_ids[response_id],
                    question_id=by_identity[question_id],
                    value=value,
                    other_text=other,
                )
                for response_id, question_id, value, other in Answer.objects.filter(
                    response_id__in=new_ids
                ).values_list("response_id", "question_id", "value", "other_text")
            ),
            batch_size=5000,
        )
    return clone


def _latency(timings: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(timings, 0.50) * 1000, 1),
        "p95_ms": round(percentile(timings, 0.95) * 1000, 1),
        "max_ms": round(max(timings) * 1000, 1),
    }


def respondent_client(survey: Survey) -> Client:
    """A browser that came in through the survey's open link and chose English, as a respondent does."""
    raw, digest = token_new()
    Survey.objects.filter(pk=survey.pk).update(open_link_enabled=True, open_link_token=digest)
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", ".localhost")), "localhost")
    # The open link counts responses per address; each run comes from its own.
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    client = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=address)
    link = reverse("surveys:open_link", kwargs={"token": raw})
    for step, response in (
        ("open link", client.post(link, {"website": ""})),
        ("language", client.post(reverse("surveys:answer", kwargs={"pk": survey.pk}), {"language": "en"})),
    ):
        if response.status_code != 302:
            raise CommandError(f"The respondent's {step} answered {response.status_code} instead of a redirect.")
    return client


def page_post(section: Any) -> dict[str, Any]:
    """A valid answer to every question of a page, as the browser posts it."""
    data: dict[str, Any] = {}
    for question in section.questions.all():
        name = f"q{question.pk}"
        values = [choice.value for choice in question.choices.all()]
        match question.kind:
            case Question.Kind.LIKERT:
                data[name] = "4"
            case Question.Kind.SINGLE:
                data[name] = values[1]
            case Question.Kind.MULTIPLE:
                data[name] = values[:2]
            case Question.Kind.YES_NO:
                data[name] = "yes"
            case Question.Kind.NUMBER:
                data[name] = "12"
            case Question.Kind.MATRIX:
                data.update({f"{name}_{value}": str(i % 5 + 1) for i, value in enumerate(values)})
            case Question.Kind.RANKING:
                data.update({f"{name}_{value}": str(i + 1) for i, value in enumerate(values)})
            case _:
                data[name] = "Funding for lighting in parks."
    return data


def _invitation_survey(count: int) -> Survey:
    """A fresh open survey with `count` respondents and no invitations; the last run's survey goes."""
    partnership, ministry = ensure_partnership()
    Survey.objects.filter(partnership=partnership, title=INVITATIONS_TITLE).delete()
    with transaction.atomic():
        survey = Survey.objects.create(
            partnership=partnership,
            owner=ministry,
            country="HR",
            title=INVITATIONS_TITLE,
            default_language="hr",
            languages=["en"],
            translations={"hr": {"title": "Upitnik o sigurnosnim potrebama (mjerenje pozivnica)"}},
        )
        section = survey.sections.create(title="Needs", position=0)
        section.questions.create(kind=Question.Kind.LIKERT, text="Safety is considered in planning.", position=0)
        Respondent.objects.bulk_create(
            (
                Respondent(
                    survey=survey,
                    name=f"Safety officer {n}",
                    email=f"bench-invite-{survey.pk}-{n}@municipality.example",
                    organisation=f"Municipality {n}",
                    region="Split-Dalmatia",
                    language="hr" if n % 4 else "en",
                )
                for n in range(count)
            ),
            batch_size=5000,
        )
    return services.survey_transition(survey=survey, to_state=Survey.State.OPEN, by=None)
