"""Documents and export files in a shared S3-compatible bucket (moto's server on a free port): stored there,
not on this machine's disk, and handed out only after the same permission checks as from a local folder."""

from __future__ import annotations

import io
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.tests.factories import ActionFactory, organisation_of
from meetings.models import MeetingDocument
from meetings.tests.factories import MeetingDocumentFactory, MeetingFactory
from partnership.models import Person
from partnership.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    PriorityAreaFactory,
)
from surveys import exports
from surveys.models import Question, SurveyExport
from surveys.tests.factories import QuestionFactory, SurveyFactory, ministry_user
from surveys.tests.test_exports import bulk_submitted

pytestmark = pytest.mark.django_db


def keys(s3_server: Any, env: dict[str, str]) -> list[str]:
    listing = s3_server.client().list_objects_v2(Bucket=env["AWS_STORAGE_BUCKET_NAME"])
    return sorted(item["Key"] for item in listing.get("Contents", []))


def local_files() -> list[Path]:
    return [path for path in Path(django_settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def upload_meeting_document(client: Any, meeting: Any, name: str, content: bytes, visibility: str = "members") -> Any:
    return client.post(
        reverse("meetings:document_upload", args=[meeting.pk]),
        {
            "title": "Slides",
            "kind": "presentation",
            "visibility": visibility,
            "file": SimpleUploadedFile(name, content),
        },
    )


def test_a_meeting_document_goes_to_the_bucket_and_comes_back_only_to_who_may_see_it(
    client, s3_server, s3_storage, partnership, coordinator, partner, outsider
):
    meeting = MeetingFactory.create(partnership=partnership)
    client.force_login(coordinator)

    assert upload_meeting_document(client, meeting, "eib-funding.pdf", b"%PDF-1.4 EIB").status_code == 302

    document = MeetingDocument.objects.get()
    assert keys(s3_server, s3_storage) == [document.file.name]
    assert local_files() == []
    client.force_login(partner)
    download = client.get(document.get_absolute_url())
    assert download.status_code == 200
    assert body(download) == b"%PDF-1.4 EIB"
    assert download["Content-Disposition"] == 'attachment; filename="eib-funding.pdf"'
    assert download["Cache-Control"] == "private, no-store"
    client.force_login(outsider)
    assert client.get(document.get_absolute_url()).status_code == 404
    client.logout()
    assert client.get(document.get_absolute_url()).status_code == 404


def test_two_uploads_of_the_same_name_keep_both_files(client, s3_server, s3_storage, partnership, coordinator):
    meeting = MeetingFactory.create(partnership=partnership)
    client.force_login(coordinator)

    upload_meeting_document(client, meeting, "agenda.pdf", b"%PDF-1.4 first")
    upload_meeting_document(client, meeting, "agenda.pdf", b"%PDF-1.4 second")

    first, second = MeetingDocument.objects.order_by("pk")
    assert first.file.name != second.file.name
    assert len(keys(s3_server, s3_storage)) == 2
    assert (body(client.get(first.get_absolute_url())), body(client.get(second.get_absolute_url()))) == (
        b"%PDF-1.4 first",
        b"%PDF-1.4 second",
    )


def test_an_action_document_in_the_bucket_is_refused_to_another_partnership(
    client, s3_server, s3_storage, partnership, coordinator, partner, outsider
):
    area = PriorityAreaFactory.create(partnership=partnership)
    action = ActionFactory.create(partnership=partnership, priority_area=area, owner=organisation_of(partner))
    client.force_login(partner)
    response = client.post(
        reverse("actions:document_upload", args=[action.pk]),
        {"title": "Concept note", "visibility": "members", "file": SimpleUploadedFile("note.pdf", b"%PDF-1.4 note")},
    )
    assert response.status_code == 302
    document = action.documents.get()
    assert keys(s3_server, s3_storage) == [document.file.name]

    client.force_login(coordinator)
    assert body(client.get(document.get_absolute_url())) == b"%PDF-1.4 note"
    client.force_login(outsider)
    assert client.get(document.get_absolute_url()).status_code == 404


def test_with_signed_urls_the_checked_user_is_sent_to_a_short_lived_address_and_others_are_not(
    client, settings, s3_server, s3_storage, partnership, coordinator, partner, outsider
):
    settings.FILES_SIGNED_URL_SECONDS = 30
    meeting = MeetingFactory.create(partnership=partnership)
    client.force_login(coordinator)
    upload_meeting_document(client, meeting, "minutes.pdf", b"%PDF-1.4 minutes")
    document = MeetingDocument.objects.get()
    client.force_login(partner)

    response = client.get(document.get_absolute_url())

    assert response.status_code == 302
    address = response["Location"]
    assert address.startswith(s3_server.endpoint) and "X-Amz-Expires=30" in address
    with urllib.request.urlopen(address, timeout=10) as stored:
        assert stored.read() == b"%PDF-1.4 minutes"
        assert stored.headers["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    unsigned = s3_server.endpoint + urlsplit(address).path
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)  # the bucket is private
    assert refused.value.code == 403
    client.force_login(outsider)
    assert client.get(document.get_absolute_url()).status_code == 404


def test_a_background_survey_export_is_written_to_the_bucket_and_downloaded_by_its_owner_only(
    client, s3_server, s3_storage, django_capture_on_commit_callbacks
):
    partnership = PartnershipFactory.create()
    owner = ministry_user(partnership)
    survey = SurveyFactory.create(partnership=partnership, owner=owner.person.organisation)
    QuestionFactory.create(section__survey=survey, kind=Question.Kind.LIKERT, text="Safety is considered.")
    bulk_submitted(survey, 30)
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("surveys:exports", args=[survey.pk]), {"format": "csv"}).status_code == 302

    export = SurveyExport.objects.get()
    assert export.state == SurveyExport.State.DONE, export.error
    assert keys(s3_server, s3_storage) == [export.file.name]
    assert local_files() == []
    download = client.get(reverse("surveys:export_download", args=[survey.pk, export.pk]))
    lines = body(download).decode("utf-8-sig").splitlines()
    assert len(lines) == 31
    assert download["Content-Disposition"] == f'attachment; filename="{exports.filename(survey, "csv")}"'
    partner_of_another = ministry_user(PartnershipFactory.create())
    client.force_login(partner_of_another)
    assert client.get(reverse("surveys:export_download", args=[survey.pk, export.pk])).status_code == 404


def test_an_admin_import_keeps_its_file_in_the_bucket_between_check_and_confirm(
    client, s3_server, s3_storage, partnership, coordinator
):
    """Another web machine may answer the confirmation: the file waits in the shared bucket, not in /tmp."""
    zagreb = MembershipFactory.create(
        partnership=partnership, organisation=OrganisationFactory.create(name="Grad Zagreb")
    ).organisation
    client.force_login(coordinator)
    upload = SimpleUploadedFile("people.csv", b"name,email,organisation\nAna Horvat,ana@zagreb.hr,Grad Zagreb\n")

    preview = client.post(
        reverse("admin:partnership_person_import"), {"resource": "0", "format": "0", "import_file": upload}
    )

    assert "confirm_form" in preview.context
    waiting = keys(s3_server, s3_storage)
    assert [key.split("/")[0] for key in waiting] == ["django-import-export"]
    done = client.post(
        reverse("admin:partnership_person_process_import"), preview.context["confirm_form"].initial, follow=True
    )
    assert done.status_code == 200
    assert Person.objects.get(email="ana@zagreb.hr").organisation == zagreb
    assert keys(s3_server, s3_storage) == []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_writes_the_export_to_the_bucket_and_the_web_hands_it_out(
    client, s3_server, s3_storage, celery_worker_factory, tmp_path
):
    """The worker has no disk in common with the web process here: only the bucket."""
    partnership = PartnershipFactory.create()
    owner = ministry_user(partnership)
    survey = SurveyFactory.create(partnership=partnership, owner=owner.person.organisation)
    QuestionFactory.create(section__survey=survey, kind=Question.Kind.LIKERT, text="Safety is considered.")
    bulk_submitted(survey, 40)
    celery_worker_factory(concurrency=1, extra_env={**s3_storage, "MEDIA_ROOT": str(tmp_path / "worker-disk")})
    client.force_login(owner)

    assert client.post(reverse("surveys:exports", args=[survey.pk]), {"format": "xlsx"}).status_code == 302

    export = SurveyExport.objects.get()
    deadline = time.monotonic() + 60
    while export.state not in (SurveyExport.State.DONE, SurveyExport.State.FAILED) and time.monotonic() < deadline:
        time.sleep(0.2)
        export.refresh_from_db()
    assert export.state == SurveyExport.State.DONE, export.error
    assert keys(s3_server, s3_storage) == [export.file.name]
    download = client.get(reverse("surveys:export_download", args=[survey.pk, export.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(body(download)))
    assert workbook["responses"].max_row == 41
    assert local_files() == []


def test_the_admin_links_a_stored_document_to_its_checked_download_not_to_the_bucket(
    client, s3_server, s3_storage, partnership, coordinator
):
    meeting = MeetingFactory.create(partnership=partnership)
    document = MeetingDocumentFactory.create(meeting=meeting, file__filename="agenda.pdf")
    client.force_login(coordinator)

    page = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()

    assert f'href="{document.get_absolute_url()}">agenda' in page
    assert s3_server.endpoint not in page, "no address of the bucket, signed or not, in the page"
    assert "/media/" not in page
    assert '-file-clear"' not in page, "a document's file is required: nothing to clear"


def test_stored_import_files_in_the_bucket_are_swept_after_their_days(s3_server, s3_storage, settings):
    """The daily sweep lists and dates the large imports' files through the storage API, which a bucket answers."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from partnership.importing.jobs import FOLDER, import_files_sweep

    assert import_files_sweep() == 0, "an empty bucket has no such folder yet"
    name = default_storage.save(f"{FOLDER}/organisations", ContentFile(b"name,kind\nGrad Zagreb,city\n"))

    assert import_files_sweep() == 0
    assert keys(s3_server, s3_storage) == [name]
    later = timezone.now() + timedelta(days=settings.IMPORT_FILE_DAYS, minutes=1)
    assert import_files_sweep(now=later) == 1
    assert keys(s3_server, s3_storage) == []
