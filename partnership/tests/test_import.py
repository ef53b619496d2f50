"""Imports through the admin's django-import-export views, as a coordinator would use them."""

import datetime
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
    [PEOPLE_HEADER.encode() + b"Ivo Ivi\xe6,ivo@zagreb.hr,Grad Zagreb,,hr\n"],
    ids=["cp1250"],
)
def test_file_in_another_encoding_gives_a_clear_message(client, coordinator, zagreb, content):
    people_before = Person.objects.count()
    response = upload(client, "person", content)
    assert response.status_code == 200
    assert "UTF-8" in text(response)
    assert Person.objects.count() == people_before


def test_utf16_text_with_its_byte_order_mark_is_read(client, coordinator, zagreb):
    # What Excel's "Unicode text" writes: UTF-16 with its mark, tab-separated.
    content = (PEOPLE_HEADER + "Ana Horvat,ana@zagreb.hr,Grad Zagreb,,hr\n").replace(",", "\t").encode("utf-16")
    preview = upload(client, "person", content)
    assert "confirm_form" in preview.context, text(preview)
    confirm(client, "person", preview)
    assert Person.objects.get(email="ana@zagreb.hr").organisation == zagreb


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


# Any file: separators, byte-order mark, 8-bit encodings.


def test_semicolon_csv_with_a_byte_order_mark_imports(client, coordinator, zagreb):
    # What Excel writes as "CSV UTF-8" in most EU locales: a BOM, then semicolons; a cell with a ";" is quoted.
    content = (
        "\ufeffName;Email;Organisation;Role title;Language\r\n"
        'Ana Horvat;ana@zagreb.hr;Grad Zagreb;"Adviser; safety";hr\r\n'
    )
    preview = upload(client, "person", content)
    assert "confirm_form" in preview.context, text(preview)
    confirm(client, "person", preview)
    ana = Person.objects.get(email="ana@zagreb.hr")
    assert (ana.name, ana.role_title, ana.organisation) == ("Ana Horvat", "Adviser; safety", zagreb)


def test_tab_separated_file_imports_and_its_empty_rows_are_skipped(client, coordinator):
    content = (
        "name\tshort_name\tkind\tcountry\nGrad Split\tSplit\tcity\tHR\n\t\t\t\nGrad Rijeka\t\tcity\tHR\n\t\t\t\n\n"
    )
    preview = upload(client, "organisation", content)
    assert "confirm_form" in preview.context, text(preview)
    # Numbered as the spreadsheet's rows under the column names: the empty one in the middle counts.
    assert [(row.number, row.import_type) for row in preview.context["result"].rows] == [
        (1, "new"),
        (2, "skip"),
        (3, "new"),
    ]
    confirm(client, "organisation", preview)
    assert Organisation.objects.get(name="Grad Split").country == "HR"
    assert Organisation.objects.filter(name="Grad Rijeka").exists()


def test_a_row_with_more_cells_than_columns_names_the_separator(client, coordinator, zagreb):
    response = upload(
        client, "person", "name;email;organisation\nAna Horvat;ana@zagreb.hr;Grad Zagreb;Adviser; safety\n"
    )
    page = text(response)
    assert "Row 1 has 5 cells but the first row names 3 columns." in page
    assert "A cell that contains a semicolon needs quotes around it." in page
    assert "confirm_form" not in response.context


def test_a_latin_1_file_is_named_with_the_row_and_how_to_save_it(client, coordinator, zagreb):
    content = (
        PEOPLE_HEADER + "Ana Horvat,ana@zagreb.hr,Grad Zagreb,,hr\nLuca Bianchi,luca@torino.it,Città di Torino,,it\n"
    )
    response = upload(client, "person", content.encode("cp1252"))
    page = text(response)
    assert "This file is not UTF-8 text: it seems to be in Latin-1 (Windows-1252, Western European)" in page
    assert "where row 2 reads “Città”" in page
    assert "Save it from your spreadsheet as “CSV UTF-8”" in page
    assert "UnicodeDecodeError" not in page
    assert "confirm_form" not in response.context


