"""Charts of results drawn on the server: SVG beside each table on the results page and as a download, PNG for
reports; the small-group rule and the permissions of the results page hold for them too."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from partnership.tests.factories import PartnershipFactory
from surveys import charts
from surveys.models import Survey
from surveys.selectors.results import histogram_bins
from surveys.tests.conftest import SPLIT, ZADAR, answer
from surveys.tests.factories import QuestionFactory, SurveyFactory, ministry_user

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def answered(analyst):
    return analyst


def chart_url(survey: Survey, question: Any, fmt: str, query: str = "") -> str:
    address = reverse("surveys:result_chart", kwargs={"pk": survey.pk, "question_id": question.pk, "fmt": fmt})
    return f"{address}?{query}" if query else address


def parse(svg: str | bytes) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the portal's own SVG


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg .*?</svg>", page, flags=re.S)


def tips(svg: str) -> list[str]:
    return [element.text or "" for element in parse(svg).iter(f"{SVG}title")][1:]


def test_the_results_page_draws_each_question_beside_its_table_without_script_or_style(client, answered, ministry):
    client.force_login(ministry)
    page = client.get(reverse("surveys:results", kwargs={"pk": answered.survey.pk})).content.decode()

    drawn = svgs(page)
    # Likert, single, yes/no, multiple, number, matrix, ranking: the short text has no chart.
    assert len(drawn) == 7
    for svg in drawn:
        root = parse(svg)
        assert root.get("role") == "img"
        assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
        assert "style=" not in svg and "<script" not in svg and "<style" not in svg
    single, multiple = drawn[1], drawn[3]
    assert "Some: 0 (0 %)" in tips(single) and "Other: 1 (50 %)" in tips(single) and "Wide: 1 (50 %)" in tips(single)
    assert "Parks: 1 (50 %)" in tips(multiple) and "Squares: 1 (50 %)" in tips(multiple)
    assert "add up to more than 100 %" in parse(multiple).find(f"{SVG}desc").text
    likert = tips(drawn[0])
    assert likert == [
        f"All answers: {point} – {n} ({share} %)"
        for point, n, share in [(1, 0, 0), (2, 1, 50), (3, 0, 0), (4, 1, 50), (5, 0, 0)]
    ]
    matrix = tips(drawn[5])
    assert "Lighting: 5 – 1 (50 %)" in matrix and "Benches: 3 – 1 (50 %)" in matrix
    number = tips(drawn[4])
    # 3.5 and 12: not whole numbers, so ten equal ranges from the lowest answer to the highest.
    assert (len(number), number[0], number[-1]) == (10, "3.5–4.35: 1", "11.15–12: 1")
    ranking = tips(drawn[6])
    assert sorted(ranking) == ["Design: 2.00", "Lighting: 2.00", "Police: 2.00"]  # first and last once each
    assert page.count(chart_url(answered.survey, answered.likert, "png")) == 1


def test_a_chart_downloads_as_svg_and_png(client, answered, ministry):
    client.force_login(ministry)
    svg = client.get(chart_url(answered.survey, answered.matrix, "svg"))
    png = client.get(chart_url(answered.survey, answered.matrix, "png"))

    assert svg["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert svg["Content-Disposition"] == (
        f'attachment; filename="survey-{answered.survey.pk}-question-{answered.matrix.pk}.svg"'
    )
    root = parse(svg.content)
    assert root.find(f"{SVG}title").text == "Rate the state of public spaces."
    assert png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.size == (
        2 * int(float(root.get("width"))),
        2 * int(float(root.get("height"))),
    )
    # The bars are painted: the scale's darkest blue is there.
    assert (0x54, 0x27, 0x88) in {colour for _n, colour in image.convert("RGB").getcolors(1 << 16)}


def test_a_chart_follows_the_small_group_rule_and_the_results_permissions(
    client, answered, ministry, coordinator, partner
):
    Survey.objects.filter(pk=answered.survey.pk).update(anonymity=Survey.Anonymity.CONFIDENTIAL)
    for n in range(4):
        answer(answered, ZADAR if n % 2 else SPLIT, region="Zadar")
    client.force_login(ministry)
    # Zadar's 5 are a block of their own, Split's one joins them: Zadar alone is withheld, as on the page.
    assert client.get(chart_url(answered.survey, answered.likert, "svg", "region=Zadar")).status_code == 404
    assert client.get(chart_url(answered.survey, answered.likert, "svg")).status_code == 200
    assert client.get(chart_url(answered.survey, answered.which, "svg")).status_code == 404, "texts have no chart"
    client.force_login(partner)
    assert client.get(chart_url(answered.survey, answered.likert, "png")).status_code == 403
    elsewhere = ministry_user(PartnershipFactory())
    other = SurveyFactory(
        partnership=elsewhere.person.organisation.memberships.first().partnership, owner=elsewhere.person.organisation
    )
    foreign = QuestionFactory.create(section__survey=other)
    client.force_login(elsewhere)
    assert client.get(chart_url(answered.survey, answered.likert, "svg")).status_code == 404
    # A question of another survey through one's own survey's address.
    client.force_login(ministry)
    forged = reverse("surveys:result_chart", kwargs={"pk": answered.survey.pk, "question_id": foreign.pk, "fmt": "svg"})
    assert client.get(forged).status_code == 404


def test_numbers_fall_into_ranges_when_they_are_many():
    assert histogram_bins(Counter({1.0: 2, 3.0: 1})) == [("1", 2), ("3", 1)]
    many = histogram_bins(Counter({float(v): 1 for v in range(0, 101)}))
    assert len(many) == 10 and many[0] == ("0–10", 10) and many[-1] == ("90–100", 11)
    assert histogram_bins(Counter({2.5: 4})) == [("2.5", 4)]


def test_the_chart_escapes_what_respondents_and_owners_wrote():
    chart = charts.bars("x", "<script>", [("<b>&", 1, "1")], desc="d")
    svg = chart.svg()
    assert "<script>" not in svg and "&lt;b&gt;&amp;" in svg
    parse(svg)
