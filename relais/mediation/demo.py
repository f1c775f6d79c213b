"""Demo digital mediation in Valbrenne: drop-in sessions, workshops (one nearly full, one
with a waitlist, one not open yet, one past), appointments and months of accompaniments.

Idempotent: records are found by natural keys; dates follow the day the demo is loaded.
Registrations and appointments are written directly (no messages are queued for them).
"""

from __future__ import annotations

import datetime
import random

from django.db.models import Count, Q
from django.utils import timezone

from relais.accounts.models import Team, User
from relais.core.models import Channel, ContactChannel, Person
from relais.directory.models import Place
from relais.mediation import choices as c
from relais.mediation import selectors
from relais.mediation.models import (
    Accompaniment,
    Appointment,
    AppointmentType,
    Attendance,
    DropIn,
    DropInCancellation,
    Registration,
    SchoolHoliday,
    Workshop,
    WorkshopSession,
)

PEOPLE = [
    ("Lucienne", "Garnier", "06 11 22 33 44"),
    ("Ahmed", "Haddad", "06 22 33 44 55"),
    ("Odette", "Lefèvre", "02 47 55 66 77"),
    ("Bernard", "Roux", "06 33 44 55 66"),
    ("Fatou", "Diallo", "07 44 55 66 77"),
    ("Gérard", "Fontaine", "02 47 66 77 88"),
    ("Sylvie", "Chevalier", "06 55 66 77 88"),
    ("Mohamed", "Brahimi", "07 66 77 88 99"),
    ("Yvette", "Morel", "02 47 77 88 99"),
    ("Christian", "Girard", "06 77 88 99 00"),
    ("Nathalie", "Bonnet", "06 88 99 00 11"),
    ("René", "Mercier", "02 47 99 00 11"),
]


def _school_holidays(today: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    """Approximate zone B holidays of the current school year (demo only)."""
    y = today.year if today.month >= 9 else today.year - 1
    d = datetime.date
    return [
        ("Vacances de la Toussaint", d(y, 10, 17), d(y, 11, 1)),
        ("Vacances de Noël", d(y, 12, 19), d(y + 1, 1, 3)),
        ("Vacances d'hiver (zone B)", d(y + 1, 2, 13), d(y + 1, 2, 28)),
        ("Vacances de printemps (zone B)", d(y + 1, 4, 10), d(y + 1, 4, 25)),
        ("Vacances d'été", d(y + 1, 7, 4), d(y + 1, 8, 31)),
    ]


def _dropins(team, places, advisor, manager, start):
    t = datetime.time
    specs = [
        # place, title, booking, rule, start, end, skip holidays, advisor, themes
        ("relais-citoyen-nord", "Permanence numérique", c.Booking.WALK_IN, "FREQ=WEEKLY;BYDAY=TU", t(14), t(17), True,
         advisor, [c.ADMIN_THEME, "prendre_en_main_du_materiel", "email"]),
        ("relais-citoyen-nord", "Rendez-vous avec le conseiller numérique", c.Booking.APPOINTMENT, "FREQ=WEEKLY;BYDAY=TH",
         t(9), t(12), False, advisor, [c.ADMIN_THEME, "sante", "banque_et_achats_en_ligne"]),
        ("relais-citoyen-sud", "Permanence du soir", c.Booking.BOTH, "FREQ=WEEKLY;BYDAY=TH", t(17), t(19, 30), False,
         manager, [c.ADMIN_THEME, "insertion_professionnelle"]),
        ("mediatheque", "Permanence numérique", c.Booking.WALK_IN, "FREQ=WEEKLY;BYDAY=WE", t(10), t(12, 30), False,
         None, ["navigation_sur_internet", "prendre_en_main_du_materiel", "culture_numerique"]),
        ("maison-des-habitants-garenne", "Aide aux démarches en ligne", c.Booking.APPOINTMENT, "FREQ=WEEKLY;BYDAY=MO",
         t(14), t(17), True, None, [c.ADMIN_THEME]),
        ("maison-des-habitants-saint-martin", "Permanence des associations", c.Booking.WALK_IN,
         "FREQ=MONTHLY;BYDAY=1WE", t(14), t(17), True, None, [c.ADMIN_THEME, "bureautique"]),
        ("relais-citoyen-bellevue", "Café numérique en famille", c.Booking.WALK_IN, "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA",
         t(9, 30), t(12), True, None, ["parentalite", "securite_numerique"]),
    ]  # fmt: skip
    dropins = {}
    for slug, title, booking, rule, begin, end, skip, who, themes in specs:
        dropin, _created = DropIn.objects.update_or_create(
            team=team,
            place=places[slug],
            title=title,
            defaults={
                "booking": booking,
                "rrule": rule,
                "start_time": begin,
                "end_time": end,
                "start_date": start,
                "skip_school_holidays": skip,
                "advisor": who,
                "themes": themes,
                "slot_minutes": 30,
                "description": "Venez avec vos identifiants, vos papiers et votre téléphone si vous en avez un.",
            },
        )
        dropins[(slug, title)] = dropin
    return dropins


def _people():
    found = []
    for first, last, phone in PEOPLE:
        person = Person.objects.filter(first_name=first, last_name=last).first()
        if person is None:
            person = Person(
                first_name=first,
                last_name=last,
                phone=phone,
                preferred_channel=ContactChannel.PHONE,
                created_via=Channel.COUNTER,
            )
            person.full_clean()
            person.save()
        found.append(person)
    return found


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _next_weekday(today: datetime.date, weekday: int, weeks_ahead: int = 0) -> datetime.date:
    days = (weekday - today.weekday()) % 7 or 7
    return today + datetime.timedelta(days=days + 7 * weeks_ahead)


def _workshop(team, slug, **fields):
    sessions = fields.pop("sessions")
    workshop, _created = Workshop.objects.update_or_create(slug=slug, defaults={"team": team, **fields})
    if not workshop.sessions.exists():
        for begin, end in sessions:
            WorkshopSession.objects.create(workshop=workshop, starts_at=begin, ends_at=end)
    return workshop


def _register(workshop, people, confirmed: int, waitlisted: int, channel=Channel.COUNTER):
    now = timezone.now()
    for index, person in enumerate(people[: confirmed + waitlisted]):
        Registration.objects.get_or_create(
            workshop=workshop,
            person=person,
            defaults={
                "status": c.RegistrationStatus.CONFIRMED if index < confirmed else c.RegistrationStatus.WAITLISTED,
                "queued_at": now - datetime.timedelta(days=10, minutes=-index),
                "confirmed_at": now if index < confirmed else None,
                "channel": channel if index % 3 else Channel.ONLINE,
            },
        )
    seated = workshop.registrations.filter(status__in=c.SEATED).count()
    Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=seated)


