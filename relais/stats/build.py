"""Turning raw counts into figures and tables with the previous period beside them."""

from __future__ import annotations

from relais.stats.figures import COUNT, PERCENT, Figure, Row, Table, share


def period_columns() -> list[str]:
    from django.utils.translation import gettext as _

    return [_("Période"), _("Période précédente")]


def compare(
    slug: str,
    title: str,
    current: dict,
    previous: dict,
    choices,
    *,
    additive: bool = True,
    chart: str = "bars",
    note: str = "",
    keep_empty: bool = True,
) -> Table:
    """A table of counts by code, in the order of `choices` ((code, label) pairs); codes
    seen in the data but not in the choices come last, under their code."""
    choices = list(choices)
    known = {code for code, _label in choices}
    extra = sorted((set(current) | set(previous)) - known, key=str)
    rows = []
    for code, label in [*choices, *[(code, str(code) if code not in ("", None) else "—") for code in extra]]:
        now, before = current.get(code, 0), previous.get(code, 0)
        if keep_empty or now or before:
            rows.append(Row(str(label), [now, before], code="" if code is None else str(code)))
    return Table(slug, title, rows, period_columns(), COUNT, additive, chart, note)


def ratio_figure(slug: str, label: str, part_now, whole_now, part_before, whole_before, help: str = "") -> Figure:
    return Figure(
        slug,
        label,
        share(part_now, whole_now),
        share(part_before, whole_before),
        unit=PERCENT,
        base=whole_now,
        base_previous=whole_before,
        part=part_now,
        part_previous=part_before,
        help=help,
    )


def link(section, *, cells: dict | None = None, parts: dict | None = None, totals: dict | None = None):
    """Say which figures show the same counts as a table cell (`cells`: slug -> (table,
    code)), are part of another figure (`parts`: slug -> whole's slug) or are a table's
    total (`totals`: slug -> table), so that `published()` hides them together."""
    for figure in section.figures:
        if cells and figure.slug in cells:
            figure.cell = cells[figure.slug]
        if parts and figure.slug in parts:
            figure.part_of = parts[figure.slug]
        if totals and figure.slug in totals:
            figure.total_of = totals[figure.slug]
    return section