def test_a_windows_1250_file_is_named(client, coordinator, zagreb):
    content = PEOPLE_HEADER + "Ivo Ivić,ivo@zagreb.hr,Grad Zagreb,Šef odsjeka,hr\n"
    page = text(upload(client, "person", content.encode("cp1250")))
    assert "it seems to be in Windows-1250 (Central European), where row 1 reads “Ivić”" in page


def test_an_8_bit_file_whose_letters_read_the_same_either_way_is_read(client, coordinator, zagreb):
    # é and ü are the same bytes in Latin-1 and Windows-1250: nothing to guess.
    content = PEOPLE_HEADER + "José Müller,jose@zagreb.hr,Grad Zagreb,,en\n"
    preview = upload(client, "person", content.encode("cp1252"))
    assert "confirm_form" in preview.context, text(preview)
    confirm(client, "person", preview)
    assert Person.objects.get(email="jose@zagreb.hr").name == "José Müller"


# Organisations matched by a normalised name and by short name.


@pytest.fixture
def dg_home(partnership):
    organisation = OrganisationFactory(
        name="DG Migration and Home Affairs", short_name="DG HOME", kind=Organisation.Kind.EU_BODY, country=""
    )
    MembershipFactory(partnership=partnership, organisation=organisation)
    return organisation


@pytest.mark.parametrize(
    ("name", "short_name", "how"),
    [
        ("European Commission – DG Migration and Home Affairs", "", "the same name once case"),
        ("  dg  migration-and home AFFAIRS ", "", "the same name once case"),
        ("Directorate-General for Migration and Home Affairs", "DG HOME", "by its short name"),
        ("DG Home", "", "by its short name"),
    ],
)
def test_an_organisation_written_differently_is_a_possible_duplicate_not_a_new_one(
    client, coordinator, dg_home, name, short_name, how
):
    # Another coordinators' private organisation of the same name written otherwise is never a candidate.
    private = PartnershipFactory(is_public=False)
    MembershipFactory(partnership=private, organisation=OrganisationFactory(name="DG MIGRATION AND HOME AFFAIRS"))
    before = Organisation.objects.count()
    csv = ORGANISATION_HEADER + f'"{name}",{short_name},eu_body,,https://home-affairs.ec.europa.eu,\n'
    preview = upload(client, "organisation", csv)
    assert "confirm_form" in preview.context, text(preview)
    [row] = preview.context["result"].rows
    assert row.import_type == "update"
    page = text(preview)
    assert "Check before you confirm" in page
    given = " ".join(name.split())
    assert f"Row 1: Possible duplicate: “{given}” is taken as “DG Migration and Home Affairs”" in page
    assert how in page

    confirm(client, "organisation", preview)
    assert Organisation.objects.count() == before
    dg_home.refresh_from_db()
    assert (dg_home.name, dg_home.website) == ("DG Migration and Home Affairs", "https://home-affairs.ec.europa.eu")


def test_two_rows_of_one_organisation_in_a_file_are_one_organisation(client, coordinator):
    csv = ORGANISATION_HEADER + "City of Nice,Nice,city,FR,,\nCity  of NICE,,city,FR,https://nice.fr,\n"
    preview = upload(client, "organisation", csv)
    assert [row.import_type for row in preview.context["result"].rows] == ["new", "update"]
    assert "Row 2: Possible duplicate" in text(preview)
    confirm(client, "organisation", preview)
    assert list(Organisation.objects.filter(name__icontains="nice").values_list("name", "website")) == [
        ("City of Nice", "https://nice.fr")
    ]


def test_a_name_that_could_be_two_organisations_is_a_row_error(client, coordinator, partnership):
    for name in ("Comune di Prato", "Provincia di Prato"):
        MembershipFactory(partnership=partnership, organisation=OrganisationFactory(name=name, short_name="Prato"))
    response = upload(client, "organisation", ORGANISATION_HEADER + "Prato,,city,IT,,\n")
    assert invalid_row_numbers(response) == [1]
    assert "“Prato” could be any of Comune di Prato; Provincia di Prato" in text(response)


# Organisations shared between partnerships.