def _workshops(team, places, advisor, people, today):
    tuesday = _next_weekday(today, 1, 1)
    smartphone = _workshop(
        team,
        "premiers-pas-avec-le-smartphone",
        title="Premiers pas avec le smartphone",
        description=(
            "Allumer, téléphoner, envoyer un message, prendre une photo et installer une application. "
            "En petit groupe, à votre rythme. Les téléphones peuvent être prêtés."
        ),
        theme="prendre_en_main_du_materiel",
        level=c.Level.BEGINNER,
        place=places["mediatheque"],
        advisor=advisor,
        capacity=8,
        what_to_bring="Votre téléphone si vous en avez un, chargé.",
        accessibility_notes="Salle au 1er étage avec ascenseur. Boucle magnétique. Grands écrans.",
        registration_opens_at=timezone.now() - datetime.timedelta(days=20),
        sessions=[(_at(tuesday + datetime.timedelta(weeks=w), 10), _at(tuesday + datetime.timedelta(weeks=w), 12)) for w in range(3)],
    )  # fmt: skip
    _register(smartphone, people, confirmed=7, waitlisted=0)
    thursday = _next_weekday(today, 3, 0)
    taxes = _workshop(
        team,
        "ma-declaration-dimpots-en-ligne",
        title="Ma déclaration d'impôts en ligne",
        description=(
            "Se connecter à impots.gouv.fr, vérifier sa déclaration pré-remplie, la corriger et la signer. "
            "Apportez votre numéro fiscal et votre dernier avis d'impôt."
        ),
        theme=c.ADMIN_THEME,
        level=c.Level.INTERMEDIATE,
        place=places["relais-citoyen-sud"],
        advisor=advisor,
        partner="Centre des finances publiques de Valbrenne",
        capacity=6,
        what_to_bring="Numéro fiscal, dernier avis d'impôt, mot de passe impots.gouv.fr si vous en avez un.",
        registration_opens_at=timezone.now() - datetime.timedelta(days=14),
        sessions=[(_at(thursday, 14), _at(thursday, 16, 30))],
    )
    _register(taxes, people[4:], confirmed=6, waitlisted=2)
    monday = _next_weekday(today, 0, 1)
    scam = _workshop(
        team,
        "reperer-un-courriel-frauduleux",
        title="Repérer un courriel frauduleux",
        description=(
            "Faux colis, faux remboursement, faux conseiller bancaire : apprendre à reconnaître une arnaque "
            "et savoir quoi faire. Avec des exemples réels."
        ),
        theme="securite_numerique",
        level=c.Level.BEGINNER,
        place=places["maison-des-habitants-garenne"],
        partner="Club des entreprises du Val de Brenne",
        capacity=12,
        accessibility_notes="Bâtiment de plain-pied.",
        registration_opens_at=_at(today + datetime.timedelta(days=2), 9),
        sessions=[(_at(monday + datetime.timedelta(weeks=1), 14), _at(monday + datetime.timedelta(weeks=1), 16))],
    )
    past_day = today - datetime.timedelta(days=21)
    mail = _workshop(
        team,
        "creer-son-adresse-courriel",
        title="Créer son adresse courriel",
        description="Créer une adresse, écrire et lire ses courriels, envoyer une pièce jointe.",
        theme="email",
        level=c.Level.BEGINNER,
        place=places["relais-citoyen-nord"],
        advisor=advisor,
        capacity=6,
        registration_opens_at=timezone.now() - datetime.timedelta(days=50),
        sessions=[(_at(past_day, 10), _at(past_day, 12))],
    )
    _register(mail, people[6:], confirmed=5, waitlisted=0)
    session = mail.sessions.first()
    for index, registration in enumerate(mail.registrations.filter(status__in=c.SEATED)):
        present = index != 2
        Attendance.objects.get_or_create(registration=registration, session=session, defaults={"present": present})
        Registration.objects.filter(pk=registration.pk).update(
            status=c.RegistrationStatus.ATTENDED if present else c.RegistrationStatus.NO_SHOW
        )
    return [smartphone, taxes, scam, mail]


