"""The council report (rapport d'activité): a PDF to attach to a council deliberation, with a
cover, a summary in plain French written from the figures, then each section's key figures,
charts and data tables.

Nothing here computes or suppresses a figure: callers pass sections already through
`figures.published()`, and only those the reader may see. A sentence of the summary is
written only when the figures it needs are in those sections, so a missing section or
figure (another audience, another version of a selector) removes sentences, never fails.
Sentences give numbers, never a person: names only ever come from row labels of weekdays,
hours and channels.

The figures and tables each sentence reads, by section slug (`relais.stats.registry`):

- "mediation" (`selectors/mediation.py`): figures `beneficiaries`, `first_time`,
  `activities`, `accompaniments`, `hours`, `procedure_help`, `walk_in`, `appointments`,
  `noshow_rate`, `workshops`, `fill_rate`, `certificates`, `oriented`.
- "demandes": figures `received` (count), `median_days`, `p90_days` (DAYS), `late_rate`
  (PERCENT); table `channel`, its rows coded with `core.models.Channel` values (counter,
  phone, post are "not online").
- "entraide": figures `posted`, `by_staff` (posted by an agent for a resident),
  `answered_rate` (PERCENT).
- "envois": figures `messages`, `failed`, `fallbacks` (replaced by another channel); table
  `channel`, its row `letter` (the same messages sent by letter).
- "frequentation" (`selectors/attendance.py`): figure `visits`; table `heatmap` (rows
  weekdays, columns hours).

Each slug is a constant below: rename it here if a selector names its figure otherwise.
"""

from __future__ import annotations

import math

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from relais.core.models import Channel
from relais.core.pdf import render_pdf
from relais.stats.charts import dark_colour, svg
from relais.stats.figures import PERCENT, Figure, Section, Suppressed, Table
from relais.stats.filters import Query
from relais.stats.formatting import value_text

# Digital mediation
BENEFICIARIES, FIRST_TIME = "beneficiaries", "first_time"
ACTIVITIES, ACCOMPANIMENTS, HOURS = "activities", "accompaniments", "hours"
PROCEDURE_HELP, WALK_IN, ORIENTED = "procedure_help", "walk_in", "oriented"
APPOINTMENTS, NOSHOW_RATE = "appointments", "noshow_rate"
WORKSHOPS, FILL_RATE, CERTIFICATES = "workshops", "fill_rate", "certificates"
# Requests
RECEIVED, MEDIAN_DAYS, P90_DAYS, LATE_RATE = "received", "median_days", "p90_days", "late_rate"
CHANNEL_TABLE = "channel"
NOT_ONLINE = (Channel.COUNTER, Channel.PHONE, Channel.POST)
# Mutual aid
LISTINGS, LISTINGS_BY_STAFF, ANSWERED_RATE = "posted", "by_staff", "answered_rate"
# Outbox
MESSAGES, FAILURES, FALLBACKS = "messages", "failed", "fallbacks"
MESSAGE_CHANNEL_TABLE, LETTER_ROW = "channel", "letter"
# Fréquentation
VISITS, HEATMAP_TABLE = "visits", "heatmap"


# Reading the figures


def _figure(section: Section, slug: str) -> Figure | None:
    try:
        return section.figure(slug)
    except StopIteration:
        return None


def _table(section: Section, slug: str) -> Table | None:
    try:
        return section.table(slug)
    except StopIteration:
        return None


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _said(value) -> bool:
    """Worth a sentence: a positive number, or a count published as "moins de 5"."""
    return isinstance(value, Suppressed) or (_is_number(value) and value > 0)


def _value(figure: Figure | None):
    return figure.value if figure is not None else None


def _n(value) -> int:
    """The number that chooses singular or plural ("moins de 5" is plural)."""
    return int(value) if _is_number(value) else 5


def _count(value) -> str:
    return value_text(value)


def _percent(value) -> str:
    """A share in a sentence: a whole percentage ("41 %"), half rounded up as people do."""
    return value_text(math.floor(value + 0.5), PERCENT, decimals=0)


def _share(part, whole) -> float | None:
    if not (_is_number(part) and _is_number(whole)) or whole <= 0:
        return None
    return min(100.0, 100 * part / whole)