def test_a_row_changing_an_organisation_shared_with_another_partnership_is_refused(
    client, coordinator, partnership, zagreb
):
    culture = PartnershipFactory(name="Culture and Cultural Heritage")
    MembershipFactory(partnership=culture, organisation=zagreb)
    split = MembershipFactory(partnership=culture, organisation=OrganisationFactory(name="Grad Split")).organisation
    MembershipFactory(partnership=partnership, organisation=split)
    csv = (
        ORGANISATION_HEADER
        + f"Grad Zagreb,{zagreb.short_name},city,{zagreb.country},https://zagreb.hr,\n"
        + f"Grad Split,{split.short_name},city,{split.country},,\n"  # named as it is: nothing to refuse
    )
    response = upload(client, "organisation", csv)
    assert invalid_row_numbers(response) == [1]
    page = text(response)
    assert "Grad Zagreb is shared with partnerships you do not coordinate" in page
    assert "this row changes website" in page
    zagreb.refresh_from_db()
    assert zagreb.website == ""


def test_a_row_changing_a_shared_organisation_warns_a_coordinator_of_both(client, coordinator, partnership, zagreb):
    culture = PartnershipFactory(name="Culture and Cultural Heritage")
    MembershipFactory(partnership=culture, organisation=zagreb)
    coordinating = Person.objects.get(user=coordinator).organisation
    MembershipFactory(partnership=culture, organisation=coordinating, role=Membership.Role.COORDINATOR)
    preview = upload(client, "organisation", ORGANISATION_HEADER + "Grad Zagreb,Zagreb,city,HR,https://zagreb.hr,\n")
    assert "confirm_form" in preview.context, text(preview)
    assert (
        "Row 1: Shared organisation: Grad Zagreb belongs to Culture and Cultural Heritage, Security in Public "
        "Spaces; this change shows in each." in text(preview)
    )
    confirm(client, "organisation", preview)
    zagreb.refresh_from_db()
    assert zagreb.website == "https://zagreb.hr"


def test_a_people_row_changing_a_person_of_a_shared_organisation_is_refused(client, coordinator, zagreb):
    MembershipFactory(partnership=PartnershipFactory(), organisation=zagreb)
    Person.objects.create(name="Ana Horvat", email="ana@zagreb.hr", organisation=zagreb)
    response = upload(client, "person", PEOPLE_HEADER + "Ana Horvat,ana@zagreb.hr,Grad Zagreb,Mayor,hr\n")
    assert invalid_row_numbers(response) == [1]
    assert "Grad Zagreb is shared with partnerships you do not coordinate" in text(response)
    assert Person.objects.get(email="ana@zagreb.hr").role_title == ""


# Every error in plain words: the row, the column, the allowed values, all of a row's errors at once.


def test_all_of_an_organisation_rows_errors_are_listed_with_the_allowed_values(client, coordinator):
    response = upload(client, "organisation", ORGANISATION_HEADER + "Nowhere,,town hall,XX,not a site,Atlantis\n")
    [row] = response.context["result"].invalid_rows
    assert row.number == 1
    assert set(row.error_dict) == {"kind", "country", "website", "parent"}
    page = text(response)
    assert (
        "“town hall” is not one of the allowed values: city, region (Metropolitan area or region), ministry "
        "(National ministry), eu_body (EU institution or body), network (Network or association), other "
        "(Research or other)." in page
    )
    assert "Unknown country “XX”" in page
    assert "Enter a valid URL." in page
    assert "No organisation is called “Atlantis”." in page


def test_the_import_page_lists_the_columns_and_their_allowed_values(client, coordinator):
    page = text(client.get(reverse("admin:partnership_membership_import")))
    assert "What the file may contain" in page
    assert (
        "role – Empty: partner for a new membership. One of: coordinator, secretariat (Technical secretariat), "
        "partner, expert, observer." in page
    )
    assert "organisation required" in page


# Memberships with role, since and contact persons, into the coordinator's partnership only.

MEMBERSHIP_HEADER = "organisation;role;since;contacts\n"


def upload_memberships(client, content, partnership=None, *, fmt=CSV, name="members.csv"):
    file = SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)
    data = {"resource": "0", "format": fmt, "import_file": file}
    if partnership is not None:
        data["partnership"] = partnership.pk
    return client.post(reverse("admin:partnership_membership_import"), data)


@pytest.fixture
def split(partnership):
    """An organisation in no partnership yet, with one person already known."""
    organisation = OrganisationFactory(name="Grad Split", short_name="Split", country="HR")
    Person.objects.create(name="Marko Marić", email="marko@split.hr", organisation=organisation)
    return organisation


