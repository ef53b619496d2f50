"""Results for the owners, and for the partnership's members once published; a survey beside its clones."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from partnership.parameters import query_parameters
from surveys import charts, selectors
from surveys.models import Respondent


@query_parameters("region", "kind")
def results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_access(request.user, pk, need="results")
    as_member = not selectors.can_run(request.user, survey)
    region = request.GET.get("region", "")
    kind = request.GET.get("kind", "")
    every_answer = selectors.reader_sees_every_answer(request.user, survey)
    shown = selectors.disclosure(survey, region=region, kind=kind, every_answer=every_answer)
    language = translation.get_language() or survey.default_language
    total, sections = selectors.results(survey, language=language, region=region, kind=kind, shown=shown)
    # Each result beside its chart (none for texts and withheld results).
    charted = [
        (section, [(r, charts.result_chart(r, title=r.question.text_in("text", language))) for r in results])
        for section, results in sections
    ]
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "total": total,
            "sections": charted,
            "chart_query": urlencode({k: v for k, v in (("region", region), ("kind", kind)) if v}),
            "region": region,
            "kind": kind,
            "regions": selectors.regions(survey),
            "kinds": Respondent.Kind.choices,
            "invited": selectors.invited_count(survey, region=region, kind=kind),
            "min_group": selectors.MIN_GROUP,
            "shown": shown,
            "every_answer": every_answer,
            "as_member": as_member,
            "need_links": selectors.need_links(survey, request.user),
            "can_link_needs": selectors.can_link_needs(request.user, survey),
        },
    )


@query_parameters()
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """The survey beside its clones: which countries the reader sees and why not, and each question's results
    per country as grouped bars beside the tables."""
    survey = selectors.survey_access(request.user, pk, need="results")
    language = translation.get_language() or "en"
    clones, questions = selectors.compare(survey, user=request.user, language=language)
    charted = [
        (question, columns, charts.comparison_chart(question, question.text_in("text", language), columns))
        for question, columns in questions
    ]
    return render(
        request,
        "surveys/compare.html",
        {
            "survey": survey,
            "clones": clones,
            "shown": [clone.survey for clone in clones if clone.shown],
            "questions": charted,
            "min_group": selectors.MIN_GROUP,
            "can_run": selectors.can_run(request.user, survey),
        },
    )
