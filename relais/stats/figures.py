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
    # What else shows this count, so that publishing one does not give the other back:
    # `cell` (table slug, row code): the same count as that cell, hidden with it;
    # `part_of` (figure slug): a part of that figure, hidden when the rest is from 1 to 4;
    # `total_of` (table slug): the total of that table, hidden when any of its cells is
    # (its cells are shown elsewhere too, e.g. in another section of the council report).
    cell: tuple[str, str] | None = None
    part_of: str = ""
    total_of: str = ""


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


def _published_figure(figure: Figure, figures: dict[str, Figure], tables: dict[str, Table]) -> Figure:
    """`figures` and `tables`: the section's raw figures and its already published tables."""
    value, previous = figure.value, figure.previous
    hide = [False, False]
    if figure.unit == COUNT:
        hide = [is_small(value), is_small(previous)]
        if figure.cell and figure.cell[0] in tables:
            row = next((r for r in tables[figure.cell[0]].rows if r.code == figure.cell[1]), None)
            if row is not None:
                hide = [h or (i < len(row.values) and row.values[i] is SUPPRESSED) for i, h in enumerate(hide)]
        if figure.total_of in tables:
            table = tables[figure.total_of]
            hide = [
                h or any(i < len(r.values) and r.values[i] is SUPPRESSED for r in table.rows)
                for i, h in enumerate(hide)
            ]
        whole = figures.get(figure.part_of)
        if whole is not None:
            hide[0] = hide[0] or _small_rest(whole.value, value)
            hide[1] = hide[1] or _small_rest(whole.previous, previous)
    else:
        hide[0] = _small_share(figure.base, figure.part)
        hide[1] = _small_share(figure.base_previous, figure.part_previous)
    return dataclasses.replace(
        figure,
        value=SUPPRESSED if hide[0] and value is not None else value,
        previous=SUPPRESSED if hide[1] and previous is not None else previous,
    )


def _small_rest(whole, part) -> bool:
    return isinstance(whole, int) and isinstance(part, int) and is_small(whole - part)


def _small_share(base, part) -> bool:
    """A share (or a median) resting on fewer than 5 records, or whose count on top — or
    what is left of the base — is from 1 to 4."""
    if base is None:
        return False
    return base < THRESHOLD or is_small(part) or (part is not None and is_small(base - part))


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
    by_slug = {t.slug: t for t in tables}
    raw = {f.slug: f for f in section.figures}
    figures = [_published_figure(f, raw, by_slug) for f in section.figures]
    return dataclasses.replace(section, figures=figures, tables=tables)


def share(part: int, whole: int) -> float | None:
    """Percentage, one decimal; None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None
