"""Hand-made records for the statistics tests, in a team of their own, so that the demo
town's activity never enters the numbers a person counted by hand."""

from __future__ import annotations

import datetime
import itertools
import zoneinfo

from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from relais.accounts.demo import DEMO_TOTP_SECRET
from relais.accounts.models import Membership, Role, Team, User
from relais.cases.models import Case, Form
from relais.core.models import Channel, ContactChannel, Person
from relais.directory.models import Place
from relais.mediation import choices as c
from relais.mediation.models import (
    Accompaniment,
    Appointment,
    Attendance,
    DropIn,
    Registration,
    Workshop,
    WorkshopSession,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
_numbers = itertools.count(1)


def at(year, month, day, hour, minute=0) -> datetime.datetime:
    """An aware datetime on the town's wall clock."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def make_team(name: str = "Équipe test") -> Team:
    number = next(_numbers)
    return Team.objects.create(name=f"{name} {number}", slug=f"equipe-test-{number}", kind="mediation")


def make_place(team: Team, nom: str = "Lieu test", commune: str = "Valbrenne") -> Place:
    number = next(_numbers)
    place = Place.objects.create(
        slug=f"lieu-test-{number}",
        nom=f"{nom} {number}",
        pivot="21490001200019",
        adresse="1 place de la Mairie",
        code_postal="49000",
        commune=commune,
    )
    place.teams.add(team)
    return place


def make_staff(team: Team, role: str = Role.ADVISOR, name: str = "Conseiller") -> User:
    number = next(_numbers)
    user = User.objects.create_user(email=f"staff-test-{number}@valbrenne.fr", password="x" * 12)
    user.full_name = f"{name} {number}"
    user.save(update_fields=["full_name"])
    Membership.objects.create(user=user, team=team, role=role)
    TOTP.activate(user, DEMO_TOTP_SECRET)  # a second factor, so that `staff_client` may open staff pages
    return user


def make_person(name: str = "Habitant") -> Person:
    number = next(_numbers)
    return Person.objects.create(
        first_name=f"{name}{number}",
        last_name=f"Test{number}",
        email=f"habitant-test-{number}@example.org",
        preferred_channel=ContactChannel.EMAIL,
    )


def make_dropin(team: Team, place: Place, advisor=None) -> DropIn:
    return DropIn.objects.create(
        team=team,
        place=place,
        advisor=advisor,
        booking=c.Booking.APPOINTMENT,
        start_date=datetime.date(2019, 1, 1),
        start_time=datetime.time(9),
        end_time=datetime.time(18),
    )


def make_appointment(dropin: DropIn, starts_at, *, outcome=c.Outcome.SEEN, advisor=None, person=None) -> Appointment:
    cancelled = timezone.now() if outcome in c.CANCELLED_OUTCOMES else None
    return Appointment.objects.create(
        dropin=dropin,
        team=dropin.team,
        place=dropin.place,
        advisor=advisor if advisor is not None else dropin.advisor,
        person=person,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        outcome=outcome,
        cancelled_at=cancelled,
    )


def make_workshop(team: Team, place: Place, *starts, advisor=None, capacity: int = 10, theme: str = "email"):
    number = next(_numbers)
    workshop = Workshop.objects.create(
        team=team,
        slug=f"atelier-stats-{number}",
        title=f"Atelier stats {number}",
        description="Un atelier pour les tests des statistiques.",
        theme=theme,
        place=place,
        advisor=advisor,
        capacity=capacity,
        registration_opens_at=timezone.now() - datetime.timedelta(days=1),
    )
    for start in starts:
        WorkshopSession.objects.create(workshop=workshop, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    return workshop


def make_presences(session: WorkshopSession, present: int, absent: int = 0) -> None:
    """`present` people came to the session, `absent` did not (registered by hand)."""
    for index in range(present + absent):
        registration = Registration.objects.create(
            workshop=session.workshop,
            person=make_person(),
            status=c.RegistrationStatus.ATTENDED if index < present else c.RegistrationStatus.NO_SHOW,
        )
        Attendance.objects.create(registration=registration, session=session, present=index < present)


def make_counter_case(team: Team, place: Place | None, submitted_at, channel: str = Channel.COUNTER) -> Case:
    number = next(_numbers)
    return Case.objects.create(
        reference=f"TEST-{number:06d}",
        form=Form.objects.get(slug="rendez-vous-ccas"),
        team=team,
        person=make_person(),
        channel=channel,
        recorded_at_place=place,
        due_date=submitted_at.date() + datetime.timedelta(days=30),
        submitted_at=submitted_at,
    )


def make_accompaniment(team: Team, advisor: User, day: datetime.date, *, created_at=None, **fields) -> Accompaniment:
    """An accompaniment record; `created_at` sets the moment it was written down."""
    data = {"duration": 30, "themes": ["email"], "place_type": c.PlaceType.PLACE, **fields}
    if data["place_type"] != c.PlaceType.PLACE:
        data.setdefault("commune", "Valbrenne")
    record = Accompaniment.objects.create(team=team, advisor=advisor, date=day, **data)
    if created_at is not None:
        Accompaniment.objects.filter(pk=record.pk).update(created_at=created_at)
    return record