def _appointments(dropins, advisor):
    if Appointment.objects.exists():
        return
    dropin = dropins[("relais-citoyen-nord", "Rendez-vous avec le conseiller numérique")]
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))
    marie = Person.objects.filter(email="marie.dupont@example.org").first()
    jeanne = Person.objects.filter(first_name="Jeanne", last_name="Martin").first()
    karim = Person.objects.filter(first_name="Karim", last_name="Benali").first()
    bookings = [
        (marie, Channel.ONLINE, None, "Créer mon compte Ameli"),
        (jeanne, Channel.COUNTER, advisor, "Lire mes courriels sur la tablette offerte par ma fille"),
        (karim, Channel.PHONE, advisor, "Actualisation France Travail"),
    ]
    for slot, (person, channel, booked_by, topic) in zip(slots[1::3], bookings, strict=False):
        if person is None:
            continue
        Appointment.objects.create(
            dropin=dropin, team=dropin.team, place=dropin.place, advisor=dropin.advisor, person=person,
            starts_at=slot.starts_at, ends_at=slot.ends_at, topic=topic, channel=channel, booked_by=booked_by,
        )  # fmt: skip
    # One last week, to be completed by the advisor.
    now = timezone.now()
    past = [o for o in dropin.occurrences(now - datetime.timedelta(days=14), now) if not o.cancelled]
    if past and jeanne:
        start, end = dropin.slots(past[-1])[1]
        Appointment.objects.create(
            dropin=dropin, team=dropin.team, place=dropin.place, advisor=dropin.advisor, person=jeanne,
            starts_at=start, ends_at=end, topic="Prendre rendez-vous chez le médecin en ligne", channel=Channel.PHONE,
        )  # fmt: skip


