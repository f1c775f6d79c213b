"""Dates and times in plain French: "mardi 3 décembre, de 14 h à 17 h"."""

from __future__ import annotations

import datetime

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def weekday_names() -> list[str]:
    return [_("lundi"), _("mardi"), _("mercredi"), _("jeudi"), _("vendredi"), _("samedi"), _("dimanche")]


def weekday_plurals() -> list[str]:
    return [_("lundis"), _("mardis"), _("mercredis"), _("jeudis"), _("vendredis"), _("samedis"), _("dimanches")]


def time_text(value: datetime.time | datetime.datetime) -> str:
    """14:00 -> "14 h", 14:30 -> "14 h 30"."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).time()
    if value.minute:
        return _("%(h)s h %(m)02d") % {"h": value.hour, "m": value.minute}
    return _("%(h)s h") % {"h": value.hour}


def day_text(value: datetime.date | datetime.datetime, *, year: bool = False) -> str:
    """ "mardi 3 décembre" (with the year when asked or when it is not this year)."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    show_year = year or value.year != timezone.localdate().year
    text = formats.date_format(value, "l j F Y" if show_year else "l j F")
    if value.day == 1 and (translation.get_language() or "fr").startswith("fr"):
        text = text.replace(" 1 ", " 1er ", 1)  # "mardi 1er décembre"
    return text


def span_text(starts_at: datetime.datetime, ends_at: datetime.datetime) -> str:
    """ "mardi 3 décembre, de 14 h à 17 h"."""
    return _("%(day)s, de %(start)s à %(end)s") % {
        "day": day_text(starts_at),
        "start": time_text(starts_at),
        "end": time_text(ends_at),
    }


def moment_text(starts_at: datetime.datetime) -> str:
    """ "mardi 3 décembre à 14 h 30"."""
    return _("%(day)s à %(time)s") % {"day": day_text(starts_at), "time": time_text(starts_at)}


def duration_text(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return ngettext("%(n)s minute", "%(n)s minutes", rest) % {"n": rest}
    if not rest:
        return ngettext("%(n)s heure", "%(n)s heures", hours) % {"n": hours}
    return _("%(h)s h %(m)02d") % {"h": hours, "m": rest}


def _parse_rule(rule: str) -> dict[str, str]:
    parts = {}
    for item in (rule or "").upper().split(";"):
        if "=" in item:
            key, value = item.split("=", 1)
            parts[key.strip()] = value.strip()
    return parts


def rule_text(dropin) -> str:
    """How often a drop-in takes place, in plain French (falls back to a generic phrase)."""
    parts = _parse_rule(dropin.rrule)
    freq, interval = parts.get("FREQ", ""), int(parts.get("INTERVAL", "1") or 1)
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    hours = _("de %(start)s à %(end)s") % {"start": time_text(dropin.start_time), "end": time_text(dropin.end_time)}
    names, plurals = weekday_names(), weekday_plurals()
    text = ""
    if freq == "WEEKLY" and days and all(d in WEEKDAYS for d in days):
        if interval == 1:
            listed = [plurals[WEEKDAYS.index(d)] for d in days]
            joined = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " " + _("et") + " " + listed[-1]
            text = _("tous les %(days)s") % {"days": joined}
        elif interval == 2 and len(days) == 1:
            text = _("un %(day)s sur deux") % {"day": names[WEEKDAYS.index(days[0])]}
    elif freq == "WEEKLY" and not days and interval == 1:
        text = _("chaque %(day)s") % {"day": names[dropin.start_date.weekday()]}
    elif freq == "MONTHLY" and len(days) == 1 and days[0][:-2].lstrip("+-").isdigit() and days[0][-2:] in WEEKDAYS:
        rank = int(days[0][:-2])
        ordinal = {1: _("premier"), 2: _("deuxième"), 3: _("troisième"), 4: _("quatrième"), -1: _("dernier")}.get(rank)
        if ordinal:
            text = _("le %(rank)s %(day)s du mois") % {"rank": ordinal, "day": names[WEEKDAYS.index(days[0][-2:])]}
    elif freq == "DAILY" and interval == 1:
        text = _("tous les jours")
    if not text:
        text = _("à certaines dates")
    text = f"{text}, {hours}"
    if dropin.skip_school_holidays:
        text += ", " + _("sauf pendant les vacances scolaires")
    return text
