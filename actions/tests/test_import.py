"""The Teaser Session sheet imported through the admin (django-import-export), as a coordinator does it."""

import io
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from actions.models import Action, ActionEvent
from actions.tests.factories import ActionFactory, member_organisation
from partnership.models import Membership, OutboundMessage
from partnership.tests.factories import PartnershipFactory, PillarFactory, PriorityAreaFactory, member_user

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:actions_action_import")
PROCESS_URL = reverse("admin:actions_action_process_import")
HEADER = "title,problem,priority_area,pillar,level,proposed_by\n"


@pytest.fixture
def teaser(partnership):
    """The partnership's areas, pillar and two proposing members, named as the sheet names them."""
    PriorityAreaFactory(partnership=partnership, name="Urban planning and design")
    PriorityAreaFactory(partnership=partnership, name="Technology for smart and secure cities")
    PillarFactory(partnership=partnership, name="Better knowledge")
    member_organisation(partnership, name="City of Nice", short_name="Nice")
    member_organisation(partnership, name="City of Helsinki", short_name="Helsinki")
    return partnership


@pytest.fixture
def admin_client(client, coordinator):
    client.force_login(coordinator)
    return client


def page_text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def format_index(client, name):
    form = client.get(IMPORT_URL).context["form"]
    for value, label in form.fields["format"].choices:
        if label.lower() == name:
            return value
    raise AssertionError(f"no {name} format")


def upload(client, partnership, content, *, name="teaser.csv", fmt="csv"):
    file = SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)
    data = {"resource": "0", "format": format_index(client, fmt), "import_file": file}
    if partnership is not None:
        data["partnership"] = partnership.pk
    return client.post(IMPORT_URL, data)


def confirm(client, preview):
    form = preview.context["confirm_form"]
    assert form is not None, "no confirm form: the preview found errors"
    return client.post(PROCESS_URL, {name: form[name].value() for name in form.fields}, follow=True)


def invalid_rows(response):
    """{row number: the errors named for it} from the preview's table of invalid rows."""
    table = re.search(r"<table class=\"import-preview\">.*?</table>", response.content.decode(), re.S)
    assert table, "no table of invalid rows"
    rows = {}
    for number, cell in re.findall(
        r"<tr>\s*<td>\s*(\d+)\s*</td>\s*<td class=\"errors\">(.*?)</td>", table.group(0), re.S
    ):
        rows[int(number)] = " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
    return rows


TEASER = (
    HEADER
    + "Security by design guidance,Planners lack guidance.,Urban planning and design,Better knowledge,EU,City of Nice\n"
    + "Safety audits,Residents are not heard.,urban planning and design,,local,Helsinki\n"
)


def test_the_import_page_offers_only_the_coordinators_partnerships(admin_client, teaser):
    PartnershipFactory(name="Culture and Cultural Heritage")

    response = admin_client.get(IMPORT_URL)

    assert response.status_code == 200
    choices = [label for value, label in response.context["form"].fields["partnership"].choices if value]
    assert choices == [teaser.name]


def test_a_partner_cannot_open_the_import(client, partner):
    client.force_login(partner)

    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_dry_run_preview_then_confirm_creates_proposed_actions_with_events(admin_client, coordinator, teaser):
    preview = upload(admin_client, teaser, TEASER)

    assert preview.status_code == 200
    assert not Action.objects.exists()
    assert not ActionEvent.objects.exists()
    assert "Security by design guidance" in page_text(preview)
    assert preview.context["confirm_form"]["partnership"].value() == teaser.pk

    done = confirm(admin_client, preview)

    assert done.status_code == 200
    actions = {action.title: action for action in Action.objects.select_related("owner", "priority_area", "pillar")}
    assert set(actions) == {"Security by design guidance", "Safety audits"}
    nice = actions["Security by design guidance"]
    assert (nice.partnership, nice.state, nice.owner.short_name, nice.level) == (teaser, "proposed", "Nice", "eu")
    assert (nice.priority_area.name, nice.pillar.name, nice.created_by) == (
        "Urban planning and design",
        "Better knowledge",
        coordinator,
    )
    assert actions["Safety audits"].pillar is None
    for action in actions.values():
        [event] = ActionEvent.objects.filter(action=action)
        assert (event.kind, event.to_state, event.by) == ("created", "proposed", coordinator)
    assert "Security by design guidance" in page_text(admin_client.get(reverse("admin:actions_action_changelist")))