def test_memberships_import_with_roles_dates_and_contacts(client, coordinator, partnership, zagreb, split):
    csv = (
        MEMBERSHIP_HEADER
        + 'Grad Split;Technical secretariat;15.01.2019;"MARKO@split.hr; Ivana Kos <ivana@split.hr>"\n'
        + "grad zagreb;observer;2019-06-06;\n"
    )
    preview = upload_memberships(client, csv, partnership)
    assert "confirm_form" in preview.context, text(preview)
    assert [row.import_type for row in preview.context["result"].rows] == ["new", "update"]
    page = text(preview)
    assert "Row 1: Adds Ivana Kos <ivana@split.hr> as a new person of Grad Split." in page
    assert "Ivana Kos <ivana@split.hr>; Marko Marić <marko@split.hr>" in page
    assert not Membership.objects.filter(organisation=split).exists()
    assert not Person.objects.filter(email="ivana@split.hr").exists()

    done = confirm(client, "membership", preview)
    assert "Import finished: 1 new, 1 updated" in text(done)
    membership = Membership.objects.get(partnership=partnership, organisation=split)
    assert (membership.role, str(membership.since)) == ("secretariat", "2019-01-15")
    assert sorted(membership.contacts.values_list("email", flat=True)) == ["ivana@split.hr", "marko@split.hr"]
    assert Person.objects.get(email="ivana@split.hr").organisation == split
    assert Membership.objects.get(partnership=partnership, organisation=zagreb).role == "observer"
    assert AuditLog.objects.filter(model="partnership.membership", verb="create", actor=coordinator).count() == 1
    assert AuditLog.objects.filter(model="partnership.person", verb="create", object_repr="Ivana Kos").exists()


def test_a_membership_xlsx_with_a_partnership_column_and_date_cells_imports(client, coordinator, partnership, split):
    content = xlsx(
        [
            ["Partnership", "Organisation", "Role", "Since"],
            ["security in public spaces", "Split", "partner", datetime.date(2019, 2, 1)],
        ]
    )
    preview = upload_memberships(client, content, fmt=XLSX, name="members.xlsx")
    assert "confirm_form" in preview.context, text(preview)
    confirm(client, "membership", preview)
    assert str(Membership.objects.get(partnership=partnership, organisation=split).since) == "2019-02-01"


def test_the_membership_import_offers_only_the_coordinators_partnerships(client, coordinator, partnership):
    PartnershipFactory(name="Culture and Cultural Heritage")
    response = client.get(reverse("admin:partnership_membership_import"))
    field = response.context["form"].fields["partnership"]
    assert [label for value, label in field.choices if value] == [partnership.name]
    assert response.context["form"]["partnership"].value() == partnership.pk


def test_a_membership_import_into_another_partnership_is_refused(client, coordinator, partnership, split):
    other = PartnershipFactory(name="Culture and Cultural Heritage", is_public=True)
    members_before = Membership.objects.count()

    forged = upload_memberships(client, MEMBERSHIP_HEADER + "Grad Split;partner;;\n", other)
    assert "partnership" in forged.context["form"].errors
    assert "confirm_form" not in forged.context

    named = upload_memberships(
        client, "partnership;" + MEMBERSHIP_HEADER + "Culture and Cultural Heritage;Grad Split;partner;;\n"
    )
    assert invalid_row_numbers(named) == [1]
    assert (
        "“Culture and Cultural Heritage” is not a partnership you coordinate; you coordinate: Security in "
        "Public Spaces." in text(named)
    )

    preview = upload_memberships(client, MEMBERSHIP_HEADER + "Grad Split;partner;;\n", partnership)
    data = {**preview.context["confirm_form"].initial, "partnership": other.pk}
    response = client.post(reverse("admin:partnership_membership_process_import"), data)
    assert "partnership" in response.context["confirm_form"].errors
    assert Membership.objects.count() == members_before


