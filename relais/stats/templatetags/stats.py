"""{% load stats %}: statistics values and charts in templates."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from relais.stats.figures import DAYS, MINUTES, PERCENT, Suppressed

register = template.Library()


@register.filter
def stat(value, unit="count"):
    """1 240 · 38,2 % · 2,5 jours · moins de 5 · —"""
    if isinstance(value, Suppressed):
        return str(value)
    if value is None:
        return "—"
    if unit == PERCENT:
        return _("%(n)s %%") % {"n": number_format(value, 1)}
    if unit == DAYS:
        return _("%(n)s j") % {"n": number_format(value, 1 if value % 1 else 0)}
    if unit == MINUTES:
        return _("%(n)s min") % {"n": number_format(value, 0)}
    if isinstance(value, float):
        return number_format(value, 1, force_grouping=True)
    return number_format(value, force_grouping=True)


@register.simple_tag
def chart(table, prefix):
    """The table's chart as inline SVG (charts.svg), or nothing."""
    try:  # TEMPORARY until charts land
        from relais.stats import charts
    except ImportError:
        return ""
    return charts.svg(table, id_prefix=prefix)
