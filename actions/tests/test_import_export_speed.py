"""The Teaser import and the exports cost a fixed number of queries, however many rows they carry."""

import io
import json
from io import StringIO

import pytest
import tablib
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from actions import exports
from actions.models import Action, ActionEvent
from actions.resources import ActionResource
from actions.tests.factories import ActionFactory, member_organisation
from actions.tests.test_import import HEADER, PROCESS_URL, confirm, upload
from partnership.models import AuditLog
from partnership.tests.factories import PillarFactory, PriorityAreaFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["code", "title", "problem", "description", "priority_area", "pillar", "level", "proposed_by"]


@pytest.fixture
def sheet(partnership):
    """The partnership's areas, pillar and members, named as the Teaser sheet names them."""
    PriorityAreaFactory(partnership=partnership, name="Urban planning and design")
    PriorityAreaFactory(partnership=partnership, name="Technology for smart and secure cities")
    PillarFactory(partnership=partnership, name="Better knowledge")
    member_organisation(partnership, name="City of Nice", short_name="Nice")
    member_organisation(partnership, name="City of Helsinki", short_name="Helsinki")
    return partnership


def teaser_rows(count, *, first=1, bad_area_at=None):
    """Rows as a coordinator types them: every other one coded, names in any case, short names too."""
    dataset = tablib.Dataset(headers=COLUMNS)
    for n in range(first, first + count):
        dataset.append(
            [
                f"T-{n}" if n % 2 else "",
                f"Proposal {n}",
                "Squares are exposed.",
                "",
                "Air space"
                if n == bad_area_at
                else ["urban planning and design", "Technology for smart and secure cities"][n % 2],
                "better KNOWLEDGE" if n % 3 else "",
                ["local", "EU"][n % 2],
                ["Nice", "city of helsinki"][n % 2],
            ]
        )
    return dataset


def run_import(partnership, user, dataset, *, dry_run):
    result = ActionResource(partnership=partnership, user=user).import_data(dataset, dry_run=dry_run)
    return result


@pytest.mark.parametrize("dry_run", [True, False], ids=["preview", "import"])
def test_an_import_of_100_rows_costs_the_queries_of_an_import_of_10(sheet, coordinator, dry_run, uses_postgres):
    # PostgreSQL only: SQLite's limit of bound variables splits bulk inserts into batches of a few dozen rows.
    with CaptureQueriesContext(connection) as ten:
        result = run_import(sheet, coordinator, teaser_rows(10), dry_run=dry_run)
    assert not result.has_errors() and not result.has_validation_errors()
    with CaptureQueriesContext(connection) as hundred:
        result = run_import(sheet, coordinator, teaser_rows(100, first=11), dry_run=dry_run)
    assert not result.has_errors() and not result.has_validation_errors()

    assert len(hundred) == len(ten) < 20
    assert Action.objects.count() == (0 if dry_run else 110)


def test_each_imported_action_has_its_created_event_and_audit_entry(sheet, coordinator):
    result = run_import(sheet, coordinator, teaser_rows(4), dry_run=False)

    assert result.totals["new"] == 4
    actions = list(Action.objects.order_by("title"))
    assert [(a.title, a.code, a.state) for a in actions] == [
        ("Proposal 1", "T-1", "long_listed"),
        ("Proposal 2", "", "proposed"),
        ("Proposal 3", "T-3", "long_listed"),
        ("Proposal 4", "", "proposed"),
    ]
    for action in actions:
        [event] = ActionEvent.objects.filter(action=action)
        assert (event.kind, event.by, event.to_state, event.reason) == (
            "created",
            coordinator,
            action.state,
            "imported",
        )
        [entry] = AuditLog.objects.filter(model="actions.action", object_id=str(action.pk))
        assert (entry.actor, entry.verb, entry.object_repr) == (coordinator, "import", str(action))
    assert actions[0].owner.name == "City of Helsinki"
    assert actions[1].owner.name == "City of Nice"
    assert actions[0].pillar.name == "Better knowledge"
    assert actions[2].pillar is None
    assert {a.created_by for a in actions} == {coordinator}


def test_a_member_named_like_another_members_short_name_wins_by_its_name(sheet, coordinator):
    named_nice = member_organisation(sheet, name="NICE", short_name="NICE-EU")
    dataset = tablib.Dataset(
        ["", "Lighting", "Dark.", "", "Urban planning and design", "", "", "nice"], headers=COLUMNS
    )

    run_import(sheet, coordinator, dataset, dry_run=False)

    assert Action.objects.get().owner == named_nice