def _appointment_types(places, start, people) -> AppointmentType | None:
    """État civil's identity-card and passport counter: 2 counters at the town hall, one at
    the Relais citoyen Sud on Wednesdays; linked to the catalogue's identity-card fiche; a
    code is sent before a slot is held (resellers grab these slots elsewhere)."""
    from relais.directory.models import Procedure

    team = Team.objects.filter(slug="etat-civil").first()
    town_hall = places.get("hotel-de-ville")
    if team is None or town_hall is None:
        return None
    kind, _created = AppointmentType.objects.update_or_create(
        slug="carte-identite-passeport",
        defaults={
            "team": team,
            "title": "Carte d'identité et passeport",
            "description": "Dépôt du dossier de carte d'identité ou de passeport, et prise des empreintes.",
            "duration": 15,
            "what_to_bring": (
                "Le numéro de pré-demande en ligne (ANTS), ou le formulaire papier rempli\n"
                "Une photo d'identité de moins de 6 mois\n"
                "Un justificatif de domicile de moins d'un an\n"
                "Votre ancienne carte ou votre ancien passeport, si vous en avez un\n"
                "Pour un passeport : le timbre fiscal"
            ),
            "notice_hours": 2,
            "horizon_days": 60,
            "per_contact_cap": 2,
            "confirm_by_code": True,
            "published": True,
            "procedure": Procedure.objects.filter(slug="carte-identite").first(),
        },
    )
    t = datetime.time
    openings = [
        (town_hall, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", t(9), t(12), 2),
        (town_hall, "FREQ=WEEKLY;BYDAY=TU,TH", t(14), t(17), 2),
        (places.get("relais-citoyen-sud"), "FREQ=WEEKLY;BYDAY=WE", t(14), t(17), 1),
    ]
    made = []
    for place, rule, begin, end, counters in openings:
        if place is None:
            continue
        opening, _created = DropIn.objects.update_or_create(
            appointment_type=kind,
            place=place,
            start_time=begin,
            defaults={
                "team": team, "title": kind.title, "booking": c.Booking.APPOINTMENT, "rrule": rule, "end_time": end,
                "start_date": start, "slot_minutes": kind.duration, "counters": counters, "published": True,
            },
        )  # fmt: skip
        made.append(opening)
    if made and not Appointment.objects.filter(appointment_type=kind).exists():
        opening = made[0]
        now = timezone.now()
        # Two people at the same time, one per counter; and a past one nobody came to.
        # (In ten days or more: no reminder falls due with the demo loaded, tests count them.)
        slots = selectors.free_slots(
            dropins=DropIn.objects.filter(pk=opening.pk), start=now + datetime.timedelta(days=10)
        )
        for counter, person in enumerate(people[:2], start=1):
            if slots:
                Appointment.objects.create(
                    dropin=opening, appointment_type=kind, counter=counter, team=team, place=opening.place,
                    person=person, starts_at=slots[0].starts_at, ends_at=slots[0].ends_at, channel=Channel.COUNTER,
                )  # fmt: skip
        past = [o for o in opening.occurrences(now - datetime.timedelta(days=14), now) if not o.cancelled]
        if past:
            begin_at, end_at = opening.slots(past[-1])[2]
            Appointment.objects.create(
                dropin=opening, appointment_type=kind, team=team, place=opening.place, person=people[3],
                starts_at=begin_at, ends_at=end_at, channel=Channel.PHONE, outcome=c.Outcome.NOSHOW,
            )  # fmt: skip
    return kind


def _accompaniments(team, places, advisor, people, today):
    if Accompaniment.objects.filter(team=team).exists():
        return 0
    rng = random.Random(2026)  # noqa: S311 - demo data
    mediation_places = [p for p in places.values() if team.places.filter(pk=p.pk).exists()]
    themes = [code for code, _label in c.THEMES]
    weights = [3, 8, 2, 4, 6, 8, 3, 3, 4, 4, 1, 4, 5, 2, 2, 1, 1, 1, 20]
    subthemes = [code for code, _label in c.ADMIN_SUBTHEME_CHOICES]
    records = []
    for days_ago in range(1, 120):
        day = today - datetime.timedelta(days=days_ago)
        if day.weekday() >= 5:
            continue
        for _n in range(rng.randint(0, 3)):
            chosen = sorted(set(rng.choices(themes, weights=weights, k=rng.choice([1, 1, 2]))))
            named = rng.random() < 0.3
            records.append(
                Accompaniment(
                    team=team,
                    advisor=advisor,
                    date=day,
                    duration=rng.choice([15, 30, 30, 30, 45, 60, 90]),
                    kind=c.AccompanimentKind.INDIVIDUAL,
                    place_type=rng.choices([c.PlaceType.PLACE, c.PlaceType.HOME, c.PlaceType.REMOTE], [8, 1, 1])[0],
                    place=rng.choice(mediation_places),
                    commune="Valbrenne",
                    equipment=rng.choice([["ordinateur"], ["telephone"], ["tablette"], ["ordinateur", "telephone"]]),
                    themes=chosen,
                    admin_subthemes=rng.sample(subthemes, rng.randint(1, 2)) if c.ADMIN_THEME in chosen else [],
                    person=rng.choice(people) if named else None,
                    gender=rng.choice([c.Gender.FEMALE, c.Gender.MALE, c.Gender.UNKNOWN]),
                    age_band=rng.choice(
                        [c.AgeBand.FROM_25, c.AgeBand.FROM_40, c.AgeBand.FROM_60, c.AgeBand.FROM_70, c.AgeBand.FROM_18]
                    ),
                    social_status=rng.choice(
                        [c.SocialStatus.RETIRED, c.SocialStatus.UNEMPLOYED, c.SocialStatus.EMPLOYED]
                    ),
                    first_time=rng.random() < 0.4,
                    autonomy=rng.choice([c.Autonomy.GUIDED, c.Autonomy.PARTLY, c.Autonomy.AUTONOMOUS]),
                    oriented_to=rng.choice(["", "", "", c.OrientedTo.ADMINISTRATION, c.OrientedTo.SOCIAL]),
                )
            )
    for record in records:
        if record.place_type != c.PlaceType.PLACE:
            record.place = None
    Accompaniment.objects.bulk_create(records)
    # Written down at the end of the visit, during opening hours (the fréquentation heat map
    # reads the hour a drop-in visit was recorded).
    zone = timezone.get_current_timezone()
    for record in records:
        written = datetime.datetime.combine(
            record.date, datetime.time(rng.choice([9, 10, 10, 11, 14, 15, 16, 17]), rng.randint(0, 59)), tzinfo=zone
        )
        Accompaniment.objects.filter(pk=record.pk).update(created_at=written)
    # Collective records: one per past workshop session, participants named from the registrations.
    for session in WorkshopSession.objects.filter(workshop__team=team, starts_at__lt=timezone.now()):
        present = Person.objects.filter(
            mediation_registrations__attendances__session=session, mediation_registrations__attendances__present=True
        )
        record = Accompaniment.objects.create(
            team=team, advisor=advisor, date=timezone.localtime(session.starts_at).date(),
            duration=int((session.ends_at - session.starts_at).total_seconds() // 60),
            kind=c.AccompanimentKind.COLLECTIVE, place=session.workshop.place, themes=[session.workshop.theme],
            equipment=["ordinateur"], anonymous_count=1, workshop_session=session,
        )  # fmt: skip
        record.participants.set(present)
    return len(records)


def load(stdout):
    team = Team.objects.filter(slug="mediation").first()
    advisor = User.objects.filter(email="conseiller@valbrenne.fr").first()
    manager = User.objects.filter(email="responsable@valbrenne.fr").first()
    if team is None or advisor is None:
        stdout.write("  mediation: no mediation team, skipped")
        return
    today = timezone.localdate()
    for name, first, last in _school_holidays(today):
        SchoolHoliday.objects.get_or_create(name=name, start=first, defaults={"end": last})
    places = {p.slug: p for p in Place.objects.all()}
    start = datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    dropins = _dropins(team, places, advisor, manager, start)
    nord = dropins[("relais-citoyen-nord", "Permanence numérique")]
    if not nord.cancellations.filter(date__gte=today).exists():
        upcoming = [
            o for o in nord.occurrences(timezone.now(), timezone.now() + datetime.timedelta(days=35)) if not o.cancelled
        ]
        if len(upcoming) > 1:
            DropInCancellation.objects.create(
                dropin=nord,
                date=upcoming[1].date,
                notice="Permanence annulée : le conseiller est en formation. Revenez la semaine suivante.",
            )
    people = _people()
    workshops = _workshops(team, places, advisor, people, today)
    _appointments(dropins, advisor)
    kind = _appointment_types(places, start, people)
    created = _accompaniments(team, places, advisor, people, today)
    full = Workshop.objects.annotate(
        waiting=Count("registrations", filter=Q(registrations__status=c.RegistrationStatus.WAITLISTED))
    ).filter(waiting__gt=0)
    stdout.write(
        f"  mediation: {DropIn.objects.count()} drop-ins, {len(workshops)} workshops ({full.count()} with a waitlist), "
        f"{Appointment.objects.count()} appointments, {created} new accompaniments"
        + (f", appointment type « {kind.title} » ({kind.openings.count()} openings)" if kind else "")
    )
