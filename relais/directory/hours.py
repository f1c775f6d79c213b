"""Opening hours: OSM `opening_hours` strings read aloud in plain language.

Parsing and evaluation (public holidays of France included) are done by the maintained
`opening_hours` library; this module only turns its intervals into sentences such as
"Ouvert aujourd'hui de 9 h à 12 h et de 14 h à 17 h 30".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import lru_cache

import opening_hours
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _


@lru_cache(maxsize=512)
def _parse(expr: str):
    return opening_hours.OpeningHours(expr, country="FR")


def is_valid(expr: str) -> bool:
    return bool(expr) and opening_hours.validate(expr)


def _local_now() -> datetime.datetime:
    return timezone.localtime().replace(tzinfo=None, microsecond=0)


def format_time(t: datetime.time | datetime.datetime) -> str:
    """9:00 -> "9 h", 17:30 -> "17 h 30" in French; "9:00" style otherwise."""
    if translation.get_language() in ("fr", "ar", None):
        return f"{t.hour} h" + (f" {t.minute:02d}" if t.minute else "")
    return f"{t.hour}:{t.minute:02d}"


def _open_ranges(expr: str, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
    start = datetime.datetime.combine(day, datetime.time())
    end = start + datetime.timedelta(days=1)
    return [(a, b) for a, b, state, _c in _parse(expr).intervals(start, end) if state == opening_hours.State.OPEN]


def describe_ranges(ranges) -> str:
    """[(9:00, 12:00), (14:00, 17:30)] -> "de 9 h à 12 h et de 14 h à 17 h 30"."""
    parts = []
    for a, b in ranges:
        end = "24 h" if b.time() == datetime.time() else format_time(b)
        parts.append(_("de %(start)s à %(end)s") % {"start": format_time(a), "end": end})
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(first)s et %(last)s") % {"first": ", ".join(parts[:-1]), "last": parts[-1]}


@dataclass
class Day:
    date: datetime.date
    label: str
    text: str
    is_today: bool
    is_open: bool
    # The opening ranges themselves, for machines (the API): [(9:00, 12:00), (14:00, 17:30)].
    ranges: list[tuple[datetime.time, datetime.time]] = field(default_factory=list)


def week(expr: str, today: datetime.date | None = None) -> list[Day]:
    """The next seven days, starting today, each with its opening times in words."""
    if not is_valid(expr):
        return []
    today = today or _local_now().date()
    days = []
    for offset in range(7):
        day = today + datetime.timedelta(days=offset)
        ranges = _open_ranges(expr, day)
        days.append(
            Day(
                date=day,
                label=formats.date_format(day, "l j F").capitalize(),
                text=describe_ranges(ranges) if ranges else _("fermé"),
                is_today=offset == 0,
                is_open=bool(ranges),
                ranges=[(a.time(), b.time()) for a, b in ranges],
            )
        )
    return days


@dataclass
class Status:
    known: bool
    is_open: bool
    sentence: str
    today: str

    @property
    def label(self) -> str:
        """The word on the tag: open, closed, or hours unknown."""
        if self.is_open:
            return _("Ouvert")
        return _("Fermé") if self.known else _("Horaires ?")

    @property
    def tone(self) -> str:
        """The colour of the tag (components/tag.html)."""
        if self.is_open:
            return "ok"
        return "closed" if self.known else "warn"


def status(expr: str, now: datetime.datetime | None = None) -> Status:
    """Whether the place is open now, and a sentence saying until when or when next."""
    if not is_valid(expr):
        return Status(False, False, _("Horaires non renseignés : appelez avant de venir."), "")
    now = now or _local_now()
    parsed = _parse(expr)
    is_open = parsed.state(now)[0] == opening_hours.State.OPEN
    ranges = _open_ranges(expr, now.date())
    today = (
        (_("Aujourd'hui : %(ranges)s") % {"ranges": describe_ranges(ranges)}) if ranges else _("Aujourd'hui : fermé")
    )
    change = parsed.next_change(now)
    if is_open:
        if change is None:
            sentence = _("Ouvert maintenant")
        else:
            sentence = _("Ouvert maintenant, jusqu'à %(time)s") % {"time": format_time(change)}
    elif change is None:
        sentence = _("Fermé")
    elif change.date() == now.date():
        sentence = _("Fermé maintenant. Ouvre à %(time)s") % {"time": format_time(change)}
    elif change.date() == now.date() + datetime.timedelta(days=1):
        sentence = _("Fermé maintenant. Ouvre demain à %(time)s") % {"time": format_time(change)}
    else:
        sentence = _("Fermé maintenant. Ouvre %(day)s à %(time)s") % {
            "day": formats.date_format(change.date(), "l j F"),
            "time": format_time(change),
        }
    return Status(True, is_open, sentence, today)
