"""Tags other pages use to show mediation: `{% load mediation_tags %}` then

{% next_sessions place %}        the next drop-in sessions at a place (place page)
{% upcoming_workshops %}          a few workshops with free seats (home page)
"""

from django import template

from relais.core.bidi import isolate_within
from relais.mediation import selectors
from relais.mediation import text as mtext

register = template.Library()


@register.inclusion_tag("mediation/_next_sessions.html")
def next_sessions(place, limit=4):
    occurrences = selectors.next_sessions_at(place, limit=limit)
    bookable = any(o.dropin.is_bookable for o in occurrences) or place.dropins.bookable().exists()
    return {"place": place, "occurrences": occurrences, "bookable": bookable}


@register.inclusion_tag("mediation/_upcoming_workshops.html")
def upcoming_workshops(limit=3):
    workshops = selectors.workshops_with_free_seats(limit=limit)
    return {"workshops": workshops, "seats": selectors.seats_key(workshops)}


@register.filter
def span(occurrence_or_session):
    """ "mardi 3 décembre, de 14 h à 17 h" for an occurrence, a session or a slot (HTML: the
    times are isolated for Arabic pages, see core.bidi; the same filters below)."""
    return isolate_within(mtext.span_text(occurrence_or_session.starts_at, occurrence_or_session.ends_at))


@register.filter
def moment(value):
    return isolate_within(mtext.moment_text(value))


@register.filter
def day(value):
    return mtext.day_text(value)


@register.filter
def hour(value):
    return isolate_within(mtext.time_text(value))


@register.filter
def rule(dropin):
    return isolate_within(mtext.rule_text(dropin))


@register.filter
def minutes(value):
    return isolate_within(mtext.duration_text(value))