def test_a_bad_row_at_the_real_import_imports_nothing_of_the_file(sheet, coordinator):
    result = run_import(sheet, coordinator, teaser_rows(30, bad_area_at=17), dry_run=False)

    assert [row.number for row in result.invalid_rows] == [17]
    assert "Unknown priority area “Air space”" in str(result.invalid_rows[0].error_dict["priority_area"])
    assert not Action.objects.exists()
    assert not ActionEvent.objects.exists()
    assert not AuditLog.objects.filter(verb="import").exists()


def test_a_code_taken_between_preview_and_confirm_imports_nothing_and_says_why(client, coordinator, sheet):
    client.force_login(coordinator)
    content = (
        "code," + HEADER + "A-04,Lighting,Dark streets.,Urban planning and design,,,Nice\n"
        "A-05,Audits,Not heard.,Urban planning and design,,,Nice\n"
    )
    preview = upload(client, sheet, content)
    ActionFactory(partnership=sheet, code="A-05", state="long_listed", title="Existing")

    done = confirm(client, preview)

    assert done.redirect_chain[-1][0].endswith("/import/")
    [message] = [str(m) for m in get_messages(done.wsgi_request)] or [""]
    assert message.startswith("Nothing was imported.")
    assert "row 2: Another action of this partnership already has this code." in message
    assert list(Action.objects.values_list("title", flat=True)) == ["Existing"]
    assert not ActionEvent.objects.exists()
    assert PROCESS_URL not in done.redirect_chain[-1][0]


def test_export_rows_read_the_same_queries_for_30_actions_as_for_3(partnership, area):
    contributors = [member_organisation(partnership, name=name) for name in ("Zagreb", "Antwerp")]
    ActionFactory.create_batch(3, partnership=partnership, priority_area=area, contributors=contributors)

    def exported():
        with CaptureQueriesContext(connection) as queries:
            rows = list(exports.rows(Action.objects.order_by("pk")))
        return rows, queries

    three, three_queries = exported()
    ActionFactory.create_batch(27, partnership=partnership, priority_area=area)
    thirty, thirty_queries = exported()

    assert len(three) == 3 and len(thirty) == 30
    assert len(thirty_queries) == len(three_queries) <= 3
    assert not any("search_document" in query["sql"] for query in thirty_queries.captured_queries)
    assert [row["contributors"] for row in thirty[:4]] == ["Antwerp; Zagreb"] * 3 + [""]
    assert (thirty[0]["pillar"], thirty[0]["leader"], thirty[0]["priority_area"]) == ("", "", area.name)


def test_open_data_rows_leave_out_the_proposer(partnership, area, pillar):
    leader = member_organisation(partnership, name="Eurocities")
    action = ActionFactory(partnership=partnership, priority_area=area, pillar=pillar, leader=leader, code="A-01")

    [row] = exports.rows(Action.objects.all(), public=True)

    assert list(row) == exports.PUBLIC_COLUMNS
    assert (row["code"], row["pillar"], row["leader"]) == ("A-01", pillar.name, "Eurocities")
    assert row["updated_at"] == action.updated_at.isoformat()


def test_the_xlsx_written_row_by_row_reads_back(partnership, area):
    ActionFactory.create_batch(5, partnership=partnership, priority_area=area)
    handle = io.BytesIO()

    written = exports.write_xlsx(Action.objects.order_by("pk"), handle)

    values = list(load_workbook(io.BytesIO(handle.getvalue()), read_only=True).active.iter_rows(values_only=True))
    assert written == 5
    assert list(values[0]) == exports.COLUMNS
    assert [row[1] for row in values[1:]] == list(Action.objects.order_by("pk").values_list("title", flat=True))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_benchmark_measures_the_first_n_actions(partnership, area, fmt):
    ActionFactory.create_batch(12, partnership=partnership, priority_area=area)
    out = StringIO()

    call_command("bench_actions", "--export", "--rows", "7", "--format", fmt, stdout=out)

    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (figures["format"], figures["rows"]) == (fmt, 7)
    assert figures["peak_rss_after_kb"] >= figures["peak_rss_before_kb"] > 0
