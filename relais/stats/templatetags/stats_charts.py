"""Charts and values in the statistics templates:
`{% load stats_charts %}{% chart table "mediation-kind" %}` and `{{ figure.value|stat_value:figure.unit }}`."""

from django import template

from relais.stats.charts import svg
from relais.stats.figures import COUNT
from relais.stats.formatting import value_text

register = template.Library()


@register.simple_tag
def chart(table, id_prefix=None):
    """The table's SVG chart; `id_prefix` unique on the page when a table shows twice."""
    return svg(table, id_prefix=id_prefix)


@register.filter
def stat_value(value, unit=COUNT):
    """ "1 240", "38,5 %", "moins de 5", "—"."""
    return value_text(value, unit)
