"""A file of more rows than IMPORT_IN_REQUEST_ROWS is checked and imported by a background job (eager here)."""

from datetime import timedelta

import pytest
import tablib
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from partnership import jobs
from partnership.importing.jobs import KIND, import_files_sweep
from partnership.models import AuditLog, Job, Membership, Organisation
from partnership.resources import OrganisationResource
from partnership.tests.factories import OrganisationFactory, PartnershipFactory, member_user
from partnership.tests.test_import import (
    MEMBERSHIP_HEADER,
    ORGANISATION_HEADER,
    invalid_row_numbers,
    text,
    upload,
    upload_memberships,
)

pytestmark = pytest.mark.django_db

JOB_URL = "admin:partnership_organisation_import_job"


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    settings.IMPORT_IN_REQUEST_ROWS = 5
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def coordinator(client):
    user = member_user(PartnershipFactory(name="Security in Public Spaces"), role=Membership.Role.COORDINATOR)
    client.force_login(user)
    return user


def organisations_csv(bad_row=None):
    rows = [f"Town {n},TW{n},city,HR,," for n in range(1, 11)]
    if bad_row:
        rows[bad_row - 1] = f"Town {bad_row},TW{bad_row},castle,HR,,"
    return ORGANISATION_HEADER + "\n".join(rows) + "\n"


def upload_in_background(client, capture, content):
    with capture(execute=True):
        response = upload(client, "organisation", content)
    assert response.status_code == 302, text(response)
    job = Job.objects.get(kind=KIND)
    assert response.url == reverse(JOB_URL, args=[job.pk])
    return job


def test_a_large_file_is_checked_by_a_job_then_imported_on_confirm(
    client, coordinator, django_capture_on_commit_callbacks
):
    check = upload_in_background(client, django_capture_on_commit_callbacks, organisations_csv())
    check.refresh_from_db()
    assert (check.state, check.done, check.total, check.params["dry_run"]) == ("done", 10, 10, True)
    assert not Organisation.objects.filter(name__startswith="Town ").exists()
    preview = client.get(reverse(JOB_URL, args=[check.pk]))
    page = text(preview)
    assert "10 rows were checked without a problem" in page and "Town 10" in page
    assert preview.context["confirm_form"]
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse(JOB_URL, args=[check.pk]))
    imported = Job.objects.exclude(pk=check.pk).get()
    assert confirmed.url == reverse(JOB_URL, args=[imported.pk])
    assert (imported.state, imported.done, imported.params["dry_run"]) == ("done", 10, False)
    assert Organisation.objects.filter(name__startswith="Town ").count() == 10
    assert AuditLog.objects.filter(model="partnership.organisation", verb="create", actor=coordinator).count() == 10
    town = Organisation.objects.get(name="Town 3")
    history = client.get(reverse("admin:partnership_organisation_history", args=[town.pk]))
    assert "Added by the import of" in text(history), "the admin's history of each record names the import"
    assert LogEntry.objects.filter(user=coordinator, action_flag=ADDITION).count() == 10
    assert "Import finished: 10 new, 0 updated, 0 skipped." in text(client.get(reverse(JOB_URL, args=[imported.pk])))
    assert not default_storage.exists(imported.params["file"])
    # A second confirm, and the job run again, import nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse(JOB_URL, args=[check.pk]))
    assert again.url == reverse(JOB_URL, args=[imported.pk])
    assert jobs.job_run(job_id=imported.pk) is False
    assert Organisation.objects.filter(name__startswith="Town ").count() == 10
    assert Job.objects.count() == 2


def test_a_bad_row_of_a_large_file_is_named_and_nothing_can_be_imported(
    client, coordinator, django_capture_on_commit_callbacks
):
    check = upload_in_background(client, django_capture_on_commit_callbacks, organisations_csv(bad_row=7))
    page = client.get(reverse(JOB_URL, args=[check.pk]))
    assert invalid_row_numbers(page) == [7]
    assert "“castle” is not one of the allowed values" in text(page)
    assert not page.context["confirm_form"]
    client.post(reverse(JOB_URL, args=[check.pk]))
    assert Job.objects.count() == 1
    assert not Organisation.objects.filter(name__startswith="Town ").exists()
    assert not default_storage.exists(check.params["file"])


