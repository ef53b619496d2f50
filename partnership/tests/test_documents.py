"""The shared rules for uploaded documents: a file's content must be of the type its name claims."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from meetings.forms import DocumentForm as MeetingDocumentForm
from meetings.tests.factories import MeetingFactory
from partnership.documents import ACCEPT_ATTRIBUTE, document_validate

ZIP = b"PK\x03\x04\x14\x00\x06\x00"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ("photo.JPEG", b"\xff\xd8\xff\xe1\x00\x10Exif"),
        ("note.docx", ZIP),
        ("sheet.xlsx", ZIP),
        ("slides.pptx", ZIP),
        ("note.odt", ZIP),
        ("sheet.ods", ZIP),
        ("slides.odp", ZIP),
        ("note.doc", OLE),
        ("sheet.xls", OLE),
        ("slides.ppt", OLE),
        ("list.csv", "name;city\nJosé;Málaga\n".encode()),
        ("list.csv", "name;city\nJosé;Málaga\n".encode("latin-1")),
        ("notes.txt", b"Plain notes\r\n"),
        ("notes.txt", ("é" * 600).encode()),  # the first KB ends inside a two-byte character
    ],
)
def test_a_file_whose_content_is_of_its_type_is_accepted(name, content):
    uploaded = SimpleUploadedFile(name, content)

    document_validate(uploaded)

    assert uploaded.read() == content  # left at its start, whole, for storing


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.pdf", EXE),
        ("report.pdf", b"data"),
        ("photo.png", b"\xff\xd8\xff\xe0 a JPEG named png"),
        ("photo.jpg", b"GIF89a"),
        ("note.docx", OLE),
        ("note.doc", ZIP),
        ("sheet.xlsx", b"name,city\n"),
        ("list.csv", EXE),
        ("notes.txt", b"\x00\x00\x00\x01 binary"),
        ("empty.pdf", b""),
    ],
)
def test_a_file_whose_content_is_not_of_its_type_is_refused_with_a_clear_message(name, content):
    with pytest.raises(ValidationError) as raised:
        document_validate(SimpleUploadedFile(name, content))

    extension = name.rsplit(".", 1)[-1].lower()
    assert raised.value.message_dict["file"] == [f"The file's content does not match its type (.{extension})."]


@pytest.mark.django_db
def test_the_meeting_document_form_offers_only_the_accepted_types():
    form = MeetingDocumentForm(meeting=MeetingFactory())

    assert f'accept="{ACCEPT_ATTRIBUTE}"' in str(form["file"])
    assert ACCEPT_ATTRIBUTE.startswith(".pdf,.ppt,.pptx,")
