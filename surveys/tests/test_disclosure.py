"""Small groups stay hidden, also as the difference between two selections a reader may open (issue 12, item 3)."""

from __future__ import annotations

import csv
import io
import itertools
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys import exports, selectors, services
from surveys.models import Answer, Respondent, Response, Survey, SurveyExport
from surveys.tests.factories import open_survey

pytestmark = pytest.mark.django_db
CITY, MUNICIPALITY = Respondent.Kind.CITY, Respondent.Kind.MUNICIPALITY


def respond(built: Any, region: str, kind: str, count: int, *, likert: int, text: str) -> None:
    """`count` submitted responses from this region and type, each with this rating and this free text."""
    for _ in range(count):
        response = Response.objects.create(
            survey=built.survey, region=region, respondent_kind=kind, submitted_at=timezone.now()
        )
        Answer.objects.create(response=response, question=built.likert, value=likert)
        Answer.objects.create(response=response, question=built.which, value=text)


@pytest.fixture
def zadar(built, ministry):
    """The issue's case, published: Zadar has 8 responses, 6 of them from cities; the other 2 (municipalities)
    rate 1 and write a text nobody may pin on them. Split has 7 cities and 5 municipalities."""
    survey = open_survey(built.survey)
    respond(built, "Zadar", CITY, 6, likert=5, text="City answer")
    respond(built, "Zadar", MUNICIPALITY, 2, likert=1, text="Our mayor ignores the square")
    respond(built, "Split", CITY, 7, likert=5, text="City answer")
    respond(built, "Split", MUNICIPALITY, 5, likert=4, text="Split municipality answer")
    services.survey_transition(survey=survey, to_state=Survey.State.CLOSED, by=ministry)
    services.survey_transition(survey=survey, to_state=Survey.State.RESULTS_PUBLISHED, by=ministry)
    return built


def page(client: Any, survey: Survey, **filters: str) -> str:
    response = client.get(reverse("surveys:results", kwargs={"pk": survey.pk}), filters)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("reader", ["partner", "ministry", "coordinator"])
def test_a_selection_whose_difference_from_a_wider_one_is_small_is_withheld(client, zadar, reader, request):
    client.force_login(request.getfixturevalue(reader))

    whole_region = page(client, zadar.survey, region="Zadar")
    assert "8 submitted responses" in whole_region
    assert 'id="withheld"' not in whole_region
    assert "Our mayor ignores the square" in whole_region, "8 responses: their texts show, not whose they are"

    cities = page(client, zadar.survey, region="Zadar", kind=CITY)
    assert "6 submitted responses" in cities
    assert 'id="withheld"' in cities
    assert "leaves out only 2" in cities, "the page says why"
    assert "City answer" not in cities and "Mean" not in cities
    assert "responses are counted in groups of at least 5" in cities

    # Nor through the other door: all cities, less Split's cities (shown), would be Zadar's cities again.
    assert 'id="withheld"' not in page(client, zadar.survey, region="Split", kind=CITY)
    assert 'id="withheld"' in page(client, zadar.survey, kind=CITY)


def test_the_owner_of_a_named_survey_sees_every_selection(client, zadar, ministry):
    Survey.objects.filter(pk=zadar.survey.pk).update(anonymity=Survey.Anonymity.NAMED)
    client.force_login(ministry)
    cities = page(client, zadar.survey, region="Zadar", kind=CITY)
    assert 'id="withheld"' not in cities and "City answer" in cities
    assert "responses are counted in groups" not in cities


def test_a_withheld_selection_does_not_say_how_many_answered_each_question(zadar):
    # A question asked only after some answer would tell that answer by its count.
    _total, sections = selectors.results(zadar.survey, language="en", region="Zadar", kind=CITY, hide_small=True)
    results = [result for _section, rs in sections for result in rs]
    assert all(result.hidden and result.answered == 0 and not result.texts for result in results)


def test_the_comparison_across_countries_uses_the_same_rule(client, zadar, partner):
    client.force_login(partner)
    compared = client.get(reverse("surveys:compare", kwargs={"pk": zadar.survey.pk})).content.decode()
    assert "Hidden: too few responses." not in compared, "a country's whole results are published"
    assert "fewer than 5 respondents" in compared


# Row-level exports for readers who are not the owner ------------------------------------------------------------


def exported(client: Any, survey: Survey) -> list[dict[str, str]]:
    response = client.get(reverse("surveys:export", kwargs={"pk": survey.pk}))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_coordinator_gets_rows_that_show_only_groups_results_would_show(client, zadar, coordinator):
    client.force_login(coordinator)
    rows = exported(client, zadar.survey)
    assert len(rows) == 20
    assert "response" not in rows[0] and "submitted_at" not in rows[0] and "language" not in rows[0]
    labels = {(row["region"], row["kind"]) for row in rows}
    # Zadar's two municipalities share a block with its cities: the rows say Zadar, not which type.
    assert ("Zadar", "") in labels
    assert ("Zadar", CITY) not in labels and ("Zadar", MUNICIPALITY) not in labels
    for label in labels:
        assert sum((row["region"], row["kind"]) == label for row in rows) >= selectors.MIN_GROUP
    page = client.get(reverse("surveys:exports", kwargs={"pk": zadar.survey.pk})).content.decode()
    assert 'id="coarse-rows"' in page