def test_another_partnerships_coordinator_cannot_see_or_confirm_the_job(
    client, coordinator, django_capture_on_commit_callbacks
):
    check = upload_in_background(client, django_capture_on_commit_callbacks, organisations_csv())
    other = member_user(PartnershipFactory(name="Culture"), role=Membership.Role.COORDINATOR)
    client.force_login(other)
    assert client.get(reverse(JOB_URL, args=[check.pk])).status_code == 404
    assert client.post(reverse(JOB_URL, args=[check.pk])).status_code == 404
    assert Job.objects.count() == 1
    # Nor through another import's page, whose jobs are its own.
    client.force_login(coordinator)
    people_job = reverse("admin:partnership_person_import_job", args=[check.pk])
    assert client.get(people_job).status_code == 404


def test_a_small_file_is_still_imported_in_the_request(client, coordinator):
    preview = upload(client, "organisation", ORGANISATION_HEADER + "Town 1,C1,city,HR,,\n")
    assert "confirm_form" in preview.context
    assert not Job.objects.exists()


def test_a_queued_job_shows_that_it_waits_and_refreshes_itself(client, coordinator):
    upload(client, "organisation", organisations_csv())  # on_commit never runs here: the job stays queued
    job = Job.objects.get(kind=KIND)
    page = client.get(reverse(JOB_URL, args=[job.pk]))
    assert "Waiting for a worker to start" in text(page)
    assert '<meta http-equiv="refresh"' in page.content.decode()


def test_a_checked_file_never_confirmed_is_deleted_after_a_few_days(
    client, coordinator, django_capture_on_commit_callbacks
):
    check = upload_in_background(client, django_capture_on_commit_callbacks, organisations_csv())
    assert import_files_sweep() == 0
    assert import_files_sweep(now=timezone.now() + timedelta(days=4)) == 1
    assert not default_storage.exists(check.params["file"])


def test_a_large_membership_file_goes_into_the_partnership_chosen(
    client, coordinator, django_capture_on_commit_callbacks
):
    partnership = coordinator.person.organisation.memberships.get().partnership
    towns = [OrganisationFactory(name=f"Town {n}") for n in range(1, 8)]
    content = MEMBERSHIP_HEADER + "".join(f"{town.name};partner;2020-01-01;\n" for town in towns)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_memberships(client, content, partnership)
    check = Job.objects.get(kind=KIND)
    assert response.url == reverse("admin:partnership_membership_import_job", args=[check.pk])
    assert check.partnership == partnership
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:partnership_membership_import_job", args=[check.pk]))
    assert Membership.objects.filter(partnership=partnership, organisation__in=towns).count() == 7


def test_an_import_leaves_the_id_sequence_alone_for_a_concurrent_import(coordinator):
    """django-import-export would set the sequence, once its rows are saved, to the largest id it sees: below
    the ids another import, not yet committed, has drawn meanwhile, whose next row would then collide."""

    def next_id():
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('partnership_organisation', 'id'))")
            return cursor.fetchone()[0]

    dataset = tablib.Dataset(["Town 1", "T1", "city", "HR", "", ""], headers=ORGANISATION_HEADER.strip().split(","))
    resource = OrganisationResource(user=coordinator)
    result = resource.import_data(dataset, dry_run=False)
    assert not result.has_validation_errors()
    drawn = [next_id() for _ in range(20)][-1]  # as a concurrent import's uncommitted rows would
    resource.after_import(dataset, result, dry_run=False)
    assert next_id() > drawn


def test_a_confirm_imports_as_the_coordinator_who_confirms(client, coordinator, django_capture_on_commit_callbacks):
    check = upload_in_background(client, django_capture_on_commit_callbacks, organisations_csv())
    colleague = member_user(check.partnership, role=Membership.Role.COORDINATOR)
    client.force_login(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(JOB_URL, args=[check.pk]))
    assert AuditLog.objects.filter(model="partnership.organisation", verb="create", actor=colleague).count() == 10
