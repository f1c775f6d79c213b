"""Figures as French readers write them: "1 240", "38,5 %", "3,5 jours", "moins de 5".

One place for the charts, the council report and whatever else prints a value, so that a
number reads the same on the page, in the chart and in the PDF. Grouping follows the active
language's format (a non-breaking space in French, as Django's `fr` formats define it).
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from relais.stats.figures import COUNT, DAYS, MINUTES, PERCENT, Suppressed

# Between a number and its unit ("38 %", "45 min"): never at the end of a line.
NBSP = "\u00a0"


def number(value, decimals: int | None = None) -> str:
    """A plain number, grouped by thousands; one decimal at most unless told otherwise."""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def value_text(value, unit: str = COUNT, *, decimals: int | None = None) -> str:
    """A published value with its unit; "moins de 5" for a suppressed count, "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, str):
        return value  # a note in a table (e.g. "Modifiée le 3 mars")
    if unit == PERCENT:
        return f"{number(value, decimals)}{NBSP}%"
    if unit == DAYS:
        return ngettext("%(n)s jour", "%(n)s jours", int(value)) % {"n": number(value, decimals)}
    if unit == MINUTES:
        return _("%(n)s min") % {"n": number(value, decimals)}
    return number(value, decimals)