def _compared(figure: Figure) -> str:
    """The previous period's value, "(1 102 la période précédente)", when it has one."""
    if figure.previous is None:
        return ""
    return " " + _("(%(value)s la période précédente)") % {"value": value_text(figure.previous, figure.unit)}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


# Sentences, audience by audience


def _mediation(section: Section) -> list[str]:
    out = []
    people = _figure(section, BENEFICIARIES)
    if people is not None and _said(people.value):
        text = ngettext(
            "%(n)s personne différente a été accompagnée",
            "%(n)s personnes différentes ont été accompagnées",
            _n(people.value),
        ) % {"n": _count(people.value)}
        text += _compared(people)
        first = _value(_figure(section, FIRST_TIME))
        share = _share(first, people.value)
        if share is not None:
            text += _(", dont %(share)s pour la première fois") % {"share": _percent(share)}
        elif isinstance(first, Suppressed):
            text += _(", dont moins de 5 pour la première fois")
        out.append(_sentence(text))

    activities = _figure(section, ACTIVITIES)
    if activities is not None and _said(activities.value):
        text = ngettext(
            "les conseillers numériques ont noté %(n)s activité",
            "les conseillers numériques ont noté %(n)s activités",
            _n(activities.value),
        ) % {"n": _count(activities.value)}
        details = []
        accompaniments = _value(_figure(section, ACCOMPANIMENTS))
        if _said(accompaniments):
            details.append(
                ngettext("%(n)s accompagnement", "%(n)s accompagnements", _n(accompaniments))
                % {"n": _count(accompaniments)}
            )
        hours = _value(_figure(section, HOURS))
        if _said(hours):
            details.append(
                ngettext("%(n)s heure d'accompagnement", "%(n)s heures d'accompagnement", _n(hours))
                % {"n": _count(hours)}
            )
        if details:
            text += _(", soit %(details)s") % {"details": _(" et ").join(details)}
        out.append(_sentence(text))

    procedures = _value(_figure(section, PROCEDURE_HELP))
    if _said(procedures):
        out.append(
            _sentence(
                ngettext(
                    "%(n)s aide à une démarche administrative a été apportée",
                    "%(n)s aides à une démarche administrative ont été apportées",
                    _n(procedures),
                )
                % {"n": _count(procedures)}
            )
        )

    walk_in = _value(_figure(section, WALK_IN))
    if _said(walk_in):
        out.append(
            _sentence(
                ngettext(
                    "%(n)s accompagnement a eu lieu sans rendez-vous, lors des permanences",
                    "%(n)s accompagnements ont eu lieu sans rendez-vous, lors des permanences",
                    _n(walk_in),
                )
                % {"n": _count(walk_in)}
            )
        )

    appointments = _value(_figure(section, APPOINTMENTS))
    if _said(appointments):
        text = ngettext("%(n)s rendez-vous a été pris", "%(n)s rendez-vous ont été pris", _n(appointments)) % {
            "n": _count(appointments)
        }
        noshow = _value(_figure(section, NOSHOW_RATE))
        if _is_number(noshow):
            text += _(" ; %(share)s des rendez-vous passés ont été manqués sans prévenir") % {"share": _percent(noshow)}
        out.append(_sentence(text))

    workshops = _value(_figure(section, WORKSHOPS))
    if _said(workshops):
        text = ngettext("%(n)s atelier a eu lieu", "%(n)s ateliers ont eu lieu", _n(workshops)) % {
            "n": _count(workshops)
        }
        fill = _value(_figure(section, FILL_RATE))
        if _is_number(fill):
            text += ngettext(", rempli à %(share)s", ", remplis à %(share)s", _n(workshops)) % {"share": _percent(fill)}
        certificates = _value(_figure(section, CERTIFICATES))
        if _said(certificates):
            text += ngettext(
                " ; %(n)s attestation de participation a été remise",
                " ; %(n)s attestations de participation ont été remises",
                _n(certificates),
            ) % {"n": _count(certificates)}
        out.append(_sentence(text))

    oriented = _value(_figure(section, ORIENTED))
    if _said(oriented):
        out.append(
            _sentence(
                ngettext(
                    "%(n)s personne a été orientée vers un autre service ou une autre structure",
                    "%(n)s personnes ont été orientées vers un autre service ou une autre structure",
                    _n(oriented),
                )
                % {"n": _count(oriented)}
            )
        )
    return out