def test_the_owner_gets_the_rows_as_they_stand(client, zadar, ministry):
    client.force_login(ministry)
    rows = exported(client, zadar.survey)
    assert sum(row["region"] == "Zadar" and row["kind"] == MUNICIPALITY for row in rows) == 2
    assert rows[0]["response"] and rows[0]["submitted_at"]


def test_a_background_export_is_coarse_for_the_coordinator_and_the_owners_file_stays_out_of_reach(
    client, zadar, ministry, coordinator, settings, tmp_path: Path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    full = exports.export_run(export=exports.export_request(survey=zadar.survey, fmt="csv", by=ministry))
    coarse = exports.export_run(export=exports.export_request(survey=zadar.survey, fmt="csv", by=coordinator))
    assert (full.coarse, coarse.coarse) == (False, True)
    assert SurveyExport.objects.filter(pk=full.pk).exists(), "a coarse file does not replace the owner's"
    client.force_login(coordinator)
    listing = client.get(reverse("surveys:exports", kwargs={"pk": zadar.survey.pk})).content.decode()
    download = "surveys:export_download"
    assert reverse(download, kwargs={"pk": zadar.survey.pk, "export_id": coarse.pk}) in listing
    assert reverse(download, kwargs={"pk": zadar.survey.pk, "export_id": full.pk}) not in listing
    assert client.get(reverse(download, kwargs={"pk": zadar.survey.pk, "export_id": full.pk})).status_code == 404
    text = b"".join(
        client.get(reverse(download, kwargs={"pk": zadar.survey.pk, "export_id": coarse.pk})).streaming_content
    )
    assert b"Zadar," in text and b"Zadar,city" not in text and b"Zadar,municipality" not in text


# The rule itself, against every combination a reader can make --------------------------------------------------


def in_span(vectors: list[list[Fraction]], target: list[Fraction]) -> bool:
    """Whether `target` is a linear combination of `vectors` (Gaussian elimination over the rationals)."""
    rows = [row[:] for row in vectors]
    pivots: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        for column, pivot in pivots:
            if row[column]:
                factor = row[column] / pivot[column]
                row[:] = [a - factor * b for a, b in zip(row, pivot, strict=True)]
        lead = next((i for i, value in enumerate(row) if value), None)
        if lead is not None:
            pivots.append((lead, row))
    rest = target[:]
    for column, pivot in pivots:
        if rest[column]:
            factor = rest[column] / pivot[column]
            rest = [a - factor * b for a, b in zip(rest, pivot, strict=True)]
    return not any(rest)


@pytest.mark.parametrize("seed", range(12))
def test_no_combination_of_shown_selections_isolates_fewer_than_five_responses(survey, seed):
    """Random tables of regions and types: every selection a reader may request is asked, and no sum or difference
    of those shown (the whole survey included) singles out a group of 1 to 4 responses."""
    rng = random.Random(seed)
    regions = ["Zadar", "Split", "Osijek", ""][: rng.randint(2, 4)]
    kinds = [CITY, MUNICIPALITY, Respondent.Kind.REGION][: rng.randint(2, 3)]
    cells = {(r, k): rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12]) for r in regions for k in kinds}
    Response.objects.bulk_create(
        Response(survey=survey, region=r, respondent_kind=k, submitted_at=timezone.now())
        for (r, k), n in cells.items()
        for _ in range(n)
    )
    order = sorted(cell for cell, n in cells.items() if n)
    shown = []
    for region, kind in itertools.product(["", *[r for r in regions if r]], ["", *kinds]):
        if selectors.disclosure(survey, region=region, kind=kind).shown:
            shown.append([Fraction(int((not region or r == region) and (not kind or k == kind))) for r, k in order])
    assert shown, "the whole survey at least"
    for size in range(1, len(order) + 1):
        for group in itertools.combinations(range(len(order)), size):
            responses = sum(cells[order[i]] for i in group)
            if 0 < responses < selectors.MIN_GROUP and size < len(order):  # the whole survey is published as such
                target = [Fraction(int(i in group)) for i in range(len(order))]
                assert not in_span(shown, target), f"{[order[i] for i in group]} of {cells} can be isolated"


def test_the_reason_is_given_in_the_readers_language(client, zadar, partner):
    client.force_login(partner)
    client.cookies["django_language"] = "hr"
    cities = page(client, zadar.survey, region="Zadar", kind=CITY)
    assert "prikazani su rezultati za regiju Zadar, a ovaj odabir od njih izostavlja samo 2" in cities
    assert "Radi zaštite ispitanika" in cities
