"""Handing out a stored file (a document, an export) once the caller's access check has let the user see it.

Files live in the default storage: a local folder or a private S3-compatible bucket. Nothing reads them by
path, which a bucket does not have. The portal streams each file through the view; with a bucket and
`FILES_SIGNED_URL_SECONDS` set, it redirects instead to a signed address valid for that many seconds, so
the bytes come straight from the store.
"""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponseBase, HttpResponseRedirect
from django.utils.http import content_disposition_header


def signs_urls(storage: object) -> bool:
    """Whether the storage hands out short-lived signed addresses and the settings ask for them."""
    return bool(settings.FILES_SIGNED_URL_SECONDS) and bool(getattr(storage, "querystring_auth", False))


def stored_file_response(file: FieldFile, *, filename: str, content_type: str | None = None) -> HttpResponseBase:
    """The file as a download under `filename`; call only after the access check."""
    storage, name = file.storage, str(file.name)
    if signs_urls(storage):
        parameters = {
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream",
        }
        url = storage.url(  # type: ignore[call-arg]
            name, parameters=parameters, expire=settings.FILES_SIGNED_URL_SECONDS
        )
        redirect = HttpResponseRedirect(url)
        redirect["Cache-Control"] = "private, no-store"
        return redirect
    handle = storage.open(name, "rb")
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