def _not_online_share(table: Table) -> float | None:
    """The share of requests received at the counter, by phone or by post, when every
    number it needs is published."""
    by_code = {row.code: (row.values[0] if row.values else None) for row in table.rows}
    part = [by_code.get(code) for code in NOT_ONLINE]
    if any(isinstance(value, Suppressed) for value in part):
        return None
    part_sum = sum(value for value in part if _is_number(value))
    whole = table.total.values[0] if table.total is not None and table.total.values else None
    if not _is_number(whole):
        values = [row.values[0] if row.values else None for row in table.rows]
        if any(isinstance(value, Suppressed) for value in values):
            return None
        whole = sum(value for value in values if _is_number(value))
    return _share(part_sum, whole)


def _requests(section: Section) -> list[str]:
    out = []
    received = _figure(section, RECEIVED)
    if received is not None and _said(received.value):
        text = ngettext("%(n)s demande a été reçue", "%(n)s demandes ont été reçues", _n(received.value)) % {
            "n": _count(received.value)
        }
        out.append(_sentence(text + _compared(received)))

    channels = _table(section, CHANNEL_TABLE)
    share = _not_online_share(channels) if channels is not None else None
    if share is not None:
        out.append(
            _sentence(
                _("les demandes reçues au guichet, par téléphone ou par courrier représentent %(share)s des demandes")
                % {"share": _percent(share)}
            )
        )

    median = _figure(section, MEDIAN_DAYS)
    if median is not None and _is_number(median.value):
        text = _("la moitié des demandes ont été traitées en %(days)s ou moins") % {
            "days": value_text(median.value, median.unit)
        }
        ninety = _figure(section, P90_DAYS)
        if ninety is not None and _is_number(ninety.value):
            text += _(", neuf sur dix en %(days)s ou moins") % {"days": value_text(ninety.value, ninety.unit)}
        out.append(_sentence(text))

    late = _value(_figure(section, LATE_RATE))
    if _is_number(late):
        out.append(
            _sentence(_("%(share)s des demandes ont dépassé le délai de traitement prévu") % {"share": _percent(late)})
        )
    return out


def _mutual_aid(section: Section) -> list[str]:
    out = []
    listings = _figure(section, LISTINGS)
    if listings is not None and _said(listings.value):
        text = ngettext(
            "%(n)s annonce d'entraide a été publiée",
            "%(n)s annonces d'entraide ont été publiées",
            _n(listings.value),
        ) % {"n": _count(listings.value)}
        text += _compared(listings)
        by_staff = _value(_figure(section, LISTINGS_BY_STAFF))
        if _said(by_staff):
            text += _(", dont %(n)s déposées par un agent pour un habitant sans internet") % {"n": _count(by_staff)}
        out.append(_sentence(text))
    answered = _value(_figure(section, ANSWERED_RATE))
    if _is_number(answered):
        out.append(_sentence(_("%(share)s des annonces ont reçu au moins une réponse") % {"share": _percent(answered)}))
    return out


def _outbox(section: Section) -> list[str]:
    out = []
    messages = _figure(section, MESSAGES)
    if messages is not None and _said(messages.value):
        text = ngettext(
            "%(n)s message a été envoyé aux habitants",
            "%(n)s messages ont été envoyés aux habitants",
            _n(messages.value),
        ) % {"n": _count(messages.value)}
        text += _compared(messages)
        # Of these messages, those sent by letter (not the batches printed in the period,
        # which may hold older messages).
        channels = _table(section, MESSAGE_CHANNEL_TABLE)
        row = next((r for r in channels.rows if r.code == LETTER_ROW), None) if channels is not None else None
        letters = row.values[0] if row is not None and row.values else None
        if _said(letters):
            text += _(", dont %(n)s par courrier") % {"n": _count(letters)}
        out.append(_sentence(text))
    failures = _value(_figure(section, FAILURES))
    fallbacks = _value(_figure(section, FALLBACKS))
    if _said(failures):
        text = ngettext("%(n)s envoi n'a pas abouti", "%(n)s envois n'ont pas abouti", _n(failures)) % {
            "n": _count(failures)
        }
        if _said(fallbacks):
            text += ngettext(
                " ; %(n)s a été remplacé par une lettre", " ; %(n)s ont été remplacés par une lettre", _n(fallbacks)
            ) % {"n": _count(fallbacks)}
        out.append(_sentence(text))
    elif _said(fallbacks):
        out.append(
            _sentence(
                ngettext(
                    "%(n)s message non remis a été remplacé par une lettre",
                    "%(n)s messages non remis ont été remplacés par une lettre",
                    _n(fallbacks),
                )
                % {"n": _count(fallbacks)}
            )
        )
    return out


