"""What a statistics page is made of, whatever its audience: key figures and tables, each
value beside the previous period's. The same objects are drawn as SVG charts, printed in
the council report, written to ODS and CSV, shared by link and answered as JSON.

`published(section)` is the only way out of the staff area: every count from 1 to 4 becomes
"moins de 5" (`SUPPRESSED`), and in a table whose cells add up to a total, a second cell is
hidden whenever only one was, so that nobody finds a small count by subtraction (the
"secondary suppression" of statistical offices). Ratios and medians computed from fewer
than 5 records, or whose count on top is from 1 to 4, are hidden too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# Counts from 1 to THRESHOLD - 1 never leave the staff area.
THRESHOLD = 5


class Suppressed:
    """A count too small to publish; shown as "moins de 5"."""

    def __str__(self):
        return str(_("moins de 5"))

    def __repr__(self):
        return "SUPPRESSED"

    def __eq__(self, other):
        return isinstance(other, Suppressed)

    def __hash__(self):
        return 0


SUPPRESSED = Suppressed()

COUNT = "count"
PERCENT = "percent"
DAYS = "days"
MINUTES = "minutes"


@dataclass
class Figure:
    """One key figure: "1 240 personnes accompagnées (1 102 la période précédente)".

    `base` (ratios and medians): how many records the value was computed from, and
    `base_previous` for the previous period; under the threshold the value is not published."""

    slug: str
    label: str
    value: float | int | None
    previous: float | int | None = None
    unit: str = COUNT
    base: int | None = None
    base_previous: int | None = None
    # Shares: the count on top of the fraction (10 % of 10 would give a hidden 1 back).
    part: int | None = None
    part_previous: int | None = None
    help: str = ""


@dataclass
class Row:
    label: str
    values: list  # one per column
    code: str = ""  # the value's code (theme, channel…) for exports and the API


@dataclass
class Table:
    """A breakdown. `columns` name the values of each row: usually the period and the
    previous one. `additive`: the rows split a total (each record in one row), so a small
    cell could be found by subtraction; themes (several per record) are not additive.
    `chart`: "bars", "heatmap" or "" (table only)."""

    slug: str
    title: str
    rows: list[Row]
    columns: list[str] = field(default_factory=list)
    unit: str = COUNT
    additive: bool = True
    chart: str = "bars"
    note: str = ""
    total: Row | None = None
    # The slug of a table of the same shape whose cells are sums of this one's and of its
    # siblings' (a place's heat map, part of the all-places map): suppressed together.
    part_of: str = ""

    def column(self, index: int) -> list:
        return [row.values[index] for row in self.rows]


@dataclass
class Section:
    """What one audience's page shows, for one period and one set of filters."""

    slug: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, slug: str) -> Table:
        return next(t for t in self.tables if t.slug == slug)

    def figure(self, slug: str) -> Figure:
        return next(f for f in self.figures if f.slug == slug)


def is_small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < THRESHOLD


def _hide(value):
    return SUPPRESSED if is_small(value) else value


def _published_figure(figure: Figure) -> Figure:
    if figure.unit == COUNT:
        return dataclasses.replace(figure, value=_hide(figure.value), previous=_hide(figure.previous))
    value, previous = figure.value, figure.previous
    if (figure.base is not None and figure.base < THRESHOLD) or is_small(figure.part):
        value = SUPPRESSED if value is not None else None
    if (figure.base_previous is not None and figure.base_previous < THRESHOLD) or is_small(figure.part_previous):
        previous = SUPPRESSED if previous is not None else None
    return dataclasses.replace(figure, value=value, previous=previous)


def _suppress_column(values: list, additive: bool) -> list:
    """Primary suppression of small counts; for an additive line, a second cell (the
    smallest one left, zero aside) when exactly one was hidden, so that the total minus the
    others does not give it back."""
    out = [_hide(v) for v in values]
    if additive and sum(1 for v in out if v is SUPPRESSED) == 1:
        shown = [(v, i) for i, v in enumerate(out) if type(v) is int and v > 0]
        if shown:
            out[min(shown)[1]] = SUPPRESSED
    return out


def _suppress_grid(grid: list[list], *, columns: bool, rows: bool) -> list[list]:
    """Suppress small counts, then secondary cells along columns and/or rows, until no line
    has a single hidden cell left (a second pass may be needed when one line's second cell
    leaves another line with one)."""
    grid = [[_hide(v) for v in line] for line in grid]
    for _pass in range(10):
        before = [list(line) for line in grid]
        if columns and grid:
            for index in range(len(grid[0])):
                hidden = _suppress_column([line[index] for line in grid], True)
                for line, value in zip(grid, hidden, strict=True):
                    line[index] = value
        if rows:
            grid = [_suppress_column(line, True) for line in grid]
        if grid == before:
            break
    return grid


def published_table(table: Table) -> Table:
    if table.unit != COUNT:
        # Shares and durations: selectors leave None where they rest on too few records.
        return table
    grid = _suppress_grid([list(r.values) for r in table.rows], columns=table.additive, rows=table.chart == "heatmap")
    rows = [Row(r.label, values, r.code) for r, values in zip(table.rows, grid, strict=True)]
    total = None
    if table.total is not None:
        total = Row(table.total.label, [_hide(v) for v in table.total.values], table.total.code)
    return dataclasses.replace(table, rows=rows, total=total)


def _suppress_parts(tables: list[Table]) -> None:
    """Tables that add up to another one (`part_of`): at each cell, the parts are a line
    whose total the whole shows, so one hidden part brings a second one down (or the total,
    when nothing else can go); each changed table is then suppressed again in itself, until
    nothing moves."""
    by_slug = {t.slug: t for t in tables}
    groups: dict[str, list[Table]] = {}
    for table in tables:
        if table.part_of in by_slug:
            groups.setdefault(table.part_of, []).append(table)
    for _pass in range(10):
        changed = False
        for slug, parts in groups.items():
            whole = by_slug[slug]
            for r, row in enumerate(whole.rows):
                for c, total in enumerate(row.values):
                    if total is SUPPRESSED:
                        continue
                    line = [part.rows[r].values[c] for part in parts]
                    if sum(1 for v in line if v is SUPPRESSED) != 1:
                        continue
                    shown = [(v, i) for i, v in enumerate(line) if type(v) is int and v > 0]
                    if shown:
                        parts[min(shown)[1]].rows[r].values[c] = SUPPRESSED
                    else:
                        row.values[c] = SUPPRESSED
                    changed = True
        if not changed:
            return
        for table in {id(t): t for parts in groups.values() for t in [*parts, by_slug[parts[0].part_of]]}.values():
            grid = _suppress_grid([r.values for r in table.rows], columns=table.additive, rows=table.chart == "heatmap")
            for row, values in zip(table.rows, grid, strict=True):
                row.values = values


def published(section: Section) -> Section:
    """The section as it may leave the staff area (council report, share link, open data)."""
    tables = [published_table(t) for t in section.tables]
    _suppress_parts(tables)
    return dataclasses.replace(section, figures=[_published_figure(f) for f in section.figures], tables=tables)


def share(part: int, whole: int) -> float | None:
    """Percentage, one decimal; None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None
