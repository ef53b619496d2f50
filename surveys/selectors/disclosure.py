"""Which selections of a survey's results a reader may see, so that no small group's answers show, not even as
the difference between two selections.

The reader filters by region and by respondent type, so the submitted responses fall into cells, one per region
and type. The cells are joined into blocks of at least MIN_GROUP responses each (small cells join the others of
their region first, so the region keeps its results), and a selection is shown only when it is made of whole
blocks. Whatever a reader adds or subtracts among the selections shown (pages, charts, downloads, the comparison
across countries) is then made of whole blocks too, so it never isolates fewer than MIN_GROUP responses. This is
stronger than checking each selection against the coarser ones: with ?region=Zadar and the other cities each
shown, ?kind=city would give away Zadar's city respondents, and from them the rest of Zadar.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from surveys.models import Response, Survey
from surveys.selectors.access import can_run

# Groups with fewer responses than this are withheld from readers who do not see every answer.
MIN_GROUP = 5

Cell = tuple[str, str]  # (region, respondent type) of a response


@dataclass(frozen=True)
class Disclosure:
    """What may be shown of one selection: its number of responses, whether its answers show, and why not."""

    total: int
    shown: bool
    reason: str = ""

    @property
    def withheld(self) -> bool:
        return not self.shown


def reader_sees_every_answer(user: Any, survey: Survey) -> bool:
    """The owner and coordinators of a named survey see every group; everyone else sees whole blocks only."""
    return sees_every_answer(survey, runs=can_run(user, survey))


def sees_every_answer(survey: Survey, *, runs: bool) -> bool:
    """`reader_sees_every_answer` where whether the reader runs the survey is known already."""
    return survey.anonymity == Survey.Anonymity.NAMED and runs


def disclosure(survey: Survey, *, region: str = "", kind: str = "", every_answer: bool = False) -> Disclosure:
    """Whether the results of the responses with this region and type (empty: any) may be shown.

    One query, whatever the number of regions and responses.
    """
    return _disclosure(_cells_of([survey])[survey.pk], region, kind, every_answer=every_answer)


def whole_disclosures(surveys: list[Survey], *, every_answer: dict[int, bool]) -> dict[int, Disclosure]:
    """`disclosure` of each survey's whole results (no region or type chosen), by survey id: one query for all."""
    cells = _cells_of(surveys)
    return {
        survey.pk: _disclosure(cells[survey.pk], "", "", every_answer=every_answer[survey.pk]) for survey in surveys
    }


def _disclosure(cells: Counter[Cell], region: str, kind: str, *, every_answer: bool) -> Disclosure:
    chosen = {cell for cell in cells if _selects(cell, region, kind)}
    total = sum(cells[cell] for cell in chosen)
    if every_answer or not (region or kind):
        # The whole survey's results are what its owner publishes, at any size.
        return Disclosure(total=total, shown=True)
    if total < MIN_GROUP:
        return Disclosure(
            total=total,
            shown=False,
            reason=_("Hidden: fewer than %(min_group)s responses in this selection.") % {"min_group": MIN_GROUP},
        )
    if all(block <= chosen or not block & chosen for block in _blocks(cells)):
        return Disclosure(total=total, shown=True)
    return Disclosure(total=total, shown=False, reason=_withheld_reason(cells, region, kind, total))


def row_labels(survey: Survey) -> dict[Cell, Cell]:
    """For row-level exports to readers who do not hold the rows: each cell's region and type as far as its block
    tells them (empty where the block spans several), so the rows sharing a label are never fewer than MIN_GROUP."""
    cells = _cells(survey)
    labels = {}
    for block in _blocks(cells):
        regions, kinds = {region for region, _kind in block}, {kind for _region, kind in block}
        label = (regions.pop() if len(regions) == 1 else "", kinds.pop() if len(kinds) == 1 else "")
        labels.update(dict.fromkeys(block, label))
    return labels


def _cells(survey: Survey) -> Counter[Cell]:
    return _cells_of([survey])[survey.pk]


def _cells_of(surveys: list[Survey]) -> dict[int, Counter[Cell]]:
    """Each survey's submitted responses per cell, by survey id, in one query."""
    cells: dict[int, Counter[Cell]] = {survey.pk: Counter() for survey in surveys}
    rows = (
        Response.objects.filter(survey__in=[survey.pk for survey in surveys], submitted_at__isnull=False)
        .values_list("survey_id", "region", "respondent_kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for survey_id, region, kind, n in rows:
        cells[survey_id][(region, kind)] = n
    return cells


def _selects(cell: Cell, region: str, kind: str) -> bool:
    return (not region or cell[0] == region) and (not kind or cell[1] == kind)


def _blocks(cells: Counter[Cell]) -> list[set[Cell]]:
    """The cells joined into blocks of at least MIN_GROUP responses (one smaller block if all are fewer)."""

    def size(block: set[Cell]) -> int:
        return sum(cells[cell] for cell in block)

    blocks: list[set[Cell]] = []
    small_regions: set[Cell] = set()
    for region in sorted({region for region, _kind in cells}):
        members = sorted(cell for cell in cells if cell[0] == region)
        small = {cell for cell in members if cells[cell] < MIN_GROUP}
        large = sorted(({cell} for cell in members if cells[cell] >= MIN_GROUP), key=lambda b: (size(b), sorted(b)))
        if small and size(small) >= MIN_GROUP:
            large.append(small)
        elif small and large:
            large[0] |= small  # the region's smallest large cell takes its small ones
        else:
            small_regions |= small
        blocks += large
    if small_regions:
        # Regions with fewer than MIN_GROUP responses in all join each other, and if still too few, the smallest block.
        if size(small_regions) < MIN_GROUP and blocks:
            min(blocks, key=lambda b: (size(b), sorted(b))).update(small_regions)
        else:
            blocks.append(small_regions)
    return blocks


def _withheld_reason(cells: Counter[Cell], region: str, kind: str, total: int) -> str:
    """Name the wider selection whose difference would show a small group, where one alone does."""
    wider = []
    if region and kind:
        wider += [(region, "", _("the region %(region)s") % {"region": region})]
        wider += [("", kind, _("this respondent type"))]
    if region or kind:
        wider += [("", "", _("all responses"))]
    for wide_region, wide_kind, name in wider:
        left_out = sum(n for cell, n in cells.items() if _selects(cell, wide_region, wide_kind)) - total
        if 0 < left_out < MIN_GROUP:
            return ngettext(
                "Withheld: the results of %(wider)s are shown, and this selection leaves out only %(left_out)d "
                "of them, so comparing the two would show the answer of that %(left_out)d.",
                "Withheld: the results of %(wider)s are shown, and this selection leaves out only %(left_out)d "
                "of them, so comparing the two would show the answers of those %(left_out)d.",
                left_out,
            ) % {"wider": name, "left_out": left_out}
    return _(
        "Withheld: together with other selections that are shown, these results would show the answers of fewer "
        "than %(min_group)s respondents."
    ) % {"min_group": MIN_GROUP}
