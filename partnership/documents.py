"""Rules for documents uploaded in any app (meeting documents, action documents): accepted types, size."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import ValidationError
from django.http import HttpResponseBase
from django.utils.translation import gettext as _

from partnership.files import stored_file_response

ALLOWED_DOCUMENT_EXTENSIONS = (
    "pdf",
    "ppt",
    "pptx",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "odt",
    "odp",
    "ods",
    "csv",
    "txt",
    "png",
    "jpg",
    "jpeg",
)
MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
ACCEPT_ATTRIBUTE = ",".join(f".{extension}" for extension in ALLOWED_DOCUMENT_EXTENSIONS)

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SIGNATURES: dict[str, bytes] = {
    "pdf": b"%PDF",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpg": b"\xff\xd8\xff",
    "jpeg": b"\xff\xd8\xff",
    "docx": _ZIP,
    "xlsx": _ZIP,
    "pptx": _ZIP,
    "odt": _ZIP,
    "ods": _ZIP,
    "odp": _ZIP,
    "doc": _OLE,
    "xls": _OLE,
    "ppt": _OLE,
}
TEXT_EXTENSIONS = ("csv", "txt")
_SNIFF_BYTES = 1024


def _is_text(head: bytes) -> bool:
    """Text has no NUL byte; past that, any bytes read as UTF-8 or, failing that, as legacy latin-1."""
    return b"\x00" not in head


def _content_matches(uploaded: Any, extension: str) -> bool:
    """Whether the start of the file is what a file of that type starts with; the file is left at its start."""
    uploaded.seek(0)
    head = uploaded.read(_SNIFF_BYTES)
    uploaded.seek(0)
    if isinstance(head, str):
        head = head.encode()
    if extension in TEXT_EXTENSIONS:
        return _is_text(head)
    return head.startswith(SIGNATURES[extension])


def document_validate(uploaded: Any) -> None:
    """Refuse a file of a type we do not accept, whose content is not of its type, or over the size limit,
    as an error on the `file` field."""
    name = getattr(uploaded, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_DOCUMENT_EXTENSIONS:
        raise ValidationError(
            {
                "file": _("Files of type “%(ext)s” are not accepted. Use one of: %(allowed)s.")
                % {"ext": extension or "?", "allowed": ", ".join(ALLOWED_DOCUMENT_EXTENSIONS)}
            }
        )
    if uploaded.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            {
                "file": _("The file is too large: the limit is %(limit)d MB.")
                % {"limit": MAX_DOCUMENT_BYTES // (1024 * 1024)}
            }
        )
    if not _content_matches(uploaded, extension):
        raise ValidationError(
            {"file": _("The file's content does not match its type (.%(ext)s).") % {"ext": extension}}
        )


def document_file(uploaded: Any) -> dict[str, Any]:
    """What a document model keeps of an accepted upload (checked here): the file, its size and type."""
    document_validate(uploaded)
    return {"file": uploaded, "size": uploaded.size, "content_type": getattr(uploaded, "content_type", "") or ""}


def document_file_clean(uploaded: Any) -> Any:
    """A form's `clean_file`: a new upload must follow the rules above; a file already stored passes."""
    if uploaded and hasattr(uploaded, "size") and not getattr(uploaded, "_committed", False):
        try:
            document_validate(uploaded)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["file"]) from error
    return uploaded


def document_response(document: Any) -> HttpResponseBase:
    """Hand out a stored document as an attachment under its own file name; call only after the app's
    `document_access` has decided the user may see it."""
    filename = document.file.name.rsplit("/", 1)[-1]
    return stored_file_response(document.file, filename=filename)


class _CheckedLink:
    """A stored file as a file input shows it ("Currently: …"): its name, linked to the permission-checked
    download rather than to the storage's own address (a private bucket's, or /media/, which nothing serves)."""

    def __init__(self, file: Any, url: str) -> None:
        self.file, self.url = file, url

    def __str__(self) -> str:
        return str(self.file.name).rsplit("/", 1)[-1]


class CheckedLinkMixin:
    """A file input whose current file links to `checked_url`, the document's own download view."""

    checked_url = ""

    def format_value(self, value: Any) -> Any:
        value = super().format_value(value)  # type: ignore[misc]
        return _CheckedLink(value, self.checked_url) if value and self.checked_url else value


class CheckedFileInput(CheckedLinkMixin, forms.ClearableFileInput):
    pass


class CheckedAdminFileInput(CheckedLinkMixin, AdminFileWidget):
    pass


class DocumentModelForm(forms.ModelForm):
    """The base of every document form, the portal's and the admin's: the file input offers the
    accepted types, a stored file links to its permission-checked download, and a new upload is checked
    before anything is saved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            widget = self.fields["file"].widget
            widget.attrs["accept"] = ACCEPT_ATTRIBUTE
            if self.instance.pk and isinstance(widget, forms.ClearableFileInput):
                checked_class = CheckedAdminFileInput if isinstance(widget, AdminFileWidget) else CheckedFileInput
                checked = checked_class(attrs=widget.attrs)
                checked.is_required = widget.is_required  # a required file offers no "Clear" box
                checked.checked_url = self.instance.get_absolute_url()
                self.fields["file"].widget = checked

    def clean_file(self) -> Any:
        return document_file_clean(self.cleaned_data["file"])
