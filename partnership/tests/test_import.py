"""Imports through the admin's django-import-export views, as a coordinator would use them."""

import io
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from partnership.models import AuditLog, Membership, Organisation, Person
from partnership.tests.factories import MembershipFactory, OrganisationFactory, PartnershipFactory, member_user

pytestmark = pytest.mark.django_db

CSV, XLSX = "0", "1"
PEOPLE_HEADER = "name,email,organisation,role_title,language\n"
ORGANISATION_HEADER = "name,short_name,kind,country,website,parent\n"


@pytest.fixture
def partnership():
    return PartnershipFactory(name="Security in Public Spaces")


@pytest.fixture
def coordinator(client, partnership):
    user = member_user(partnership, role=Membership.Role.COORDINATOR)
    client.force_login(user)
    return user


@pytest.fixture
def zagreb(partnership):
    return MembershipFactory(partnership=partnership, organisation=OrganisationFactory(name="Grad Zagreb")).organisation


def text(response):
    """The page's visible text, tags removed and whitespace folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def invalid_row_numbers(response):
    """The row numbers in the page's table of rows that failed to validate."""
    table = re.search(r'<table class="import-preview">.*?</table>', response.content.decode(), re.S)
    assert table, "no table of invalid rows"
    return [int(n) for n in re.findall(r"<tr>\s*<td>\s*(\d+)\s*</td>", table.group(0))]


def upload(client, model, content, *, name="data.csv", fmt=CSV):
    file = SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)
    return client.post(
        reverse(f"admin:partnership_{model}_import"), {"resource": "0", "format": fmt, "import_file": file}
    )


def confirm(client, model, preview):
    form = preview.context["confirm_form"]
    return client.post(reverse(f"admin:partnership_{model}_process_import"), form.initial, follow=True)


def xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_import_page_answers_coordinator(client, coordinator):
    response = client.get(reverse("admin:partnership_person_import"))
    assert response.status_code == 200
    assert 'name="import_file"' in response.text


