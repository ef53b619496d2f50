"""Charts of survey results, drawn on the server: one layout of rectangles and texts per chart, written as SVG
for the page and its download, and painted as PNG by Pillow for reports.

The SVG needs no script, no stylesheet and no style attribute (the CSP allows neither inline), only
presentation attributes, so it reads the same on the page, downloaded, and with JavaScript off; its <title>
and <desc> say what it shows, and the table beside it on the page holds every figure. Pillow's wheels carry
FreeType and the PNG codec, so the PNG needs no system library on a plain Debian server, and it paints the very
shapes the SVG draws rather than a second rendering of the data. Building a chart is a little arithmetic per
bar, so the results page stays about as fast as without them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from surveys.models import Question
from surveys.selectors.results import QuestionResult

WIDTH = 640
LABEL_WIDTH = 210
ROW = 26
BAR = 16
TOP = 8
FONT_SIZE = 12
LABEL_CHARS = 32
INK, MUTED, GRID = "#212529", "#495057", "#ced4da"
BAR_COLOUR = "#0d6efd"
# Diverging scale from 1 to 5 (ColorBrewer's PuOr, dark ends readable on white, the middle grey).
SCALE_COLOURS = ("#b35806", "#f1a340", "#bdbdbd", "#998ec3", "#542788")
# Countries in a grouped chart (Okabe and Ito's palette, told apart by people with colour blindness).
SERIES_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000")


@dataclass
class Shape:
    kind: str  # "rect", "text" or "line"
    x: float
    y: float
    w: float = 0
    h: float = 0
    fill: str = INK
    text: str = ""
    anchor: str = "start"  # of a text: start, middle or end at x, its baseline at y
    tip: str = ""  # a rectangle's own <title>: the figure it stands for


@dataclass
class Chart:
    """A chart's shapes with its title and description, ready for `svg()` and `png()`."""

    key: str
    title: str
    desc: str
    height: float = 0
    width: float = WIDTH
    shapes: list[Shape] = field(default_factory=list)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> None:
        self.shapes.append(Shape("rect", x, y, max(w, 0), h, fill, tip=tip))

    def text(self, x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK) -> None:
        self.shapes.append(Shape("text", x, y, fill=fill, text=text, anchor=anchor))

    def line(self, x: float, y: float, x2: float, y2: float) -> None:
        self.shapes.append(Shape("line", x, y, x2, y2, GRID))

    def svg(self) -> SafeString:
        title_id, desc_id = f"chart-{self.key}-title", f"chart-{self.key}-desc"
        parts = [
            '<svg xmlns="http://www.w3.org/2000/svg" class="result-chart" '
            f'viewBox="0 0 {self.width:g} {self.height:g}" width="{self.width:g}" height="{self.height:g}" '
            f'role="img" aria-labelledby="{title_id} {desc_id}" '
            f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}">',
            f'<title id="{title_id}">{escape(self.title)}</title><desc id="{desc_id}">{escape(self.desc)}</desc>',
            f'<rect x="0" y="0" width="{self.width:g}" height="{self.height:g}" fill="#ffffff"/>',
        ]
        for s in self.shapes:
            if s.kind == "rect":
                tip = f"<title>{escape(s.tip)}</title>" if s.tip else ""
                box = f'x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}"'
                parts.append(f'<rect {box} fill="{s.fill}">{tip}</rect>')
            elif s.kind == "line":
                parts.append(f'<line x1="{s.x:.1f}" y1="{s.y:.1f}" x2="{s.w:.1f}" y2="{s.h:.1f}" stroke="{s.fill}"/>')
            else:
                place = f'x="{s.x:.1f}" y="{s.y:.1f}" text-anchor="{s.anchor}"'
                parts.append(f'<text {place} fill="{s.fill}">{escape(s.text)}</text>')
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped

    def png(self, *, scale: int = 2) -> bytes:
        from PIL import Image, ImageDraw, ImageFont

        image = Image.new("RGB", (int(self.width * scale), int(self.height * scale)), "#ffffff")
        draw = ImageDraw.Draw(image)
        font = ImageFont.load_default(size=FONT_SIZE * scale)
        anchors = {"start": "ls", "middle": "ms", "end": "rs"}
        for s in self.shapes:
            if s.kind == "rect" and s.w > 0:
                box = (s.x * scale, s.y * scale, (s.x + s.w) * scale - 1, (s.y + s.h) * scale - 1)
                draw.rectangle(box, fill=s.fill)
            elif s.kind == "line":
                draw.line((s.x * scale, s.y * scale, s.w * scale, s.h * scale), fill=s.fill, width=scale)
            elif s.kind == "text":
                draw.text((s.x * scale, s.y * scale), s.text, fill=s.fill, font=font, anchor=anchors[s.anchor])
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=False)
        return out.getvalue()


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _percent(value: float) -> str:
    return f"{value:.0f} %"


