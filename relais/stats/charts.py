"""Charts drawn on the server as inline SVG: no chart library, no script, the same drawing on
the statistics pages and in the council report (WeasyPrint draws inline SVG).

The drawing is laid out in percentages of its width and pixels of its height: the SVG takes
the width of its container (`width="100%"`) while its text keeps its size, so a chart reads
the same on a 320 px telephone as on a wide screen, where a viewBox would have shrunk the
text with the drawing. Browsers and WeasyPrint both resolve percentages against the SVG's
width.

Colour is never the only carrier: the previous period is a light, thinner, outlined bar
beside a legend, every value is written at the end of its bar, and the heat map writes its
number in every cell, on a single-hue ramp from light to dark that keeps its order in grey.
Colours are presentation attributes (the Content-Security-Policy forbids style attributes
and inline <style>); the dark one is the town's primary colour, the one its pages use, when
it stands out from white (3:1 for graphics), otherwise Relais's dark blue.

Labels are user data (place names, form titles): every text goes through `format_html`.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from relais.core.theme import contrast_with_white
from relais.stats.figures import COUNT, Suppressed, Table
from relais.stats.formatting import value_text

DARK_BLUE = "#1d4e89"
TEXT = "#1b1b1b"
LINE = "#767676"  # 4.5:1 against white
PREVIOUS_FILL = "#e4e7eb"
PREVIOUS_OUTLINE = "#4a4a4a"  # 8.9:1 against white: the outline carries the shape

# Bars: labels on the left up to LABEL_END % of the width, then the bars; the longest one
# leaves room for its value, measured on the narrowest screen (320 px less its margins).
LABEL_END = 42
LABEL_CHARS = 18  # about 42 % of NARROWEST in 12 px text
NARROWEST = 288
CHAR_WIDTH = 7  # px, a generous average in 12 px sans-serif digits
LEGEND_HEIGHT = 28
ROW_HEIGHT = 44

# Heat map: row labels on the left, then one column per table column.
HEAT_LABEL_END = 23
HEAD_HEIGHT = 22
STAGGER_FROM = 8
CELL_HEIGHT = 30
RAMP = [0.15, 0.35, 0.55, 0.78, 1.0]  # share of the dark colour mixed into white, step by step


def svg(table: Table, id_prefix: str | None = None) -> SafeString:
    """The table's chart, or an empty string when it has none. `id_prefix` makes the ids
    inside the SVG unique on the page: pass one per chart when a page shows the same table
    twice (two sections, two places)."""
    if table.chart not in ("bars", "heatmap") or not any(row.values for row in table.rows):
        return mark_safe("")
    prefix = "chart-" + (slugify(id_prefix or table.slug) or "table")
    if table.chart == "heatmap":
        return _heatmap(table, prefix)
    return _bars(table, prefix)


# Drawing helpers


def _join(parts) -> SafeString:
    """Concatenate already-escaped fragments (anything else is escaped)."""
    return mark_safe("".join(conditional_escape(part) for part in parts))  # noqa: S308 - each part escaped


def _root(kind: str, prefix: str, height: int, title: str, desc: str, body) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" width="100%" height="{height}" '
        'role="img" aria-labelledby="{prefix}-title {prefix}-desc" font-size="13">'
        '<title id="{prefix}-title">{title}</title><desc id="{prefix}-desc">{desc}</desc>'
        # A white ground: dark text stays readable on a page in dark or forced colours.
        '<rect width="100%" height="100%" fill="#ffffff"/>{body}</svg>',
        kind=kind,
        height=height,
        prefix=prefix,
        title=title,
        desc=desc,
        body=_join(body),
    )


def _pct(value: float) -> str:
    return f"{value:.2f}%"


def _at(values: list, index: int):
    return values[index] if index < len(values) else None


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def dark_colour() -> str:
    """The town's primary colour when it stands out from white, else Relais's dark blue."""
    colour = str(settings.RELAIS.get("PRIMARY_COLOR", ""))
    try:
        if len(colour) == 7 and colour.startswith("#") and contrast_with_white(colour) >= 3:
            return colour.lower()
    except ValueError:
        pass
    return DARK_BLUE


def _mix(colour: str, share: float) -> str:
    """`share` of `colour` mixed into white."""
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - share * (255 - c)):02x}" for c in channels)


def _wrap(text: str, width: int, lines: int = 2) -> list[str]:
    """`text` in at most `lines` lines of about `width` characters, cut with "…"."""
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    out = out or ["—"]
    cut = len(out) > lines
    out = out[:lines]
    out = [line if len(line) <= width else line[: width - 1] + "…" for line in out]
    if cut and not out[-1].endswith("…"):
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out


# Bars


def _rank(value) -> float:
    if _is_number(value):
        return value
    return 2.5 if isinstance(value, Suppressed) else -1


def _bars_desc(table: Table, series: int) -> str:
    def said(row) -> str:
        now = value_text(_at(row.values, 0), table.unit)
        if series < 2:
            return f"{row.label}, {now}"
        return f"{row.label}, {now} ({value_text(_at(row.values, 1), table.unit)})"

    ranked = sorted(table.rows, key=lambda row: _rank(_at(row.values, 0)), reverse=True)
    if _rank(_at(ranked[0].values, 0)) <= 0:
        return _("Aucune valeur pour la période ; le tableau de données donne le détail.")
    first = ranked[0]
    lead = _("Plus fréquent : %(row)s") if table.unit == COUNT else _("Le plus élevé : %(row)s")
    sentence = lead % {"row": f"{first.label}, {value_text(_at(first.values, 0), table.unit)}"}
    if series >= 2:
        sentence += " " + _("(la période précédente : %(value)s)") % {
            "value": value_text(_at(first.values, 1), table.unit)
        }
    parts = [sentence + "."]
    others = ranked[1:4]
    if others:
        # Translators: the separator between items of a list read aloud (French: " ; ").
        parts.append(_("Ensuite : %(rows)s.") % {"rows": _(" ; ").join(said(row) for row in others)})
    if series >= 2:
        parts.append(_("Entre parenthèses, la période précédente."))
    if len(ranked) > 4:
        parts.append(_("Toutes les lignes figurent dans le tableau de données."))
    return " ".join(parts)


def _bars(table: Table, prefix: str) -> SafeString:
    series = min(2, max(len(row.values) for row in table.rows))
    numbers = [v for row in table.rows for v in row.values[:series] if _is_number(v)]
    top = max(numbers, default=0)
    widest = max((len(value_text(v, table.unit)) for v in numbers), default=1)
    bar_space = 100 - LABEL_END - min(30, 100 * (widest * CHAR_WIDTH + 10) / NARROWEST)
    dark = dark_colour()
    columns = list(table.columns) + [_("Période"), _("Période précédente")][len(table.columns) :]
    body = []
    top_y = 4
    if series == 2:
        # One line when both names fit side by side on a narrow screen, else one per line.
        one_line = len(columns[0]) <= 14 and len(columns[1]) <= 20
        second_x, second_y = ("40%", 0) if one_line else ("0", 22)
        body.append(
            format_html(
                '<g class="legend"><rect x="0" y="5" width="16" height="13" fill="{dark}"/>'
                '<text x="0" dx="22" y="16">{now}</text>'
                '<rect x="{x}" y="{rect_y}" width="16" height="9" fill="{fill}" stroke="{outline}" stroke-width="1.5"/>'
                '<text x="{x}" dx="22" y="{text_y}">{before}</text></g>',
                dark=dark,
                now=columns[0],
                x=second_x,
                rect_y=7 + second_y,
                text_y=16 + second_y,
                fill=PREVIOUS_FILL,
                outline=PREVIOUS_OUTLINE,
                before=columns[1],
            )
        )
        top_y = LEGEND_HEIGHT + second_y
    # Current period: a dark bar 14 px high; previous period: a light outlined bar 9 px high.
    bar_shapes = [(4, 14, 16), (23, 9, 32)] if series == 2 else [(12, 16, 25)]
    for index, row in enumerate(table.rows):
        y = top_y + index * ROW_HEIGHT
        lines = _wrap(row.label, LABEL_CHARS)
        baselines = [y + 22] if len(lines) == 1 else [y + 15, y + 31]
        parts = [format_html("<title>{}</title>", _row_title(row, columns, series, table.unit))]
        parts += [
            format_html('<text x="0" y="{}" font-size="12" fill="{}">{}</text>', baseline, TEXT, line)
            for baseline, line in zip(baselines, lines, strict=True)
        ]
        for serie, (offset, height, baseline) in enumerate(bar_shapes):
            value = _at(row.values, serie)
            width = bar_space * value / top if _is_number(value) and top > 0 and value > 0 else 0
            if width:
                if serie == 0:
                    paint = format_html('fill="{}"', dark)
                else:
                    paint = format_html('fill="{}" stroke="{}" stroke-width="1.5"', PREVIOUS_FILL, PREVIOUS_OUTLINE)
                parts.append(
                    format_html(
                        '<rect class="bar bar-{}" x="{}" y="{}" width="{}" height="{}" {}/>',
                        "now" if serie == 0 else "before",
                        _pct(LABEL_END),
                        y + offset,
                        _pct(width),
                        height,
                        paint,
                    )
                )
            parts.append(
                format_html(
                    '<text class="value" x="{}" dx="5" y="{}" font-size="12" font-style="{}" fill="{}">{}</text>',
                    _pct(LABEL_END + width),
                    y + baseline,
                    "italic" if isinstance(value, Suppressed) else "normal",
                    TEXT,
                    value_text(value, table.unit),
                )
            )
        body.append(format_html('<g class="row">{}</g>', _join(parts)))
    height = top_y + len(table.rows) * ROW_HEIGHT
    body.append(
        format_html(
            '<line x1="{x}" x2="{x}" y1="{y1}" y2="{y2}" stroke="{line}" stroke-width="1"/>',
            x=_pct(LABEL_END),
            y1=top_y,
            y2=height - 6,
            line=LINE,
        )
    )
    return _root("bars", prefix, height, table.title, _bars_desc(table, series), body)


def _row_title(row, columns, series, unit) -> str:
    said = [f"{columns[i]} : {value_text(_at(row.values, i), unit)}" for i in range(series)]
    return f"{row.label} — " + ", ".join(said)


# Heat map


def _heat_desc(table: Table, cells: list[tuple[str, str, object]]) -> str:
    counted = [(value, row, column) for row, column, value in cells if _is_number(value)]
    parts = []
    best = max(counted, key=lambda cell: cell[0], default=None)
    if best is None or best[0] <= 0:
        parts.append(_("Aucune valeur pour la période."))
    else:
        parts.append(
            _("Case la plus forte : %(row)s, %(column)s, %(value)s.")
            % {"row": best[1], "column": best[2], "value": value_text(best[0], table.unit)}
        )
    hidden = sum(1 for _row, _column, value in cells if isinstance(value, Suppressed))
    if hidden:
        parts.append(
            _("%(n)s cases comptent moins de 5.") % {"n": hidden} if hidden > 1 else _("Une case compte moins de 5.")
        )
    parts.append(_("Chaque case porte son nombre ; plus elle est foncée, plus le nombre est grand."))
    return " ".join(parts)


def _heatmap(table: Table, prefix: str) -> SafeString:
    count = max(len(table.columns), max(len(row.values) for row in table.rows))
    columns = [table.columns[i] if i < len(table.columns) else "" for i in range(count)]
    numbers = [v for row in table.rows for v in row.values if _is_number(v)]
    top = max(numbers, default=0)
    dark = dark_colour()
    width = (100 - HEAT_LABEL_END - 2) / count  # 2 %: room for the last column name
    # Many columns: their names alternate between two lines, each having two cells' width.
    staggered = count > STAGGER_FROM
    head = HEAD_HEIGHT + (12 if staggered else 0)
    body = [
        format_html(
            '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>',
            _pct(HEAT_LABEL_END + (i + 0.5) * width),
            15 + (12 if staggered and i % 2 else 0),
            TEXT,
            column,
        )
        for i, column in enumerate(columns)
    ]
    cells = []
    for index, row in enumerate(table.rows):
        y = head + index * CELL_HEIGHT
        parts = [format_html('<text x="0" y="{}" font-size="12" fill="{}">{}</text>', y + 20, TEXT, row.label)]
        for i, column in enumerate(columns):
            value = _at(row.values, i)
            cells.append((row.label, column, value))
            fill, stroke = _cell_paint(value, top, dark)
            ink = "#ffffff" if contrast_with_white(fill) >= 4.5 else TEXT
            shown = "<5" if isinstance(value, Suppressed) else value_text(value, table.unit)
            parts.append(
                format_html(
                    '<g class="cell"><title>{title}</title>'
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" {stroke}/>'
                    '<text x="{cx}" y="{ty}" font-size="11" text-anchor="middle" fill="{ink}">{shown}</text></g>',
                    title=f"{row.label}, {column} : {value_text(value, table.unit)}",
                    x=_pct(HEAT_LABEL_END + i * width),
                    y=y,
                    w=_pct(width),
                    h=CELL_HEIGHT,
                    fill=fill,
                    stroke=stroke,
                    cx=_pct(HEAT_LABEL_END + (i + 0.5) * width),
                    ty=y + 19,
                    ink=ink,
                    shown=shown,
                )
            )
        body.append(format_html('<g class="row">{}</g>', _join(parts)))
    legend_y = head + len(table.rows) * CELL_HEIGHT + 10
    body.append(_heat_legend(legend_y, dark, any(isinstance(c[2], Suppressed) for c in cells)))
    height = legend_y + 20
    return _root("heatmap", prefix, height, table.title, _heat_desc(table, cells), body)


def _cell_paint(value, top, dark) -> tuple[str, SafeString]:
    """A cell's fill and outline: white and dashed when suppressed, the ramp step otherwise."""
    gap = mark_safe('stroke="#ffffff" stroke-width="2"')
    if isinstance(value, Suppressed):
        return "#ffffff", format_html('stroke="{}" stroke-width="1" stroke-dasharray="3 2"', LINE)
    if not _is_number(value) or value <= 0 or top <= 0:
        return "#f5f5f5", gap
    step = min(len(RAMP), max(1, math.ceil(len(RAMP) * value / top)))
    return _mix(dark, RAMP[step - 1]), gap


def _heat_legend(y: int, dark: str, suppressed: bool) -> SafeString:
    swatch = 6  # % of the width per step
    parts = [
        format_html(
            '<text x="{}" dx="-6" y="{}" font-size="11" text-anchor="end" fill="{}">{}</text>',
            _pct(HEAT_LABEL_END),
            y + 11,
            TEXT,
            _("Moins"),
        )
    ]
    parts += [
        format_html(
            '<rect x="{}" y="{}" width="{}" height="12" fill="{}"/>',
            _pct(HEAT_LABEL_END + i * swatch),
            y,
            _pct(swatch),
            _mix(dark, share),
        )
        for i, share in enumerate(RAMP)
    ]
    parts.append(
        format_html(
            '<text x="{}" dx="6" y="{}" font-size="11" fill="{}">{}</text>',
            _pct(HEAT_LABEL_END + len(RAMP) * swatch),
            y + 11,
            TEXT,
            _("Plus"),
        )
    )
    if suppressed:
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
                _pct(HEAT_LABEL_END + len(RAMP) * swatch + 15),
                y + 11,
                TEXT,
                _("<5 : moins de 5"),
            )
        )
    return format_html('<g class="legend">{}</g>', _join(parts))
