"""A section as the files and answers that carry it out of the page: ODS sheets, CSV rows,
JSON. Values are what `published()` left: a suppressed count is written "moins de 5"."""

from __future__ import annotations

from django.utils.translation import gettext as _

from relais.stats.figures import Figure, Section, Suppressed, Table

UNITS = {"count": "", "percent": "%", "days": "jours", "minutes": "minutes"}


def plain(value):
    """A value for a file: numbers as numbers, "moins de 5", or empty."""
    if isinstance(value, Suppressed):
        return str(value)
    return "" if value is None else value


def figure_rows(section: Section) -> tuple[list[str], list[list]]:
    header = [_("Chiffre"), _("Période"), _("Période précédente"), _("Unité"), _("Code")]
    rows = [[f.label, plain(f.value), plain(f.previous), _unit(f), f.slug] for f in section.figures]
    return header, rows


def table_rows(table: Table) -> tuple[list[str], list[list]]:
    header = [table.title, *table.columns, _("Code")]
    rows = [[row.label, *[plain(v) for v in row.values], row.code] for row in table.rows]
    if table.total is not None:
        rows.append([table.total.label, *[plain(v) for v in table.total.values], table.total.code])
    return header, rows


def sheets(sections: list[Section]) -> list[tuple[str, list[str], list[list]]]:
    """One sheet of key figures per section, then one per table."""
    out = []
    for section in sections:
        out.append((f"{section.title}", *figure_rows(section)))
        out += [(_sheet_title(table.title), *table_rows(table)) for table in section.tables]
    return out


def _sheet_title(title: str) -> str:
    """Sheet tabs hold 31 characters: "Visites par jour et par heure : Médiathèque" keeps
    the part that tells sheets apart."""
    if len(title) > 31 and " : " in title:
        return title.split(" : ", 1)[1]
    return title


def long_rows(sections: list[Section]) -> tuple[list[str], list[list]]:
    """Every figure and table cell of the sections in one CSV: one line per value."""
    header = [_("Partie"), _("Tableau"), _("Ligne"), _("Code"), _("Colonne"), _("Valeur")]
    rows = []
    for section in sections:
        for f in section.figures:
            rows.append([section.title, _("Chiffres clés"), f.label, f.slug, _("Période"), plain(f.value)])
            rows.append(
                [section.title, _("Chiffres clés"), f.label, f.slug, _("Période précédente"), plain(f.previous)]
            )
        for table in section.tables:
            for row in table.rows:
                for column, value in zip(table.columns, row.values, strict=False):
                    rows.append([section.title, table.title, row.label, row.code, column, plain(value)])
    return header, rows


def _unit(figure: Figure) -> str:
    return UNITS.get(figure.unit, figure.unit)


def _json_value(value):
    if isinstance(value, Suppressed):
        return {"moins_de": 5}
    return value


def section_json(section: Section, query) -> dict:
    """The JSON answer: the same figures as the page, with the filters that made them.
    A suppressed count is {"moins_de": 5}."""
    return {
        "section": section.slug,
        "titre": section.title,
        "filtres": query.describe(),
        "periode_precedente": {
            "start": query.previous().period.start.isoformat(),
            "end": query.previous().period.end.isoformat(),
        },
        "chiffres": [
            {
                "code": f.slug,
                "libelle": f.label,
                "unite": f.unit,
                "valeur": _json_value(f.value),
                "precedente": _json_value(f.previous),
            }
            for f in section.figures
        ],
        "tableaux": [
            {
                "code": t.slug,
                "titre": t.title,
                "unite": t.unit,
                "colonnes": t.columns,
                "lignes": [
                    {"code": r.code, "libelle": r.label, "valeurs": [_json_value(v) for v in r.values]} for r in t.rows
                ],
            }
            for t in section.tables
        ],
    }
