"""Requests (demandes): how they reach the town (online alone or with help, at the counter,
by phone, post or e-mail), for which procedures and teams, under a mandate or not, how long
they take, how many are late, how they end and how often residents are asked for more.

A page counts the requests filed in the period (their submission date). The figures by
channel, procedure, team, mandate and outcome include the requests the retention purge
removed (cases.selectors.case_counts adds back its anonymous counts); handling times,
lateness and questions asked back are read from the requests still held."""

from __future__ import annotations

import calendar
import datetime

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.accounts.models import Team
from relais.cases.models import DONE_STATUSES, OPEN_STATUSES, Case, CaseEvent, EventKind, Form, Status
from relais.cases.selectors import case_counts
from relais.core.models import Channel
from relais.stats.build import compare, link, ratio_figure
from relais.stats.figures import COUNT, DAYS, Figure, Section
from relais.stats.filters import Query
from relais.stats.selectors._sql import percentile

ONLINE_ALONE = "online_alone"
ONLINE_HELPED = "online_helped"
STILL_OPEN = "open"
# (code, label, last day of the band): a request closed after 7 days is in the second band.
HANDLING_BANDS = [
    ("lt7", "Moins d'une semaine", 6),
    ("7to14", "De 1 à 2 semaines", 14),
    ("15to30", "De 2 semaines à 1 mois", 30),
    ("31to90", "De 1 à 3 mois", 90),
    ("gt90", "Plus de 3 mois", None),
]


def _channels():
    online = [
        (ONLINE_ALONE, _("En ligne, seul(e)")),
        (ONLINE_HELPED, _("En ligne, avec l'aide d'un agent ou d'un aidant")),
    ]
    return online + [(code, label) for code, label in Channel.choices if code != Channel.ONLINE]


def _outcomes():
    done = [(code, label) for code, label in Status.choices if code in DONE_STATUSES]
    return done + [(STILL_OPEN, _("Encore en cours"))]


def cases(q: Query):
    """The requests still held, filed in the query's period and scope."""
    return q.narrow(Case.objects.all(), when="submitted_at", place="recorded_at_place", channel="channel")


def received_counts(q: Query) -> dict:
    """Requests filed in the period, removed ones included, by channel, procedure, team,
    mandate and outcome (one GROUP BY, then sums of its few rows)."""
    rows = case_counts(
        team_ids=q.team_ids,
        start=q.period.start,
        end=q.period.end,
        channel=q.channel,
        place_id=q.place_id,
        commune=q.commune,
        by=("team", "form", "channel", "helped", "mandate", "status"),
    )
    out = {"received": 0, "mandate": 0, "channel": {}, "form": {}, "team": {}, "outcome": {}}
    for (team, form, channel, helped, mandate, status), n in rows.items():
        if channel == Channel.ONLINE:
            channel = ONLINE_HELPED if helped else ONLINE_ALONE
        outcome = STILL_OPEN if status in OPEN_STATUSES else status
        out["received"] += n
        out["mandate"] += n if mandate else 0
        for name, code in (("channel", channel), ("form", form), ("team", team), ("outcome", outcome)):
            out[name][code] = out[name].get(code, 0) + n
    return out


def _handling_days():
    # Whole calendar days in the town's time zone, from the day filed to the day closed (0: the
    # same day), computed by the database: the difference of two dates is an interval on
    # PostgreSQL and a number of microseconds on SQLite, both read back as a timedelta, so the
    # histogram is one GROUP BY on either.
    return ExpressionWrapper(TruncDate("closed_at") - TruncDate("submitted_at"), output_field=DurationField())


def handling_counts(q: Query) -> dict:
    """Handling time of the requests filed in the period and closed since (the same requests
    as the rest of the page: a period's figure changes only while some of them are still
    open), lateness, and questions asked back to residents."""
    qs = cases(q)
    closed = qs.filter(status__in=DONE_STATUSES, closed_at__isnull=False)
    days = {
        delta.days: n
        for delta, n in closed.order_by().annotate(d=_handling_days()).values_list("d").annotate(n=Count("pk"))
    }
    today = timezone.localdate()
    lateness = qs.aggregate(
        held=Count("pk"),
        known=Count("pk", filter=Q(status__in=OPEN_STATUSES) | Q(closed_at__isnull=False)),
        late=Count(
            "pk",
            filter=Q(status__in=OPEN_STATUSES, due_date__lt=today)
            | Q(status__in=DONE_STATUSES, closed_at__date__gt=F("due_date")),
        ),
    )
    asked = CaseEvent.objects.filter(
        case__in=qs.values("pk"), kind=EventKind.STATUS, new_status=Status.WAITING
    ).aggregate(cases=Count("case", distinct=True), events=Count("pk"))
    return {
        "days": days,
        "closed": sum(days.values()),
        "bands": _bands(days),
        "held": lateness["held"],
        "known": lateness["known"],
        "late": lateness["late"],
        "asked_cases": asked["cases"],
        "asked_events": asked["events"],
    }


