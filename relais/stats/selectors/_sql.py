"""Small SQL helpers the selectors share (both databases: SQLite and PostgreSQL)."""

from __future__ import annotations

import math

from django.db import connection
from django.db.models import Count, QuerySet


def counts(qs: QuerySet, field: str) -> dict:
    """{value of `field`: number of rows}."""
    return dict(qs.order_by().values_list(field).annotate(n=Count("pk")))


def list_counts(qs: QuerySet, field: str) -> dict[str, int]:
    """{element: number of rows whose JSON list `field` holds it} (themes, equipment…),
    counted by the database: the filtered rows' lists are unnested in SQL (the rows as a
    subquery in FROM), never read into Python."""
    column = connection.ops.quote_name(qs.model._meta.get_field(field).column)
    inner, params = qs.order_by().values(field).query.sql_with_params()
    if connection.vendor == "postgresql":
        unnest = f"CROSS JOIN LATERAL jsonb_array_elements_text(t.{column}) AS e(value)"
    else:
        unnest = f", json_each(t.{column}) e"
    sql = f"SELECT e.value, COUNT(*) FROM ({inner}) t {unnest} GROUP BY e.value"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def percentile(histogram: dict[int, int], fraction: float) -> float | None:
    """The value under which `fraction` of the items fall, from {value: how many}, with
    linear interpolation between ranks (the median of 1, 2, 3 and 10 days is 2.5 days)."""
    total = sum(histogram.values())
    if not total:
        return None
    items = sorted(histogram.items())

    def nth(rank: int) -> int:
        seen = 0
        for value, n in items:
            seen += n
            if seen > rank:
                return value
        return items[-1][0]

    position = fraction * (total - 1)
    low, high = math.floor(position), math.ceil(position)
    a, b = nth(low), nth(high)
    return float(a + (b - a) * (position - low))