def bars(key: str, title: str, rows: Sequence[tuple[str, float, str]], *, desc: str, maximum: float = 0) -> Chart:
    """Horizontal bars, one per row (label, value, the figure written beside it)."""
    chart = Chart(key, title, desc)
    top = max([maximum, *[value for _label, value, _text in rows]]) or 1
    room = WIDTH - LABEL_WIDTH - 80
    for index, (label, value, text) in enumerate(rows):
        y = TOP + index * ROW
        chart.text(LABEL_WIDTH - 8, y + BAR - 3, _short(label), anchor="end")
        length = room * value / top
        chart.rect(LABEL_WIDTH, y, length, BAR, BAR_COLOUR, tip=f"{label}: {text}")
        chart.text(LABEL_WIDTH + length + 6, y + BAR - 3, text, fill=MUTED)
    chart.line(LABEL_WIDTH, TOP - 4, LABEL_WIDTH, TOP + len(rows) * ROW - 6)
    chart.height = TOP + len(rows) * ROW + 4
    return chart


def diverging(
    key: str, title: str, rows: Sequence[tuple[str, Sequence[int]]], *, low: str, high: str, desc: str
) -> Chart:
    """Diverging stacked bars of a 1-5 scale: 1 and 2 to the left of the middle, 4 and 5 to its right, 3 across it;
    each row is its answers' shares, so rows of different sizes compare."""
    chart = Chart(key, title, desc)
    half = (WIDTH - LABEL_WIDTH - 20) / 2
    middle = LABEL_WIDTH + half
    for index, (label, counts) in enumerate(rows):
        y = TOP + index * ROW
        total = sum(counts) or 1
        shares = [half * n / total for n in counts]  # all answers on one side would reach the edge
        chart.text(LABEL_WIDTH - 8, y + BAR - 3, _short(label), anchor="end")
        x = middle - shares[0] - shares[1] - shares[2] / 2
        for point, (share, n) in enumerate(zip(shares, counts, strict=True), start=1):
            chart.rect(
                x, y, share, BAR, SCALE_COLOURS[point - 1], tip=f"{label}: {point} – {n} ({100 * n / total:.0f} %)"
            )
            x += share
    legend_y = TOP + len(rows) * ROW + 14
    chart.line(middle, TOP - 4, middle, legend_y - 16)
    names = {1: f"1 {_short(low, 24)}", 5: f"5 {_short(high, 24)}"}
    x = 10.0
    for point in range(1, 6):
        name = names.get(point, str(point))
        chart.rect(x, legend_y - 10, 12, 12, SCALE_COLOURS[point - 1])
        chart.text(x + 16, legend_y, name, fill=MUTED)
        x += 16 + len(name) * 7 + 18  # about 7 px a character at this size
    chart.height = legend_y + 8
    return chart


