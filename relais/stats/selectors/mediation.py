"""Digital mediation, as La Coop de la médiation numérique counts it, and more: records of
accompaniment (CRA) by kind, duration, place type, theme, equipment and the people's
profile; appointments and their outcomes; workshops, their seats, waitlists and
certificates; orientations, first visits and autonomy."""

from __future__ import annotations

import dataclasses

from django.db.models import Case as CaseWhen
from django.db.models import Count, Q, Sum, Value, When
from django.db.models.functions import ExtractIsoWeekDay, TruncMonth
from django.utils import formats
from django.utils.translation import gettext as _

from relais.mediation import choices as c
from relais.mediation.models import Accompaniment, Appointment, Attendance, Registration, Workshop
from relais.stats import rollup
from relais.stats.build import compare, link, ratio_figure
from relais.stats.figures import COUNT, Figure, Section
from relais.stats.filters import Query
from relais.stats.selectors._sql import counts, list_counts

DURATION_BANDS = [
    ("lt30", "Moins de 30 minutes"),
    ("30to60", "De 30 minutes à 1 heure"),
    ("60to120", "De 1 à 2 heures"),
    ("gt120", "Plus de 2 heures"),
]
WEEKDAYS = [(1, "lundi"), (2, "mardi"), (3, "mercredi"), (4, "jeudi"), (5, "vendredi"), (6, "samedi"), (7, "dimanche")]
FIRST_TIME = [(True, "Oui"), (False, "Non"), (None, "Non renseigné")]


def _labels(pairs):
    return [(code, _(label)) for code, label in pairs]


def accompaniments(q: Query):
    """The records of the query's period and scope. A record made at home or elsewhere has
    no place but names its commune: the commune filter reads either."""
    qs = dataclasses.replace(q, commune="").narrow(
        Accompaniment.objects.all(), when="date", day=True, advisor="advisor", place="place"
    )
    if q.commune:
        qs = qs.filter(Q(place__commune=q.commune) | Q(place__isnull=True, commune=q.commune))
    return qs


def _duration_band():
    return CaseWhen(
        When(duration__lt=30, then=Value("lt30")),
        When(duration__lte=60, then=Value("30to60")),
        When(duration__lte=120, then=Value("60to120")),
        default=Value("gt120"),
    )


def accompaniment_counts(q: Query) -> dict:
    """The raw numbers of the records (CRA) of one period."""
    qs = accompaniments(q)
    individual = qs.filter(kind=c.AccompanimentKind.INDIVIDUAL)
    collective = qs.filter(kind=c.AccompanimentKind.COLLECTIVE)
    through = Accompaniment.participants.through
    named_in_workshops = through.objects.filter(accompaniment__in=collective.values("pk"))
    totals = qs.aggregate(
        activities=Count("pk"),
        individual=Count("pk", filter=Q(kind=c.AccompanimentKind.INDIVIDUAL)),
        collective=Count("pk", filter=Q(kind=c.AccompanimentKind.COLLECTIVE)),
        anonymous_in_workshops=Sum("anonymous_count", filter=Q(kind=c.AccompanimentKind.COLLECTIVE)),
        anonymous_individual=Count("pk", filter=Q(kind=c.AccompanimentKind.INDIVIDUAL, person__isnull=True)),
        minutes=Sum("duration"),
        first_time=Count("pk", filter=Q(first_time=True)),
        walk_in=Count(
            "pk",
            filter=Q(
                kind=c.AccompanimentKind.INDIVIDUAL,
                place_type=c.PlaceType.PLACE,
                appointment__isnull=True,
                workshop_session__isnull=True,
            ),
        ),
        oriented=Count("pk", filter=~Q(oriented_to="")),
    )
    totals = {k: v or 0 for k, v in totals.items()}
    named_participants = named_in_workshops.count()
    # Distinct people: every named person once (alone or in a workshop), every anonymous
    # record and every anonymous workshop participant as one person each.
    named_people = (
        individual.filter(person__isnull=False)
        .order_by()
        .values("person_id")
        .union(named_in_workshops.order_by().values("person_id"))
        .count()
    )
    themes = list_counts(qs, "themes")
    return {
        **totals,
        "accompaniments": totals["individual"] + totals["anonymous_in_workshops"] + named_participants,
        "beneficiaries": named_people + totals["anonymous_individual"] + totals["anonymous_in_workshops"],
        "procedure_help": themes.get(c.ADMIN_THEME, 0),
        "kind": counts(qs, "kind"),
        "duration": counts(qs.annotate(band=_duration_band()), "band"),
        "place_type": counts(qs, "place_type"),
        "themes": themes,
        "subthemes": list_counts(qs, "admin_subthemes"),
        "equipment": list_counts(qs, "equipment"),
        "gender": counts(individual, "gender"),
        "age_band": counts(individual, "age_band"),
        "social_status": counts(individual, "social_status"),
        "first_time_answers": counts(individual, "first_time"),
        "autonomy": counts(individual.exclude(autonomy=""), "autonomy"),
        "oriented_to": counts(individual.exclude(oriented_to=""), "oriented_to"),
        "month": {
            m.isoformat()[:7] if m else "": n
            for m, n in qs.order_by().annotate(m=TruncMonth("date")).values_list("m").annotate(n=Count("pk"))
        },
        "weekday": counts(qs.annotate(wd=ExtractIsoWeekDay("date")), "wd"),
        "place": counts(qs.filter(place__isnull=False), "place__nom"),
    }


