"""Open data: accompaniments per month, place and theme, for the last full months.

Counts under 5 are published as "moins de 5" (they are outside the staff area). Only the
records made in a place of the structure count (a visit at home names no place)."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

from relais.directory.models import Place
from relais.mediation import choices as mediation_choices
from relais.mediation.models import Accompaniment
from relais.stats.figures import SUPPRESSED, is_small

MONTHS = 36


def period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last MONTHS full months: [first day, first day of the current month)."""
    today = today or timezone.localdate()
    end = today.replace(day=1)
    index = end.year * 12 + end.month - 1 - MONTHS
    return datetime.date(index // 12, index % 12 + 1, 1), end


def monthly_by_place_and_theme(today: datetime.date | None = None) -> list[dict]:
    """[{"month": "2026-03", "place_id": 4, "theme": "email", "count": 12 | SUPPRESSED}, …]"""
    start, end = period(today)
    table = connection.ops.quote_name(Accompaniment._meta.db_table)
    if connection.vendor == "postgresql":
        month = "to_char(t.date, 'YYYY-MM')"
        unnest = "CROSS JOIN LATERAL jsonb_array_elements_text(t.themes) AS e(value)"
    else:
        month = "strftime('%%Y-%%m', t.date)"
        unnest = ", json_each(t.themes) e"
    sql = (
        f"SELECT {month} AS m, t.place_id, e.value, COUNT(*) FROM {table} t {unnest} "
        "WHERE t.date >= %s AND t.date < %s AND t.place_id IS NOT NULL "
        "GROUP BY m, t.place_id, e.value ORDER BY m, t.place_id, e.value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end])
        rows = cursor.fetchall()
    return [
        {"month": m, "place_id": place_id, "theme": theme, "count": SUPPRESSED if is_small(n) else n}
        for m, place_id, theme, n in rows
    ]


def published_rows() -> list[dict]:
    """The open-data file's rows (the CSV, the public API): month, place (its id in the places
    file, name, commune, INSEE code), theme (code, French label) and count, small counts
    SUPPRESSED. Past months only, so they are kept an hour in the shared cache."""
    month = timezone.localdate().replace(day=1).isoformat()
    key = f"relais:stats:opendata-rows:{month}"
    rows = cache.get(key)
    if rows is None:
        places = {p.pk: p for p in Place.objects.all()}
        rows = []
        for item in monthly_by_place_and_theme():
            place = places.get(item["place_id"])
            if place is None:
                continue
            rows.append(
                {
                    "month": item["month"],
                    "place_id": place.standard_id,
                    "place_name": place.nom,
                    "commune": place.commune,
                    "code_insee": place.code_insee,
                    "theme": item["theme"],
                    "theme_label": _theme_label(item["theme"]),
                    "count": item["count"],
                }
            )
        cache.set(key, rows, 3600)
    return rows


def _theme_label(code: str) -> str:
    with translation.override("fr"):
        return str(mediation_choices.THEME_LABELS.get(code, code))