def histogram(key: str, title: str, bins: Sequence[tuple[str, int]], *, desc: str) -> Chart:
    """Vertical bars of how many answers fall in each range of a number."""
    chart = Chart(key, title, desc)
    base, tallest = 150, max([n for _label, n in bins] or [1]) or 1
    width = (WIDTH - 40) / max(len(bins), 1)
    for index, (label, n) in enumerate(bins):
        x = 20 + index * width
        height = 120 * n / tallest
        chart.rect(x + 2, base - height, width - 4, height, BAR_COLOUR, tip=f"{label}: {n}")
        chart.text(x + width / 2, base - height - 4, str(n), anchor="middle", fill=MUTED)
        chart.text(x + width / 2, base + 16, _short(label, 14), anchor="middle")
    chart.line(20, base, WIDTH - 20, base)
    chart.height = base + 26
    return chart


def grouped(
    key: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, list[float | None]]],
    *,
    unit: str,
    desc: str,
    maximum: float = 0,
) -> Chart:
    """Grouped horizontal bars: for each category one bar per series (country), with a legend."""
    chart = Chart(key, title, desc)
    values = [v for _name, vs in series for v in vs if v is not None]
    top = max([maximum, *values]) or 1
    room = WIDTH - LABEL_WIDTH - 80
    bar = 12
    group = bar * max(len(series), 1) + 12
    for index, category in enumerate(categories):
        y = TOP + index * group
        chart.text(LABEL_WIDTH - 8, y + bar - 2, _short(category), anchor="end")
        for number, (name, vs) in enumerate(series):
            value = vs[index]
            colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
            by = y + number * bar
            if value is None:
                chart.text(LABEL_WIDTH + 4, by + bar - 2, f"{name}: {gettext('withheld')}", fill=MUTED)
                continue
            length = room * value / top
            figure = f"{value:.0f} %" if unit == "%" else f"{value:.2f}"
            chart.rect(LABEL_WIDTH, by, length, bar - 2, colour, tip=f"{category}, {name}: {figure}")
            chart.text(LABEL_WIDTH + length + 4, by + bar - 3, figure, fill=MUTED)
    legend_y = TOP + len(categories) * group + 10
    for number, (name, _vs) in enumerate(series):
        x = 10 + number * 150
        chart.rect(x, legend_y - 10, 12, 12, SERIES_COLOURS[number % len(SERIES_COLOURS)])
        chart.text(x + 16, legend_y, _short(name, 20), fill=MUTED)
    chart.height = legend_y + 8
    return chart


# Charts of results -------------------------------------------------------------------------------


def _row_label(result: QuestionResult, label: str, last: bool) -> str:
    fixed = result.question.kind == Question.Kind.YES_NO or (result.question.has_other and last)
    return gettext(label) if fixed else label


def result_chart(result: QuestionResult, *, title: str, key: str = "") -> Chart | None:
    """The chart of one question's result, or None where there is none (texts, nothing answered, withheld)."""
    if result.hidden or not result.answered:
        return None
    question = result.question
    kind = question.kind
    key = key or str(question.pk)
    answered = result.answered
    if kind == Question.Kind.RANKING and result.rows:
        rows = [(label, average, f"{average:.2f}") for label, _points, average in result.rows]
        desc = gettext("Average score of each option over %(n)d answers; a first place scores %(top)d points.") % {
            "n": answered,
            "top": len(rows),
        }
        return bars(key, title, rows, desc=desc, maximum=len(rows))
    if kind == Question.Kind.LIKERT and result.rows:
        counts = [count for _label, count, _percent in result.rows]
        low, high = _ends(question)
        desc = gettext("Shares of %(n)d answers on a scale from 1 (%(low)s) to 5 (%(high)s); mean %(mean)s.") % {
            "n": answered,
            "low": low,
            "high": high,
            "mean": result.mean,
        }
        return diverging(key, title, [(gettext("All answers"), counts)], low=low, high=high, desc=desc)
    if kind == Question.Kind.MATRIX and result.matrix:
        low, high = _ends(question)
        desc = gettext("Shares of the ratings of each row, from 1 (%(low)s) to 5 (%(high)s).") % {
            "low": low,
            "high": high,
        }
        return diverging(
            key, title, [(label, counts) for label, counts, _mean in result.matrix], low=low, high=high, desc=desc
        )
    if kind == Question.Kind.NUMBER and result.histogram:
        desc = gettext("How many of %(n)d answers fall in each range; mean %(mean)s.") % {
            "n": answered,
            "mean": result.mean,
        }
        return histogram(key, title, result.histogram, desc=desc)
    if result.rows:
        last = len(result.rows) - 1
        rows = [
            (_row_label(result, label, i == last), percent, f"{count} ({_percent(percent)})")
            for i, (label, count, percent) in enumerate(result.rows)
        ]
        desc = gettext("Share of %(n)d answers choosing each option.") % {"n": answered}
        if kind == Question.Kind.MULTIPLE:
            desc += " " + gettext("Several options could be chosen, so the shares add up to more than 100 %.")
        return bars(key, title, rows, desc=desc, maximum=100)
    return None