def test_coded_rows_come_in_long_listed_and_keep_their_codes(admin_client, teaser):
    content = (
        "code," + HEADER + "a-07,Lighting,Dark streets.,Technology for smart and secure cities,,,Nice\n"
        ",Crowd apps,Events are crowded.,Technology for smart and secure cities,,,Nice\n"
    )

    confirm(admin_client, upload(admin_client, teaser, content))

    assert dict(Action.objects.values_list("title", "code")) == {"Lighting": "A-07", "Crowd apps": ""}
    assert dict(Action.objects.values_list("title", "state")) == {"Lighting": "long_listed", "Crowd apps": "proposed"}


def test_an_xlsx_sheet_imports_too(admin_client, teaser):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["title", "problem", "priority_area", "pillar", "level", "proposed_by"])
    sheet.append(["Lighting", "Dark streets.", "Urban planning and design", "Better knowledge", "local", "Nice"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    confirm(admin_client, upload(admin_client, teaser, buffer.getvalue(), name="teaser.xlsx", fmt="xlsx"))

    assert list(Action.objects.values_list("title", "state")) == [("Lighting", "proposed")]


def test_an_unknown_priority_area_imports_nothing_and_names_the_row(admin_client, teaser):
    content = TEASER + "Drones,Drones are noisy.,Air space,,,Nice\n"

    preview = upload(admin_client, teaser, content)

    assert preview.context.get("confirm_form") is None
    rows = invalid_rows(preview)
    assert list(rows) == [3]
    assert rows[3].startswith("1 priority_area Unknown priority area “Air space”; this partnership has:")
    assert not Action.objects.exists()


def test_a_row_without_problem_or_priority_area_imports_nothing_and_names_the_row(admin_client, teaser):
    content = TEASER + "Drones,,,,,Nice\n"

    preview = upload(admin_client, teaser, content)

    assert preview.context.get("confirm_form") is None
    rows = invalid_rows(preview)
    assert list(rows) == [3]
    assert "problem" in rows[3] and "priority_area" in rows[3] and "This field is required." in rows[3]
    assert not Action.objects.exists()


def test_a_code_twice_in_the_file_imports_nothing_and_names_the_row(admin_client, teaser):
    content = (
        "code," + HEADER + "A-01,Lighting,Dark streets.,Urban planning and design,,,Nice\n"
        "A-02,Audits,Not heard.,Urban planning and design,,,Nice\n"
        "a-01,Cameras,Misused.,Urban planning and design,,,Helsinki\n"
    )

    preview = upload(admin_client, teaser, content)

    assert preview.context.get("confirm_form") is None
    rows = invalid_rows(preview)
    assert list(rows) == [3]
    assert "The code A-01 appears twice in the file." in rows[3]
    assert not Action.objects.exists()


def test_a_code_not_like_a_07_imports_nothing(admin_client, teaser):
    content = "code," + HEADER + "Action 7,Lighting,Dark streets.,Urban planning and design,,,Nice\n"

    preview = upload(admin_client, teaser, content)

    assert "The code ACTION 7 is not of the form A-07" in invalid_rows(preview)[1]
    assert not Action.objects.exists()


def test_a_code_already_used_imports_nothing_and_names_the_row(admin_client, teaser):
    ActionFactory(partnership=teaser, code="A-05", state="long_listed", title="Existing")
    content = (
        "code," + HEADER + "A-04,Lighting,Dark streets.,Urban planning and design,,,Nice\n"
        "A-05,Audits,Not heard.,Urban planning and design,,,Nice\n"
    )

    preview = upload(admin_client, teaser, content)

    assert preview.context.get("confirm_form") is None
    rows = invalid_rows(preview)
    assert list(rows) == [2]
    assert "already has this code" in rows[2]
    assert list(Action.objects.values_list("title", flat=True)) == ["Existing"]


def test_a_code_used_in_another_partnership_is_fine(admin_client, teaser):
    ActionFactory(code="A-01", state="long_listed")

    confirm(
        admin_client,
        upload(admin_client, teaser, "code," + HEADER + "A-01,Lighting,Dark.,Urban planning and design,,,Nice\n"),
    )

    assert Action.objects.filter(partnership=teaser, code="A-01").exists()


def test_a_proposer_outside_the_partnership_is_named(admin_client, teaser):
    member_organisation(PartnershipFactory(), name="City of Turin")

    preview = upload(admin_client, teaser, HEADER + "Lighting,Dark.,Urban planning and design,,,City of Turin\n")

    assert "“City of Turin” is not a member organisation of this partnership" in invalid_rows(preview)[1]
    # Labelled with the file's column, not the model's field ("owner").
    labels = re.findall(r'class="validation-error-field-label">\s*(.*?)\s*<', preview.content.decode())
    assert labels == ["proposed_by"]
    assert not Action.objects.exists()


def test_the_confirm_step_cannot_import_into_a_partnership_the_user_does_not_run(admin_client, teaser):
    preview = upload(admin_client, teaser, TEASER)
    other = PartnershipFactory()
    PriorityAreaFactory(partnership=other, name="Urban planning and design")
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}

    response = admin_client.post(PROCESS_URL, {**data, "partnership": other.pk})

    assert response.status_code == 200
    assert "partnership" in response.context["confirm_form"].errors
    assert not Action.objects.exists()


def test_importing_needs_a_partnership(admin_client, teaser):
    response = upload(admin_client, None, TEASER)

    assert response.status_code == 200
    assert response.context["form"].errors["partnership"] == ["This field is required."]
    assert not Action.objects.exists()


def test_a_file_with_other_columns_says_which_are_missing(admin_client, teaser):
    response = upload(admin_client, teaser, "name,email,problem\nAna,ana@example.org,Dark streets\n")

    assert response.status_code == 200
    assert "The file lacks the columns: title, priority_area, proposed_by." in page_text(response)
    assert "Traceback" not in page_text(response)
    assert response.context.get("confirm_form") is None
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        "",
        "\n",
        "title\n",
        "name,email,organisation\nAna,ana@example.org,Nice\n",
        HEADER,
        "\x00\x01\x02 not a sheet",
        b"\xff\xfe\x00garbage",
    ],
    ids=["empty", "blank-line", "title-only", "wrong-columns", "header-only", "binary", "not-utf8"],
)
def test_wrong_or_empty_files_never_answer_500_and_import_nothing(admin_client, teaser, content):
    response = upload(admin_client, teaser, content)

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert not Action.objects.exists()


