"""A question's chart downloaded as SVG or PNG, for reports: the same selection, the same small-group rule and
the same chart as on the results page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation

from partnership.parameters import query_parameters
from surveys import charts, selectors


@query_parameters("region", "kind")
def result_chart(request: HttpRequest, pk: int, question_id: int, fmt: str) -> HttpResponse:
    survey = selectors.survey_access(request.user, pk, need="results")
    if fmt not in ("svg", "png"):
        raise Http404
    language = translation.get_language() or survey.default_language
    region, kind = request.GET.get("region", ""), request.GET.get("kind", "")
    every_answer = selectors.reader_sees_every_answer(request.user, survey)
    shown = selectors.disclosure(survey, region=region, kind=kind, every_answer=every_answer)
    _total, sections = selectors.results(
        survey, language=language, region=region, kind=kind, shown=shown, with_texts=False
    )
    # A question of another survey, or one withheld for this selection, is not found here.
    result = next((r for _section, rs in sections for r in rs if r.question.pk == question_id), None)
    chart = charts.result_chart(result, title=result.question.text_in("text", language)) if result else None
    if chart is None:
        raise Http404
    if fmt == "svg":
        response = HttpResponse(
            '<?xml version="1.0" encoding="UTF-8"?>\n' + chart.svg(), content_type="image/svg+xml; charset=utf-8"
        )
    else:
        response = HttpResponse(chart.png(), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-question-{question_id}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
