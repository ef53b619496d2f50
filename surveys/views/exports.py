"""The owners' response exports: direct downloads for small surveys, background exports with their progress
for large ones, and the codebook."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnership import spreadsheets
from partnership.parameters import query_parameters
from surveys import exports, layouts, selectors
from surveys.models import SurveyExport


@query_parameters()
def export(
    request: HttpRequest, pk: int, fmt: str = "csv", layout: str = layouts.LABELS
) -> HttpResponse | StreamingHttpResponse:
    """The responses in CSV or XLSX, at once for a small survey; a large one goes to the background export."""
    survey = selectors.survey_access(request.user, pk, need="run")
    if fmt not in ("csv", "xlsx") or layout not in layouts.LAYOUTS:
        raise Http404
    count = exports.submitted_count(survey)
    if count > exports.DIRECT_LIMIT:
        messages.info(
            request,
            ngettext(
                "This survey has %(count)d response: prepare the file in the background and download it when ready.",
                "This survey has %(count)d responses: prepare the file in the background and download it when ready.",
                count,
            )
            % {"count": count},
        )
        return redirect("surveys:exports", pk=survey.pk)
    coarse = not selectors.holds_the_rows(request.user, survey)
    if fmt == SurveyExport.Format.XLSX:
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
        exports.write_xlsx(survey, handle, coarse=coarse, layout=layout)
        handle.seek(0)
        return spreadsheets.file_response(
            handle, filename=exports.filename(survey, fmt, layout), content_type=exports.XLSX_CONTENT_TYPE
        )
    table = exports.response_table(survey, coarse=coarse, layout=layout)
    return spreadsheets.csv_response(table.header, table.rows, filename=exports.filename(survey, "csv", layout))


@query_parameters()
def codebook(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    survey = selectors.survey_access(request.user, pk, need="run")
    rows = exports.codebook_rows(survey)
    return spreadsheets.csv_response(rows[0], rows[1:], filename=f"survey-{survey.pk}-codebook.csv", stream=False)


@query_parameters("page")
def export_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Background exports of the survey with their progress; the page refreshes itself while one is under way."""
    survey = selectors.survey_access(request.user, pk, need="run")
    if request.method == "POST":
        fmt = request.POST.get("format", "")
        layout = request.POST.get("layout", layouts.LABELS)
        if fmt not in SurveyExport.Format.values or layout not in layouts.LAYOUTS:
            messages.error(request, _("Choose CSV, XLSX, SPSS or Stata, and a layout."))
        else:
            exports.export_request(survey=survey, fmt=fmt, by=request.user, layout=layout)
            messages.success(request, _("The export is being prepared; this page shows its progress."))
        return redirect("surveys:exports", pk=survey.pk)
    coarse = not selectors.holds_the_rows(request.user, survey)
    page = Paginator(selectors.exports_of(survey, coarse_only=coarse), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/exports.html",
        {
            "survey": survey,
            "page": page,
            "formats": SurveyExport.Format.choices,
            "layouts": SurveyExport.Layout.choices,
            "spreadsheet_formats": [(f, label) for f, label in SurveyExport.Format.choices if f in ("csv", "xlsx")],
            "statistical_formats": [
                (f, label) for f, label in SurveyExport.Format.choices if f in spreadsheets.STATISTICAL_FORMATS
            ],
            "responses": exports.submitted_count(survey),
            "direct_limit": exports.DIRECT_LIMIT,
            "refresh": any(export.in_progress for export in page.object_list),
            "coarse": coarse,
            "min_group": selectors.MIN_GROUP,
        },
    )


@query_parameters()
def export_download(request: HttpRequest, pk: int, export_id: int) -> FileResponse:
    """A finished background export, streamed after the owner check: export files are never public media."""
    survey, export = selectors.export_access(request.user, pk, export_id)
    return spreadsheets.file_response(
        export.file.open("rb"),
        filename=exports.filename(survey, export.format, export.layout),
        content_type=exports.content_type(export.format),
    )
