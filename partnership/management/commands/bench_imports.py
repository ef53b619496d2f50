"""Time a large organisation import through its background job, in this process; prints JSON for `make bench`.

The file goes the way a coordinator's upload of more than IMPORT_IN_REQUEST_ROWS rows goes
(`partnership.importing.jobs`): stored, checked by a job (the preview), then imported by the confirm's
job. Celery runs eagerly here, so both jobs run in this process. The organisations it made are then deleted.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from celery import current_app
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from partnership.importing import jobs
from partnership.models import Job, Organisation, Partnership
from partnership.resources import OrganisationResource

IMPORTER = "bench-importer"
KINDS = ("city", "region", "network", "other")


class Command(BaseCommand):
    help = "Time the check and the import of N generated organisation rows through the import's background jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=37_000, help="Rows of the generated file (default 37000).")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = options["rows"]
        partnership = Partnership.objects.order_by("pk").first()
        if partnership is None:
            raise CommandError("no partnership: run generate_partners first")
        user, _created = get_user_model().objects.get_or_create(
            username=IMPORTER, defaults={"is_superuser": True, "is_staff": True}
        )
        prefix = f"Bench import {uuid.uuid4().hex[:8]}"
        lines = ["name,short_name,kind,country,website,parent"]
        lines += [f"{prefix} {n},BI{n},{KINDS[n % len(KINDS)]},HR,https://example.org/{n}," for n in range(rows)]
        data = ("\n".join(lines) + "\n").encode()
        current_app.conf.task_always_eager = True  # both jobs run here, as a worker would run them
        resource = f"{OrganisationResource.__module__}.{OrganisationResource.__qualname__}"
        started = time.perf_counter()
        check = jobs.import_check_request(
            data=data,
            file_name="bench.csv",
            resource=resource,
            format_index=0,
            admin="partnership.organisation",
            partnership=partnership,
            chosen=None,
            by=user,
        )
        checked = time.perf_counter()
        check.refresh_from_db()
        if check.state != Job.State.DONE or check.result.get("has_validation_errors"):
            raise CommandError(f"the check did not pass: {check.state} {check.error}")
        imported_job = jobs.import_confirm_request(check=check, by=user)
        finished = time.perf_counter()
        imported_job.refresh_from_db()
        imported = Organisation.objects.filter(name__startswith=prefix).count()
        if imported_job.state != Job.State.DONE or imported != rows:
            raise CommandError(f"the import did not finish: {imported_job.state} {imported_job.error}; {imported} rows")
        Organisation.objects.filter(name__startswith=prefix).delete()
        Job.objects.filter(pk__in=(check.pk, imported_job.pk)).delete()
        self.stdout.write(
            json.dumps(
                {
                    "rows": rows,
                    "imported": imported,
                    "check_seconds": round(checked - started, 2),
                    "import_seconds": round(finished - checked, 2),
                    "seconds": round(finished - started, 2),
                    "rows_per_second": round(2 * rows / (finished - started)),
                }
            )
        )
