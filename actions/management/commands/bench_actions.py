"""Time the action search, the streamed export and the Teaser import in one process; prints JSON for `make bench`.

Each figure runs in its own process (`--search`, `--export`, `--import N`), so the export's peak
memory is not inflated by what the other figures loaded.
"""

from __future__ import annotations

import json
import resource
import statistics
import tempfile
import time
from typing import Any

import tablib
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from actions import exports, selectors
from actions.management.commands.generate_actions import ensure_partnership
from actions.models import Action
from actions.resources import ActionResource
from partnership.models import Partnership

IMPORT_LABEL = "import"
IMPORTER = "bench-importer"


def teaser_code(number: int) -> str:
    """A distinct valid code (A-07 style: at most four digits) for each row: TA-1 ... TA-9999, TB-0 ..."""
    return f"T{chr(ord('A') + number // 10_000)}-{number % 10_000}"


def peak_rss_kb() -> int:
    # Linux reports ru_maxrss in kilobytes.
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


class Command(BaseCommand):
    help = "Benchmark figures of the actions app: search selector, streamed CSV export, Teaser import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--search", nargs="+", metavar="WORD", help="Time the long-list search for each word.")
        parser.add_argument("--partnership", default="bench-1", help="Partnership searched (default bench-1).")
        parser.add_argument("--export", action="store_true", help="Export all actions (see --format, --rows).")
        parser.add_argument(
            "--rows", type=int, help="Export only the first N actions (by id), to compare peak RSS across sizes."
        )
        parser.add_argument(
            "--format", choices=["csv", "xlsx"], default="csv", help="The export measured: CSV lines or the XLSX file."
        )
        parser.add_argument("--import", dest="import_rows", type=int, help="Import N generated Teaser rows.")
        parser.add_argument("--runs", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["search"]:
            result = self.search(options["partnership"], options["search"], options["runs"])
        elif options["export"]:
            result = self.export(options["rows"], options["format"])
        elif options["import_rows"]:
            result = self.import_rows(options["import_rows"])
        else:
            raise CommandError("Say what to measure: --search WORD..., --export or --import N.")
        self.stdout.write(json.dumps(result))

    def search(self, slug: str, words: list[str], runs: int) -> dict[str, Any]:
        """The visitor's searched long list as the page reads it: the match count and the first 25 by rank."""
        partnership = Partnership.objects.get(slug=slug)
        visitor = AnonymousUser()
        figures = {}
        for word in words:
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                queryset = selectors.long_list(
                    user=visitor, partnership=partnership, filters={"q": word}, sort="relevance"
                )
                matches = queryset.count()
                list(queryset[:25])
                timings.append(time.perf_counter() - started)
            figures[word] = {"matches": matches, "median_ms": round(statistics.median(timings) * 1000, 2)}
        return {"partnership": slug, "actions": partnership.actions.count(), "search": figures}

    def export(self, limit: int | None, fmt: str) -> dict[str, Any]:
        actions = Action.objects.order_by("pk")
        if limit is not None:
            actions = actions.filter(pk__in=Action.objects.order_by("pk").values("pk")[:limit])
        before = peak_rss_kb()
        started = time.perf_counter()
        lines = 0
        size = 0
        if fmt == "xlsx":
            with tempfile.TemporaryFile() as handle:
                lines = exports.write_xlsx(actions, handle) + 1
                size = handle.tell()
        else:
            for line in exports.csv_lines(actions):
                lines += 1
                size += len(line.encode())
        seconds = time.perf_counter() - started
        after = peak_rss_kb()
        return {
            "format": fmt,
            "rows": lines - 1,
            "megabytes": round(size / 1_000_000, 1),
            "seconds": round(seconds, 2),
            "peak_rss_before_kb": before,
            "peak_rss_after_kb": after,
            "peak_rss_growth_kb": after - before,
        }

    def import_rows(self, count: int) -> dict[str, Any]:
        partnership, areas, pillars, members = ensure_partnership(IMPORT_LABEL)
        # Start from an empty long list each time, so repeated runs measure the same import.
        partnership.actions.all().delete()
        user, created = get_user_model().objects.get_or_create(username=IMPORTER)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        dataset = tablib.Dataset(
            headers=["code", "title", "problem", "description", "priority_area", "pillar", "level", "proposed_by"]
        )
        for n in range(1, count + 1):
            dataset.append(
                [
                    teaser_code(n),
                    f"Teaser proposal {n}: safer public squares",
                    "Crowded squares are exposed during events.",
                    "Proposed at the Teaser Session.",
                    areas[n % len(areas)].name,
                    pillars[n % len(pillars)].name if n % 4 else "",
                    ["local", "regional", "national", "eu"][n % 4],
                    members[n % len(members)].name,
                ]
            )
        resource_ = ActionResource(partnership=partnership, user=user)
        started = time.perf_counter()
        result = resource_.import_data(dataset, dry_run=False, raise_errors=False)
        seconds = time.perf_counter() - started
        if result.has_errors() or result.has_validation_errors():
            raise CommandError(f"the generated Teaser rows did not import: {result.totals}")
        return {
            "rows": count,
            "imported": partnership.actions.count(),
            "seconds": round(seconds, 2),
            "rows_per_second": round(count / seconds, 1) if seconds else 0.0,
        }