def test_a_membership_cannot_name_an_organisation_of_another_private_partnership(client, coordinator, partnership):
    private = PartnershipFactory(is_public=False)
    hidden = MembershipFactory(partnership=private, organisation=OrganisationFactory(name="Secret City")).organisation
    response = upload_memberships(client, MEMBERSHIP_HEADER + "Secret City;partner;;\n", partnership)
    assert invalid_row_numbers(response) == [1]
    assert "No organisation you may add is called “Secret City”" in text(response)
    assert not Membership.objects.filter(partnership=partnership, organisation=hidden).exists()


def test_a_contact_must_be_a_person_of_the_organisation(client, coordinator, partnership, zagreb, split):
    response = upload_memberships(client, MEMBERSHIP_HEADER + "Grad Zagreb;partner;;marko@split.hr\n", partnership)
    assert "marko@split.hr is a person of another organisation; a contact must be one of Grad Zagreb." in text(response)
    assert not Membership.objects.get(organisation=zagreb).contacts.exists()


def test_all_of_a_membership_rows_errors_are_listed_with_the_allowed_values(client, coordinator, partnership, split):
    response = upload_memberships(
        client,
        MEMBERSHIP_HEADER + 'Grad Split;chair;31 February;"new@split.hr; not an address"\n',
        partnership,
    )
    [row] = response.context["result"].invalid_rows
    assert set(row.error_dict) == {"role", "since", "contacts"}
    page = text(response)
    assert (
        "“chair” is not one of the allowed values: coordinator, secretariat (Technical secretariat), partner, "
        "expert, observer." in page
    )
    assert "“31 February” is not a date: write it as 2019-01-31 (or 31.01.2019, 31/01/2019)." in page
    assert "new@split.hr is not known yet: write it as Name <new@split.hr> so the person can be added." in page
    assert "“not an address” is not a contact" in page


def test_a_partner_cannot_reach_the_membership_import(client, partnership):
    client.force_login(member_user(partnership))
    response = client.get(reverse("admin:partnership_membership_import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_an_imported_coordinator_membership_gives_its_people_admin_access(client, coordinator, partnership, split):
    from partnership.tests.factories import UserFactory

    user = UserFactory()
    Person.objects.filter(email="marko@split.hr").update(user=user)
    preview = upload_memberships(client, MEMBERSHIP_HEADER + "Grad Split;coordinator;;\n", partnership)
    confirm(client, "membership", preview)
    user.refresh_from_db()
    assert user.is_staff


def test_the_membership_export_holds_only_the_coordinators_partnerships_and_reads_back(
    client, coordinator, partnership, zagreb
):
    private = PartnershipFactory(name="Private Partnership", is_public=False)
    MembershipFactory(partnership=private, organisation=OrganisationFactory(name="Secret City"))
    Membership.objects.get(organisation=zagreb).contacts.add(
        Person.objects.create(name="Ana Horvat", email="ana@zagreb.hr", organisation=zagreb)
    )
    url = reverse("admin:partnership_membership_export")
    form = client.get(url).context["form"]
    data = {
        "format": "0",
        "resource": "0",
        **{name: "on" for name in form.fields if name.startswith("membershipresource_")},
    }
    exported = client.post(url, data)
    content = exported.content.decode()
    assert exported["Content-Type"].startswith("text/csv")
    assert "Grad Zagreb" in content and "Ana Horvat <ana@zagreb.hr>" in content
    assert "Secret City" not in content and "Private Partnership" not in content

    preview = upload_memberships(client, content.encode())
    assert "confirm_form" in preview.context, text(preview)
    assert {row.import_type for row in preview.context["result"].rows} == {"skip"}


def test_the_membership_service_refuses_another_partnership_or_a_hidden_organisation(coordinator, partnership, split):
    from django.core.exceptions import ValidationError

    from partnership import services

    other = PartnershipFactory(is_public=True)
    with pytest.raises(ValidationError) as refused:
        services.membership_import(membership=Membership(partnership=other, organisation=split), by=coordinator)
    assert "partnership" in refused.value.message_dict
    hidden = MembershipFactory(partnership=PartnershipFactory(is_public=False)).organisation
    with pytest.raises(ValidationError) as refused:
        services.membership_import(membership=Membership(partnership=partnership, organisation=hidden), by=coordinator)
    assert "organisation" in refused.value.message_dict
    assert not Membership.objects.filter(
        organisation__in=[split, hidden], partnership__in=[other, partnership]
    ).exists()
