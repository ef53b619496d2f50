"""Rules for documents uploaded in any app (meeting documents, action documents): accepted types, size."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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


def document_validate(uploaded: Any) -> None:
    """Refuse a file of a type we do not accept or over the size limit, as an error on the `file` field."""
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


def document_file_clean(uploaded: Any) -> Any:
    """A form's `clean_file`: a new upload must follow the rules above; a file already stored passes."""
    if uploaded and hasattr(uploaded, "size") and not getattr(uploaded, "_committed", False):
        try:
            document_validate(uploaded)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["file"]) from error
    return uploaded