def test_partner_cannot_reach_the_import(client, partnership):
    client.force_login(member_user(partnership))
    response = client.get(reverse("admin:partnership_person_import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_people_csv_with_unknown_organisation_imports_nothing_and_names_the_row(client, coordinator, zagreb):
    people_before = Person.objects.count()
    response = upload(
        client,
        "person",
        PEOPLE_HEADER + "Ana Horvat,ana@zagreb.hr,Grad Zagreb,Adviser,hr\nNemo Nobody,nemo@example.org,Atlantis,,en\n",
    )
    assert response.status_code == 200
    page = text(response)
    assert "No organisation is called “Atlantis”." in page
    assert invalid_row_numbers(response) == [2]
    assert "confirm_form" not in response.context
    assert Person.objects.count() == people_before
    assert not AuditLog.objects.filter(model="partnership.person").exists()


def test_people_csv_with_invalid_email_imports_nothing_and_names_the_row(client, coordinator, zagreb):
    people_before = Person.objects.count()
    response = upload(
        client,
        "person",
        PEOPLE_HEADER + "Ana Horvat,ana@zagreb.hr,Grad Zagreb,,hr\nIvo Ivić,ivo-at-zagreb,Grad Zagreb,,hr\n",
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in text(response)
    assert invalid_row_numbers(response) == [2]
    assert "confirm_form" not in response.context
    assert Person.objects.count() == people_before


def test_organisations_csv_with_unknown_country_is_a_row_error(client, coordinator):
    response = upload(
        client,
        "organisation",
        ORGANISATION_HEADER + "Grad Split,Split,city,HR,,\nNowhere City,,city,XX,,\n",
    )
    assert response.status_code == 200
    assert "Unknown country “XX”" in text(response)
    assert invalid_row_numbers(response) == [2]
    assert not Organisation.objects.filter(name="Grad Split").exists()


@pytest.mark.parametrize(
    ("model", "content", "message"),
    [
        ("person", "colour,size\nred,large\n", "The file needs the columns name, email, organisation"),
        ("person", "Name,E-mail,Organisation\nAna,ana@zagreb.hr,Grad Zagreb\n", "needs the columns email in"),
        ("organisation", "colour,size\nred,large\n", "The file needs the columns name, kind in its first row"),
        ("person", "", "The submitted file is empty."),
        ("person", "name,email,organisation\n", "No valid data to import"),
    ],
)
def test_wrong_columns_or_empty_file_gives_a_clear_message(client, coordinator, model, content, message):
    response = upload(client, model, content)
    assert response.status_code == 200
    assert message in text(response)
    assert "Traceback" not in response.text
    assert "confirm_form" not in response.context


@pytest.mark.parametrize(
    "content",
    [
        (PEOPLE_HEADER + "Ana Horvat,ana@zagreb.hr,Grad Zagreb,,hr\n").encode("utf-16"),
        PEOPLE_HEADER.encode() + b"Ivo Ivi\xe6,ivo@zagreb.hr,Grad Zagreb,,hr\n",
    ],
    ids=["utf-16", "cp1250"],
)
def test_file_in_another_encoding_gives_a_clear_message(client, coordinator, zagreb, content):
    people_before = Person.objects.count()
    response = upload(client, "person", content)
    assert response.status_code == 200
    assert "UTF-8" in text(response)
    assert Person.objects.count() == people_before


def test_xlsx_file_uploaded_as_csv_gives_a_clear_message(client, coordinator, zagreb):
    content = xlsx([["name", "email", "organisation"], ["Ana Horvat", "ana@zagreb.hr", "Grad Zagreb"]])
    response = upload(client, "person", content, name="people.xlsx", fmt=CSV)
    assert response.status_code == 200
    assert "UTF-8" in text(response) or "format" in text(response)
    assert "confirm_form" not in response.context


def test_broken_xlsx_file_gives_a_clear_message(client, coordinator):
    response = upload(client, "person", b"PK\x03\x04 this is not a workbook", name="people.xlsx", fmt=XLSX)
    assert response.status_code == 200
    assert "Ensure you have chosen the correct format for the file." in text(response)


def test_xlsx_file_imports(client, coordinator, zagreb):
    content = xlsx(
        [["name", "email", "organisation", "role_title", "language"], ["Ana Horvat", "ana@zagreb.hr", "Grad Zagreb"]]
    )
    preview = upload(client, "person", content, name="people.xlsx", fmt=XLSX)
    assert preview.status_code == 200
    assert "confirm_form" in preview.context, text(preview)
    confirm(client, "person", preview)
    assert Person.objects.get(email="ana@zagreb.hr").organisation == zagreb


def test_good_people_csv_previews_then_imports_on_confirm_and_is_audited(client, coordinator, zagreb):
    csv = PEOPLE_HEADER + "Ana Horvat,Ana@Zagreb.HR,Grad Zagreb,Adviser,hr\nIvo Ivić,ivo@zagreb.hr,grad zagreb,,\n"
    preview = upload(client, "person", csv)
    assert preview.status_code == 200
    page = text(preview)
    assert "Preview" in page
    assert "Ana Horvat" in page
    assert "Ivo Ivić" in page
    assert not Person.objects.filter(organisation=zagreb).exists()

    done = confirm(client, "person", preview)
    assert done.status_code == 200
    assert "Import finished: 2 new, 0 updated" in text(done)
    ana = Person.objects.get(email="ana@zagreb.hr")
    assert ana.name == "Ana Horvat"
    assert ana.organisation == zagreb
    assert ana.language == "hr"
    assert Person.objects.get(email="ivo@zagreb.hr").language == "en"
    entries = AuditLog.objects.filter(model="partnership.person", verb="create", actor=coordinator)
    assert entries.count() == 2


def test_good_organisations_csv_imports_with_eu_country_codes_and_kind_labels(client, coordinator):
    csv = (
        ORGANISATION_HEADER
        + "Hellenic Ministry,,National ministry,EL,,\nCity of Athens,Athens,city,GR,,Hellenic Ministry\n"
    )
    preview = upload(client, "organisation", csv)
    assert "confirm_form" in preview.context, text(preview)
    confirm(client, "organisation", preview)
    ministry = Organisation.objects.get(name="Hellenic Ministry")
    assert ministry.kind == Organisation.Kind.MINISTRY
    assert ministry.country == "GR"
    assert Organisation.objects.get(name="City of Athens").parent == ministry
    assert AuditLog.objects.filter(model="partnership.organisation", verb="create", actor=coordinator).count() == 2


def test_email_differing_only_in_case_updates_the_same_person(client, coordinator, zagreb):
    existing = Person.objects.create(name="Ana Horvat", email="ana@zagreb.hr", organisation=zagreb)
    people_before = Person.objects.count()
    preview = upload(client, "person", PEOPLE_HEADER + "Ana Horvat,ANA@Zagreb.hr,Grad Zagreb,Head of unit,hr\n")
    assert "confirm_form" in preview.context, text(preview)
    assert "Update" in text(preview)
    confirm(client, "person", preview)

    assert Person.objects.count() == people_before
    existing.refresh_from_db()
    assert existing.email == "ana@zagreb.hr"
    assert existing.role_title == "Head of unit"
    entry = AuditLog.objects.get(model="partnership.person", verb="update", object_id=str(existing.pk))
    assert entry.changes["role_title"] == ["", "Head of unit"]
    assert entry.actor == coordinator


def test_same_person_twice_in_one_file_is_one_person(client, coordinator, zagreb):
    csv = PEOPLE_HEADER + "Ana Horvat,ana@zagreb.hr,Grad Zagreb,,hr\nAna H.,ANA@zagreb.hr,Grad Zagreb,Adviser,hr\n"
    preview = upload(client, "person", csv)
    assert [row.import_type for row in preview.context["result"].rows] == ["new", "update"]
    assert not Person.objects.filter(email="ana@zagreb.hr").exists()
    confirm(client, "person", preview)
    ana = Person.objects.get(email__iexact="ana@zagreb.hr")
    assert (ana.name, ana.role_title) == ("Ana H.", "Adviser")


def test_coordinator_import_cannot_touch_another_partnerships_people(client, coordinator, zagreb):
    other = MembershipFactory(organisation=OrganisationFactory(name="Foreign Town")).organisation
    foreign = Person.objects.create(name="Foreign Person", email="fp@foreign.example", organisation=other)
    response = upload(
        client,
        "person",
        PEOPLE_HEADER + "Hijacked,fp@foreign.example,Grad Zagreb,,en\nNew One,new@zagreb.hr,Foreign Town,,en\n",
    )
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert invalid_row_numbers(response) == [1, 2]
    assert "This belongs to a partnership you do not coordinate." in text(response)
    assert "No organisation is called “Foreign Town”." in text(response)
    foreign.refresh_from_db()
    assert foreign.name == "Foreign Person"
    assert foreign.organisation == other