def _appointments(q: Query):
    return q.narrow(Appointment.objects.all(), when="starts_at", advisor="advisor", place="place")


def appointment_counts(q: Query) -> dict:
    qs = _appointments(q)
    by_outcome = counts(qs, "outcome")
    return {
        # A move frees one time for another: the appointment counts once, at its new time.
        "booked": sum(n for outcome, n in by_outcome.items() if outcome != c.Outcome.MOVED),
        "outcome": by_outcome,
        "channel": counts(qs.exclude(outcome=c.Outcome.MOVED), "channel"),
    }


def _workshops(q: Query):
    """Workshops (not cancelled) with a session in the period, each once."""
    with_session = q.narrow(
        Workshop.objects.filter(cancelled_at__isnull=True), when="sessions__starts_at", advisor="advisor", place="place"
    )
    return Workshop.objects.filter(pk__in=with_session.values("pk"))


def workshop_counts(q: Query) -> dict:
    """Workshops with a session in the period: seats, registrations, waitlists, presence."""
    workshops = _workshops(q)
    start, end = q.period.bounds()
    registrations = Registration.objects.filter(workshop__in=workshops.values("pk"))
    seats = workshops.aggregate(n=Sum("capacity"))["n"] or 0
    by_status = counts(registrations, "status")
    seated = sum(by_status.get(s, 0) for s in c.SEATED)
    attendance = Attendance.objects.filter(
        session__workshop__in=workshops.values("pk"), session__starts_at__gte=start, session__starts_at__lt=end
    ).aggregate(came=Count("pk", filter=Q(present=True)), missed=Count("pk", filter=Q(present=False)))
    return {
        "workshops": workshops.count(),
        "seats": seats,
        "seated": seated,
        "waitlisted": by_status.get(c.RegistrationStatus.WAITLISTED, 0),
        "promoted": registrations.filter(promoted_at__isnull=False).count(),
        "cancelled": by_status.get(c.RegistrationStatus.CANCELLED, 0),
        "present": attendance["came"] or 0,
        "absent": attendance["missed"] or 0,
        "certificates": registrations.filter(certificate_given_at__isnull=False).count(),
        "theme": counts(workshops, "theme"),
        "channel": counts(registrations.exclude(status=c.RegistrationStatus.CANCELLED), "channel"),
    }