def test_a_secretariat_member_imports_too(client, teaser):
    secretariat = member_user(teaser, Membership.Role.SECRETARIAT)
    client.force_login(secretariat)

    confirm(client, upload(client, teaser, TEASER))

    assert Action.objects.filter(partnership=teaser).count() == 2


# A long list kept elsewhere: states, leaders, contributors, a source; any file; every error at once.

LONG_LIST_HEADER = "code;title;problem;priority_area;proposed_by;state;leader;contributors;source\n"


def test_a_long_list_imports_states_leaders_contributors_and_sources_without_mail(
    admin_client, coordinator, teaser, mailoutbox
):
    efus = member_organisation(teaser, name="European Forum for Urban Security", short_name="Efus")
    content = (
        "\ufeff"
        + LONG_LIST_HEADER
        + "A-03;Security by design;Planners lack guidance.;Urban planning and design;Nice;Adopted;Nice;"
        '"Helsinki; efus";https://example.org/long-list#A-03\n'
        + ";Safety audits;Residents are not heard.;Urban planning and design;Helsinki;under discussion;;;\n"
        + ";Crowd apps;Events are crowded.;Urban planning and design;Helsinki;;;;\n"
        + ";Drones;Drones are noisy.;Urban planning and design;Nice;dropped;;;\n"
    )
    preview = upload(admin_client, teaser, content)
    assert preview.context.get("confirm_form") is not None, page_text(preview)
    assert "Row 2: Gets the code A-04: an action “Under discussion” has one." in page_text(preview)
    assert "City of Helsinki; European Forum for Urban Security https://example.org/long-list#A-03" in page_text(
        preview
    )
    assert not Action.objects.exists()

    confirm(admin_client, preview)

    actions = {action.title: action for action in Action.objects.select_related("leader")}
    assert {title: (a.code, a.state) for title, a in actions.items()} == {
        "Security by design": ("A-03", "adopted"),
        "Safety audits": ("A-04", "under_discussion"),
        "Crowd apps": ("", "proposed"),
        "Drones": ("", "dropped"),
    }
    adopted = actions["Security by design"]
    assert adopted.leader.short_name == "Nice"
    assert set(adopted.contributors.values_list("short_name", flat=True)) == {"Helsinki", "Efus"}
    [event] = ActionEvent.objects.filter(action=adopted)
    assert (event.kind, event.from_state, event.to_state, event.by, event.reason) == (
        "created",
        "",
        "adopted",
        coordinator,
        "imported",
    )
    assert event.changes == {"source": ["", "https://example.org/long-list#A-03"]}
    assert efus in adopted.contributors.all()
    # Imported in their states, not moved there: nobody is told.
    assert mailoutbox == []
    assert not OutboundMessage.objects.exists()
    page = page_text(admin_client.get(reverse("actions:detail", args=[adopted.pk])))
    assert "Source: – → https://example.org/long-list#A-03" in page