def _attendance(section: Section) -> list[str]:
    out = []
    visits = _figure(section, VISITS)
    if visits is not None and _said(visits.value):
        text = ngettext(
            "%(n)s visite a été comptée dans les lieux d'accueil",
            "%(n)s visites ont été comptées dans les lieux d'accueil",
            _n(visits.value),
        ) % {"n": _count(visits.value)}
        out.append(_sentence(text + _compared(visits)))
    heatmap = _table(section, HEATMAP_TABLE)
    if heatmap is not None:
        cells = [
            (value, row.label, heatmap.columns[i] if i < len(heatmap.columns) else "")
            for row in heatmap.rows
            for i, value in enumerate(row.values)
            if _is_number(value)
        ]
        best = max(cells, key=lambda cell: cell[0], default=None)
        if best is not None and best[0] > 0:
            value, day, hour = best
            count = ngettext("%(n)s visite", "%(n)s visites", _n(value)) % {"n": _count(value)}
            text = _("le créneau le plus fréquenté est le %(day)s à %(hour)s (%(visits)s)")
            out.append(_sentence(text % {"day": day, "hour": hour, "visits": count}))
    return out


WRITERS = {
    "mediation": _mediation,
    "demandes": _requests,
    "entraide": _mutual_aid,
    "envois": _outbox,
    "frequentation": _attendance,
}


def summary(sections: list[Section], query: Query) -> list[str]:
    """Plain-French sentences written from the published figures, section by section; the
    first one says which periods are compared, when any other is written."""
    sentences = []
    for section in sections:
        writer = WRITERS.get(section.slug)
        if writer is not None:
            sentences += writer(section)
    if not sentences:
        return []
    periods = _("Période couverte : %(period)s ; entre parenthèses, la période précédente : %(previous)s.") % {
        "period": query.period.label(),
        "previous": query.previous().period.label(),
    }
    return [periods, *sentences]


# The PDF


def _table_context(table: Table, id_prefix: str) -> dict:
    def cells(values):
        return [value_text(value, table.unit) for value in values]

    return {
        "title": table.title,
        "chart": svg(table, id_prefix=id_prefix),
        "columns": table.columns,
        "rows": [(row.label, cells(row.values)) for row in table.rows],
        "total": (table.total.label, cells(table.total.values)) if table.total is not None else None,
        "note": table.note,
        "wide": len(table.columns) > 4,
        # Kept on one page: a short table with its chart; a longer table without it.
        "short": len(table.rows) <= 8,
        "small": len(table.rows) <= 25,
        "first_header": _("Jour") if table.chart == "heatmap" else _("Catégorie"),
    }


def _section_context(section: Section, index: int) -> dict:
    return {
        "slug": section.slug,
        "title": section.title,
        "figures": [
            {
                "label": figure.label,
                "value": value_text(figure.value, figure.unit),
                "previous": value_text(figure.previous, figure.unit),
                "help": figure.help,
            }
            for figure in section.figures
        ],
        # The same section may come twice (one per place): the position keeps the ids apart.
        "tables": [_table_context(table, f"{index}-{section.slug}-{table.slug}") for table in section.tables],
        "notes": section.notes,
    }


def council_pdf(*, sections: list[Section], query: Query, town_name: str, title: str) -> bytes:
    """The council report of `sections` (already published) over the query's period."""
    context = {
        "town_name": town_name,
        "title": title,
        "dark": dark_colour(),
        "period": query.period.label(),
        "previous_period": query.previous().period.label(),
        "produced": formats.date_format(timezone.localdate(), "j F Y"),
        "summary": summary(sections, query),
        "sections": [_section_context(section, index) for index, section in enumerate(sections, 1)],
    }
    return render_pdf("stats/report_pdf.html", context)