def _figure(slug, label, now, before, help="") -> Figure:
    return Figure(slug, label, now, before, COUNT, help=help)


def section(q: Query) -> Section:
    """The digital mediation page: the period and the previous one."""
    # Whole months from the monthly roll-up (checked against the records first), the days
    # around them counted live: the same numbers as accompaniment_counts, sooner.
    now, before = rollup.accompaniment_counts(q), rollup.accompaniment_counts(q.previous())
    rdv_now, rdv_before = appointment_counts(q), appointment_counts(q.previous())
    ws_now, ws_before = workshop_counts(q), workshop_counts(q.previous())
    seen = (rdv_now["outcome"].get(c.Outcome.SEEN, 0), rdv_before["outcome"].get(c.Outcome.SEEN, 0))
    noshow = (rdv_now["outcome"].get(c.Outcome.NOSHOW, 0), rdv_before["outcome"].get(c.Outcome.NOSHOW, 0))
    figures = [
        _figure(
            "activities",
            _("Activités enregistrées"),
            now["activities"],
            before["activities"],
            _("Accompagnements individuels et ateliers collectifs notés (CRA)."),
        ),  # fmt: skip
        _figure(
            "accompaniments",
            _("Accompagnements"),
            now["accompaniments"],
            before["accompaniments"],
            _("Chaque personne accompagnée, seule ou en atelier, compte une fois par activité."),
        ),  # fmt: skip
        _figure(
            "beneficiaries",
            _("Personnes différentes accompagnées"),
            now["beneficiaries"],
            before["beneficiaries"],
            _("Une personne connue compte une fois ; chaque personne anonyme compte une fois."),
        ),  # fmt: skip
        _figure("first_time", _("Premières visites"), now["first_time"], before["first_time"]),
        _figure(
            "procedure_help", _("Aides à une démarche administrative"), now["procedure_help"], before["procedure_help"]
        ),  # fmt: skip
        _figure(
            "walk_in",
            _("Passages sans rendez-vous"),
            now["walk_in"],
            before["walk_in"],
            _("Accompagnements individuels notés sans rendez-vous ni atelier : les permanences."),
        ),  # fmt: skip
        _figure("hours", _("Heures d'accompagnement"), round(now["minutes"] / 60), round(before["minutes"] / 60)),
        _figure("oriented", _("Personnes orientées ailleurs"), now["oriented"], before["oriented"]),
        _figure("appointments", _("Rendez-vous"), rdv_now["booked"], rdv_before["booked"]),
        _figure("noshows", _("Rendez-vous manqués sans prévenir"), noshow[0], noshow[1]),
        ratio_figure(
            "noshow_rate",
            _("Part des rendez-vous manqués"),
            noshow[0],
            seen[0] + noshow[0],
            noshow[1],
            seen[1] + noshow[1],
            _("Parmi les rendez-vous passés dont la suite est notée."),
        ),  # fmt: skip
        _figure("workshops", _("Ateliers"), ws_now["workshops"], ws_before["workshops"]),
        ratio_figure(
            "fill_rate",
            _("Taux de remplissage des ateliers"),
            ws_now["seated"],
            ws_now["seats"],
            ws_before["seated"],
            ws_before["seats"],
        ),  # fmt: skip
        _figure("waitlisted", _("Sur liste d'attente"), ws_now["waitlisted"], ws_before["waitlisted"]),
        _figure(
            "promoted", _("Places libérées données à la liste d'attente"), ws_now["promoted"], ws_before["promoted"]
        ),  # fmt: skip
        _figure("present", _("Présences en atelier"), ws_now["present"], ws_before["present"]),
        _figure(
            "certificates",
            _("Attestations de participation remises"),
            ws_now["certificates"],
            ws_before["certificates"],
        ),  # fmt: skip
    ]
    months = sorted(set(now["month"]) | set(before["month"]))
    tables = [
        compare("kind", _("Type d'activité"), now["kind"], before["kind"], c.AccompanimentKind.choices),
        compare("duration", _("Durée"), now["duration"], before["duration"], _labels(DURATION_BANDS)),
        compare(
            "place_type", _("Lieu de l'accompagnement"), now["place_type"], before["place_type"], c.PlaceType.choices
        ),  # fmt: skip
        compare(
            "themes",
            _("Thèmes"),
            now["themes"],
            before["themes"],
            c.THEMES,
            additive=False,
            note=_("Une activité peut aborder plusieurs thèmes."),
        ),  # fmt: skip
        compare(
            "subthemes",
            _("Démarches administratives"),
            now["subthemes"],
            before["subthemes"],
            c.ADMIN_SUBTHEME_CHOICES,
            additive=False,
        ),  # fmt: skip
        compare(
            "equipment",
            _("Matériel utilisé"),
            now["equipment"],
            before["equipment"],
            c.Equipment.choices,
            additive=False,
        ),  # fmt: skip
        compare(
            "gender", _("Genre (accompagnements individuels)"), now["gender"], before["gender"], c.Gender.choices
        ),  # fmt: skip
        compare(
            "age_band", _("Âge (accompagnements individuels)"), now["age_band"], before["age_band"], c.AgeBand.choices
        ),  # fmt: skip
        compare(
            "social_status",
            _("Statut (accompagnements individuels)"),
            now["social_status"],
            before["social_status"],
            c.SocialStatus.choices,
        ),  # fmt: skip
        compare(
            "first_time",
            _("Premier accompagnement"),
            now["first_time_answers"],
            before["first_time_answers"],
            _labels(FIRST_TIME),
        ),  # fmt: skip
        compare(
            "autonomy", _("Autonomie de la personne à la fin"), now["autonomy"], before["autonomy"], c.Autonomy.choices
        ),  # fmt: skip
        compare("oriented_to", _("Orientations"), now["oriented_to"], before["oriented_to"], c.OrientedTo.choices),
        compare("weekday", _("Jour de la semaine"), now["weekday"], before["weekday"], _labels(WEEKDAYS)),
        compare(
            "month",
            _("Par mois"),
            now["month"],
            before["month"],
            [(m, formats.date_format(_month_date(m), "F Y")) for m in months],
            keep_empty=False,
        ),  # fmt: skip
        compare(
            "place",
            _("Par lieu"),
            now["place"],
            before["place"],
            [],
            keep_empty=False,
            note=_("Accompagnements notés dans un lieu de la structure."),
        ),  # fmt: skip
        compare(
            "appointment_outcome",
            _("Suite des rendez-vous"),
            _without_moved(rdv_now["outcome"]),
            _without_moved(rdv_before["outcome"]),
            [(code, label) for code, label in c.Outcome.choices if code != c.Outcome.MOVED],
            note=_("Un rendez-vous déplacé compte une fois, à son nouvel horaire."),
        ),  # fmt: skip
        compare(
            "appointment_channel", _("Rendez-vous pris"), rdv_now["channel"], rdv_before["channel"], _channel_choices()
        ),  # fmt: skip
        compare(
            "workshop_theme", _("Ateliers par thème"), ws_now["theme"], ws_before["theme"], c.THEMES, keep_empty=False
        ),  # fmt: skip
    ]
    section = Section("mediation", _("Médiation numérique"), figures, tables)
    return link(
        section,
        cells={"noshows": ("appointment_outcome", c.Outcome.NOSHOW)},
        parts={
            "first_time": "activities",
            "procedure_help": "activities",
            "walk_in": "activities",
            "oriented": "activities",
            "noshows": "appointments",
        },
    )


def _without_moved(outcomes: dict) -> dict:
    return {code: n for code, n in outcomes.items() if code != c.Outcome.MOVED}


def _month_date(code: str):
    import datetime

    return datetime.date(int(code[:4]), int(code[5:7]), 1)


def _channel_choices():
    from relais.core.models import Channel

    return Channel.choices