def test_all_of_a_long_list_rows_errors_are_listed_with_the_allowed_values(admin_client, teaser):
    content = (
        LONG_LIST_HEADER.replace("source", "level;source")
        + 'Action 7;Lighting;;Air space;Turin;finished;Atlantis;"Nice; Gotham";galactic;not a link\n'
    )
    preview = upload(admin_client, teaser, content)

    assert preview.context.get("confirm_form") is None
    [row] = preview.context["result"].invalid_rows
    assert set(row.error_dict) == {
        "code",
        "problem",
        "priority_area",
        "proposed_by",
        "state",
        "leader",
        "contributors",
        "level",
        "source",
    }
    rows = invalid_rows(preview)
    assert "The code ACTION 7 is not of the form A-07" in rows[1]
    assert (
        "“finished” is not one of the allowed values: proposed, long_listed, under_discussion, selected, drafting, "
        "public_feedback, adopted, in_implementation, completed, withdrawn, dropped." in rows[1]
    )
    assert "“galactic” is not one of the allowed values: eu, national, regional, local." in rows[1]
    assert "“Atlantis” is not a member organisation of this partnership." in rows[1]
    assert "“Gotham” is not a member organisation of this partnership." in rows[1]
    assert "“not a link” is not a web address" in rows[1]
    assert not Action.objects.exists()


def test_a_leader_or_contributor_of_another_partnership_is_refused(admin_client, teaser):
    member_organisation(PartnershipFactory(), name="City of Turin", short_name="Turin")
    content = LONG_LIST_HEADER + "A-01;Lighting;Dark.;Urban planning and design;Nice;selected;Turin;Turin;\n"

    rows = invalid_rows(upload(admin_client, teaser, content))

    assert rows[1].count("“Turin” is not a member organisation of this partnership.") == 2
    assert not Action.objects.exists()


def test_missing_columns_are_named_in_a_sentence_not_a_python_list(admin_client, teaser):
    response = upload(admin_client, teaser, "title;problem\nLighting;Dark.\n")

    page = page_text(response)
    assert "The file lacks the columns: priority_area, proposed_by." in page
    assert "['" not in page
    assert response.context.get("confirm_form") is None


def test_a_latin_1_long_list_is_named_not_a_unicode_decode_error(admin_client, teaser):
    content = (
        HEADER + "Piazze sicure,Le piazze sono esposte.,Urban planning and design,,local,Città di Nizza\n"
    ).encode("cp1252")

    page = page_text(upload(admin_client, teaser, content))

    assert "it seems to be in Latin-1 (Windows-1252, Western European), where row 1 reads “Città”" in page
    assert "UnicodeDecodeError" not in page
    assert not Action.objects.exists()


def test_empty_cells_of_a_workbook_are_errors_in_words_not_database_errors(admin_client, teaser):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["title", "problem", "description", "priority_area", "pillar", "level", "proposed_by"])
    sheet.append(["Lighting", "Dark streets.", None, "Urban planning and design", None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    preview = upload(admin_client, teaser, buffer.getvalue(), name="teaser.xlsx", fmt="xlsx")

    rows = invalid_rows(preview)
    assert list(rows) == [1]
    assert "proposed_by This column needs an organisation's name or short name." in rows[1]
    assert "null value" not in page_text(preview) and "IntegrityError" not in page_text(preview)
    assert not Action.objects.exists()