def _ends(question: Question) -> tuple[str, str]:
    return (
        question.likert_low_label or pgettext("scale", "strongly disagree"),
        question.likert_high_label or pgettext("scale", "strongly agree"),
    )


def funnel_chart(stages: Sequence[tuple[str, int, float | None]], *, title: str) -> Chart:
    """The invitation funnel: each stage (label, count, rate) as a bar, its count with its rate beside it."""
    rows = [(label, n, f"{n} ({_percent(rate)})" if rate is not None else str(n)) for label, n, rate in stages]
    desc = gettext(
        "How many respondents reached each stage: invited as a share of the list, the later stages as a share "
        "of the invited."
    )
    return bars("funnel", title, rows, desc=desc)


Series = list[tuple[str, list[float | None]]]


def comparison_chart(
    question: Question, title: str, columns: Sequence[tuple[Any, QuestionResult | None]]
) -> Chart | None:
    """Grouped bars per country for one question of the comparison: the share choosing each option, the mean
    of a scale or a number per row, or the average score of each ranked option."""
    shown = [(survey, result) for survey, result in columns if result is not None]
    if not shown:
        return None
    names = [str(survey.country.name) for survey, _result in shown]
    series: Series
    kind = question.kind
    key = f"compare-{question.identity}"
    if kind == Question.Kind.MATRIX:
        first = next((r for _s, r in shown if r.matrix), None)
        if first is None:
            return None
        categories = [label for label, _counts, _mean in first.matrix]
        series = [
            (name, [mean for _l, _c, mean in r.matrix] if not r.hidden and r.matrix else [None] * len(categories))
            for name, (_s, r) in zip(names, shown, strict=True)
        ]
        return grouped(
            key,
            title,
            categories,
            series,
            unit="mean",
            maximum=5,
            desc=gettext("Mean rating of each row (1 to 5) per country."),
        )
    if kind in (Question.Kind.LIKERT, Question.Kind.NUMBER):
        series = [(name, [None if r.hidden else r.mean]) for name, (_s, r) in zip(names, shown, strict=True)]
        desc = gettext("Mean answer per country.")
        return grouped(
            key,
            title,
            [gettext("Mean")],
            series,
            unit="mean",
            maximum=5 if kind == Question.Kind.LIKERT else 0,
            desc=desc,
        )
    first = next((r for _s, r in shown if r.rows and not r.hidden), None)
    if first is None:
        return None
    if kind == Question.Kind.RANKING:
        categories = sorted(label for label, _p, _a in first.rows)
        series = [
            (
                name,
                [None] * len(categories)
                if r.hidden
                else [{label: a for label, _p, a in r.rows}.get(c) for c in categories],
            )
            for name, (_s, r) in zip(names, shown, strict=True)
        ]
        return grouped(
            key, title, categories, series, unit="score", desc=gettext("Average score of each option per country.")
        )
    last = len(first.rows) - 1
    categories = [_row_label(first, label, i == last) for i, (label, _c, _p) in enumerate(first.rows)]
    series = [
        (name, [None] * len(categories) if r.hidden else [percent for _l, _c, percent in r.rows])
        for name, (_s, r) in zip(names, shown, strict=True)
    ]
    return grouped(
        key,
        title,
        categories,
        series,
        unit="%",
        maximum=100,
        desc=gettext("Share of answers choosing each option, per country."),
    )
