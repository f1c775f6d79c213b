"""{% load stats %}: statistics values and charts in templates."""

from django import template

from relais.stats import charts
from relais.stats.formatting import value_text

register = template.Library()


@register.filter
def stat(value, unit="count"):
    """1 240 · 38,2 % · 2,5 jours · moins de 5 · —"""
    return value_text(value, unit)


@register.simple_tag
def chart(table, prefix):
    """The table's chart as inline SVG (charts.svg), or nothing."""
    return charts.svg(table, id_prefix=prefix)