def _bands(days: dict[int, int]) -> dict[str, int]:
    bands: dict[str, int] = {}
    for value, n in days.items():
        code = next(code for code, _label, last in HANDLING_BANDS if last is None or value <= last)
        bands[code] = bands.get(code, 0) + n
    return bands


def _figure(slug, label, now, before, help="") -> Figure:
    return Figure(slug, label, now, before, COUNT, help=help)


def _days_figure(slug, label, fraction, now, before, help) -> Figure:
    return Figure(
        slug,
        label,
        _rounded(percentile(now["days"], fraction)),
        _rounded(percentile(before["days"], fraction)),
        DAYS,
        base=now["closed"],
        base_previous=before["closed"],
        help=help,
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _names(model, codes) -> list[tuple]:
    """(pk, name) of the forms or teams counted, in alphabetical order."""
    field = "title" if model is Form else "name"
    ids = [code for code in codes if code is not None]
    return list(model.objects.filter(pk__in=ids).order_by(field).values_list("pk", field))


def section(q: Query) -> Section:
    """The requests page: the period and the previous one."""
    now, before = received_counts(q), received_counts(q.previous())
    h_now, h_before = handling_counts(q), handling_counts(q.previous())
    purged = _("Les demandes supprimées après leur durée de conservation ne sont pas comptées ici.")
    figures = [
        _figure("received", _("Demandes reçues"), now["received"], before["received"]),
        _figure(
            "online_alone",
            _("Demandes en ligne faites seul(e)"),
            now["channel"].get(ONLINE_ALONE, 0),
            before["channel"].get(ONLINE_ALONE, 0),
        ),
        _figure(
            "mandate",
            _("Demandes faites sous mandat"),
            now["mandate"],
            before["mandate"],
            _("Un aidant a fait la demande au nom de l'habitant, avec son accord."),
        ),
        _days_figure(
            "median_days",
            _("Délai médian de traitement (jours)"),
            0.5,
            h_now,
            h_before,
            _("Demandes reçues dans la période et terminées depuis. ") + purged,
        ),
        _days_figure(
            "p90_days",
            _("Délai de traitement de 9 demandes sur 10 (jours)"),
            0.9,
            h_now,
            h_before,
            _("Demandes reçues dans la période et terminées depuis. ") + purged,
        ),
        ratio_figure(
            "late_rate",
            _("Part des demandes en retard"),
            h_now["late"],
            h_now["known"],
            h_before["late"],
            h_before["known"],
            _("Terminées après la date prévue, ou encore en cours alors que cette date est passée. ") + purged,
        ),
        _figure(
            "asked_cases",
            _("Demandes où l'habitant a dû compléter"),
            h_now["asked_cases"],
            h_before["asked_cases"],
            _("Passées au moins une fois « en attente de votre réponse ». ") + purged,
        ),
        _figure("asked_events", _("Questions posées aux habitants"), h_now["asked_events"], h_before["asked_events"]),
        ratio_figure(
            "asked_rate",
            _("Part des demandes où l'habitant a dû compléter"),
            h_now["asked_cases"],
            h_now["held"],
            h_before["asked_cases"],
            h_before["held"],
        ),
    ]
    tables = [
        compare(
            "channel",
            _("Demandes reçues par canal"),
            now["channel"],
            before["channel"],
            _channels(),
            note=_(
                "Y compris les demandes supprimées après leur durée de conservation : elles restent comptées par "
                "mois, démarche, canal et suite donnée."
            ),
        ),
        compare(
            "form",
            _("Par démarche"),
            now["form"],
            before["form"],
            _names(Form, set(now["form"]) | set(before["form"])),
            keep_empty=False,
        ),
        compare(
            "team",
            _("Par équipe"),
            now["team"],
            before["team"],
            _names(Team, set(now["team"]) | set(before["team"])),
            keep_empty=False,
        ),
        compare("outcome", _("Suite donnée"), now["outcome"], before["outcome"], _outcomes()),
        compare(
            "handling",
            _("Délai de traitement"),
            h_now["bands"],
            h_before["bands"],
            [(code, _(label)) for code, label, _last in HANDLING_BANDS],
            note=_(
                "Demandes reçues dans la période et terminées depuis. Le délai des demandes supprimées "
                "après leur durée de conservation est perdu : elles ne sont pas comptées ici."
            ),
        ),
    ]
    notes = []
    if q.place_id or q.commune:
        notes.append(_("Par lieu ou par commune, seules les demandes encore conservées sont comptées."))
    if q.period.start.day != 1 or q.period.end != _month_end(q.period.end):
        notes.append(
            _(
                "Les demandes supprimées après leur durée de conservation ne sont comptées que pour les mois "
                "entiers de la période."
            )
        )
    section = Section("demandes", _("Demandes"), figures, tables, notes)
    return link(
        section,
        cells={"online_alone": ("channel", ONLINE_ALONE)},
        parts={"online_alone": "received", "mandate": "received", "asked_cases": "received"},
    )


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
