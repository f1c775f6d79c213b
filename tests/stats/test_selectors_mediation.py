"""Digital mediation figures against a week a person can count by hand.

The week of Monday 12 to Sunday 18 March 2035 (7 days: the previous period is 5 to 11
March), in a team of its own with two advisors, Alice and Bruno, and two places: "Espace A"
in Valbrenne and "Espace B" in Saint-Aubin. The workshops lie ahead, so that people
register, wait and get a freed seat through the real services.

Accompaniments of the week (7 individual, 1 collective):
  1. Mon  Alice  A  Léa        20 min  e-mail                female  25–39  first time  autonomous  computer
  2. Tue  Alice  A  Léa        45 min  procedure + e-mail    female         not first   oriented to an administration
                                                                                        computer + phone
  3. Tue  Alice  A  anonymous  60 min  procedure             male    70+    first time  retired
  4. Wed  Alice  B  Marc       90 min  internet              male           first time
  5. Thu  Bruno  A  Nina      150 min  security              female
  6. Fri  Bruno  at home (Valbrenne), anonymous, 30 min, e-mail
  7. Sat  Bruno  B  Léa        30 min  e-mail, after an appointment
  C. Mon  Alice  A  workshop, 120 min, e-mail, tablet: Léa and Omar named, 3 anonymous
Previous week: Alice with Léa (Wed 7) and Bruno with someone anonymous (Thu 8), 30 min each.
The Monday after (19 March) holds one more record of Alice, outside the week.

Appointments: seen (Alice, A, online), seen (Bruno, B, by phone, record 7), no-show (Alice,
A, online), moved (Alice, A, online); previous week: one seen.
Workshops: W1 (Alice, A, 2 seats, e-mail, Wednesday): Léa at the counter and Omar online take
the seats, Paul and Rita wait online; Omar cancels, Paul gets his seat; Léa comes, Paul does
not; Léa's certificate is printed. W2 (Bruno, B, 3 seats, security, Friday): Sam by phone and
Tom online, both come.
"""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from relais.core.models import Channel
from relais.mediation import choices as c
from relais.mediation.services.workshops import (
    attendance_record,
    certificate_pdf,
    registration_cancel,
    registration_create,
)
from relais.stats.figures import SUPPRESSED, published
from relais.stats.filters import Period, Query
from relais.stats.selectors import mediation
from tests.stats.handmade import (
    at,
    make_accompaniment,
    make_appointment,
    make_dropin,
    make_person,
    make_place,
    make_staff,
    make_team,
    make_workshop,
)

WEEK = Period(datetime.date(2035, 3, 12), datetime.date(2035, 3, 18))
ADMIN = c.ADMIN_THEME
PAPERS = "papiers_elections_citoyennete"


def day(n: int) -> datetime.date:
    return datetime.date(2035, 3, n)


@pytest.fixture
def week(db):
    team = make_team()
    alice, bruno = make_staff(team, name="Alice"), make_staff(team, name="Bruno")
    a = make_place(team, "Espace A")
    b = make_place(team, "Espace B", commune="Saint-Aubin")
    lea, marc, nina, omar = (make_person(n) for n in ("Léa", "Marc", "Nina", "Omar"))
    F, M = c.Gender.FEMALE, c.Gender.MALE  # noqa: N806

    def record(advisor, n, **fields):
        return make_accompaniment(team, advisor, day(n), **fields)

    record(alice, 12, place=a, person=lea, duration=20, themes=["email"], gender=F,
           age_band=c.AgeBand.FROM_25, first_time=True, autonomy=c.Autonomy.AUTONOMOUS,
           equipment=[c.Equipment.COMPUTER])  # fmt: skip
    record(alice, 13, place=a, person=lea, duration=45, themes=[ADMIN, "email"], admin_subthemes=[PAPERS],
           gender=F, first_time=False, oriented_to=c.OrientedTo.ADMINISTRATION,
           equipment=[c.Equipment.COMPUTER, c.Equipment.PHONE])  # fmt: skip
    record(alice, 13, place=a, duration=60, themes=[ADMIN], gender=M, age_band=c.AgeBand.FROM_70,
           first_time=True, social_status=c.SocialStatus.RETIRED)  # fmt: skip
    record(alice, 14, place=b, person=marc, duration=90, themes=["navigation_sur_internet"], gender=M,
           first_time=True)  # fmt: skip
    record(bruno, 15, place=a, person=nina, duration=150, themes=["securite_numerique"], gender=F)
    record(bruno, 16, place_type=c.PlaceType.HOME, commune="Valbrenne", duration=30, themes=["email"])
    dropin_a, dropin_b = make_dropin(team, a, advisor=alice), make_dropin(team, b, advisor=bruno)
    make_appointment(dropin_a, at(2035, 3, 12, 10), outcome=c.Outcome.SEEN)
    seen_b = make_appointment(dropin_b, at(2035, 3, 17, 10), outcome=c.Outcome.SEEN)
    seen_b.channel = Channel.PHONE
    seen_b.save(update_fields=["channel"])
    make_appointment(dropin_a, at(2035, 3, 13, 10), outcome=c.Outcome.NOSHOW)
    make_appointment(dropin_a, at(2035, 3, 14, 10), outcome=c.Outcome.MOVED)
    make_appointment(dropin_a, at(2035, 3, 6, 10), outcome=c.Outcome.SEEN)  # previous week
    record(bruno, 17, place=b, person=lea, duration=30, themes=["email"], appointment=seen_b)
    workshop_record = record(alice, 12, place=a, kind=c.AccompanimentKind.COLLECTIVE, duration=120,
                             themes=["email"], anonymous_count=3, equipment=[c.Equipment.TABLET])  # fmt: skip
    workshop_record.participants.set([lea, omar])
    record(alice, 7, place=a, person=lea)  # previous week
    record(bruno, 8, place=a)  # previous week
    record(alice, 19, place=a, person=marc)  # the Monday after

    w1 = make_workshop(team, a, at(2035, 3, 14, 14), advisor=alice, capacity=2, theme="email")
    w2 = make_workshop(team, b, at(2035, 3, 16, 14), advisor=bruno, capacity=3, theme="securite_numerique")

    def register(workshop, person, channel):
        return registration_create(workshop=workshop, person=person, channel=channel, actor=alice, by_staff=True)

    lea_w1 = register(w1, lea, Channel.COUNTER)
    omar_w1 = register(w1, omar, Channel.ONLINE)
    paul_w1 = register(w1, make_person("Paul"), Channel.ONLINE)
    rita_w1 = register(w1, make_person("Rita"), Channel.ONLINE)
    assert (paul_w1.status, rita_w1.status) == (c.RegistrationStatus.WAITLISTED,) * 2
    _cancelled, promoted = registration_cancel(registration=omar_w1, actor=alice)
    assert [r.pk for r in promoted] == [paul_w1.pk]
    sam_w2 = register(w2, make_person("Sam"), Channel.PHONE)
    tom_w2 = register(w2, make_person("Tom"), Channel.ONLINE)
    # Attendance is taken once a session has begun: the week has gone by.
    with mock.patch.object(timezone, "now", return_value=at(2035, 3, 18, 20)):
        attendance_record(session=w1.sessions.get(), present_ids={lea_w1.pk}, actor=alice)
        lea_w1.refresh_from_db()
        certificate_pdf(registration=lea_w1, actor=alice)
        attendance_record(session=w2.sessions.get(), present_ids={sam_w2.pk, tom_w2.pk}, actor=bruno)
    return {"team": team, "alice": alice, "bruno": bruno, "a": a, "b": b}


def query(week, **filters) -> Query:
    return Query(period=WEEK, team_ids=(week["team"].pk,), **filters)


def rows(table) -> dict[str, list]:
    """{code: [period, previous period]}, rows empty in both left out."""
    return {row.code: row.values for row in table.rows if any(row.values)}


def test_accompaniment_totals(week):
    n = mediation.accompaniment_counts(query(week))
    assert n["activities"] == 8
    assert (n["individual"], n["collective"]) == (7, 1)
    # 7 people seen alone, and 2 named + 3 anonymous in the workshop.
    assert n["accompaniments"] == 12
    # Léa (seen 4 times), Marc, Nina, Omar; 2 anonymous alone; 3 anonymous in the workshop.
    assert n["beneficiaries"] == 4 + 2 + 3
    assert n["minutes"] == 20 + 45 + 60 + 90 + 150 + 30 + 30 + 120
    assert n["first_time"] == 3
    assert n["procedure_help"] == 2
    assert n["oriented"] == 1


def test_accompaniment_breakdowns(week):
    n = mediation.accompaniment_counts(query(week))
    assert n["kind"] == {"individuel": 7, "collectif": 1}
    assert n["duration"] == {"lt30": 1, "30to60": 4, "60to120": 2, "gt120": 1}
    assert n["place_type"] == {"lieu_activite": 7, "domicile": 1}
    assert n["themes"] == {"email": 5, ADMIN: 2, "navigation_sur_internet": 1, "securite_numerique": 1}
    assert n["subthemes"] == {PAPERS: 1}
    assert n["equipment"] == {"ordinateur": 2, "telephone": 1, "tablette": 1}
    assert n["gender"] == {"feminin": 3, "masculin": 2, "non_communique": 2}
    assert n["age_band"] == {"vingt_cinq_trente_neuf": 1, "soixante_dix_plus": 1, "non_communique": 5}
    assert n["social_status"] == {"retraite": 1, "non_communique": 6}
    assert n["first_time_answers"] == {True: 3, False: 1, None: 3}
    assert n["autonomy"] == {"autonome": 1}
    assert n["oriented_to"] == {"administration": 1}
    assert n["month"] == {"2035-03": 8}
    assert n["weekday"] == {1: 2, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1}
    assert n["place"] == {week["a"].nom: 5, week["b"].nom: 2}


def test_appointment_counts(week):
    n = mediation.appointment_counts(query(week))
    assert n["booked"] == 3  # the moved one counts at its new time, not here
    assert n["outcome"] == {"seen": 2, "noshow": 1, "moved": 1}
    assert n["channel"] == {"online": 2, "phone": 1}


def test_workshop_counts(week):
    n = mediation.workshop_counts(query(week))
    assert n["workshops"] == 2
    assert n["seats"] == 5
    assert n["seated"] == 4  # Léa and Paul, Sam and Tom
    assert n["waitlisted"] == 1  # Rita
    assert n["promoted"] == 1  # Paul
    assert n["cancelled"] == 1  # Omar
    assert (n["present"], n["absent"]) == (3, 1)
    assert n["certificates"] == 1
    assert n["theme"] == {"email": 1, "securite_numerique": 1}
    assert n["channel"] == {"counter": 1, "online": 3, "phone": 1}


def test_section_figures_beside_the_previous_week(week):
    section = mediation.section(query(week))
    assert {f.slug: (f.value, f.previous) for f in section.figures if f.slug != "walk_in"} == {
        "activities": (8, 2),
        "accompaniments": (12, 2),
        "beneficiaries": (9, 2),
        "first_time": (3, 0),
        "procedure_help": (2, 0),
        "hours": (9, 1),  # 545 minutes; 60 minutes
        "oriented": (1, 0),
        "appointments": (3, 1),
        "noshows": (1, 0),
        "noshow_rate": (33.3, 0.0),
        "workshops": (2, 0),
        "fill_rate": (80.0, None),
        "waitlisted": (1, 0),
        "promoted": (1, 0),
        "present": (3, 0),
        "certificates": (1, 0),
    }
    assert (section.figure("noshow_rate").base, section.figure("noshow_rate").base_previous) == (3, 1)
    assert (section.figure("fill_rate").base, section.figure("fill_rate").base_previous) == (5, 0)


def test_section_tables_beside_the_previous_week(week):
    section = mediation.section(query(week))
    assert rows(section.table("kind")) == {"individuel": [7, 2], "collectif": [1, 0]}
    assert rows(section.table("duration")) == {"lt30": [1, 0], "30to60": [4, 2], "60to120": [2, 0], "gt120": [1, 0]}
    assert rows(section.table("place_type")) == {"lieu_activite": [7, 2], "domicile": [1, 0]}
    themes = section.table("themes")
    assert not themes.additive
    assert rows(themes) == {"email": [5, 2], ADMIN: [2, 0], "navigation_sur_internet": [1, 0],
                            "securite_numerique": [1, 0]}  # fmt: skip
    assert rows(section.table("subthemes")) == {PAPERS: [1, 0]}
    assert rows(section.table("equipment")) == {"ordinateur": [2, 0], "telephone": [1, 0], "tablette": [1, 0]}
    assert rows(section.table("gender")) == {"feminin": [3, 0], "masculin": [2, 0], "non_communique": [2, 2]}
    assert rows(section.table("first_time")) == {"True": [3, 0], "False": [1, 0], "": [3, 2]}
    assert rows(section.table("autonomy")) == {"autonome": [1, 0]}
    assert rows(section.table("oriented_to")) == {"administration": [1, 0]}
    assert rows(section.table("weekday")) == {"1": [2, 0], "2": [2, 0], "3": [1, 1], "4": [1, 1], "5": [1, 0],
                                              "6": [1, 0]}  # fmt: skip
    assert [r.label for r in section.table("weekday").rows][0] == "lundi"
    assert rows(section.table("month")) == {"2035-03": [8, 2]}
    assert rows(section.table("place")) == {week["a"].nom: [5, 2], week["b"].nom: [2, 0]}
    # The moved one counts once, at its new time (the table adds up to the "appointments" figure).
    assert rows(section.table("appointment_outcome")) == {"seen": [2, 1], "noshow": [1, 0]}
    assert rows(section.table("appointment_channel")) == {"online": [2, 1], "phone": [1, 0]}
    assert rows(section.table("workshop_theme")) == {"email": [1, 0], "securite_numerique": [1, 0]}
    assert section.table("kind").columns == ["Période", "Période précédente"]


def test_an_advisor_never_counts_a_colleagues_records(week):
    alice = mediation.section(query(week, advisor_id=week["alice"].pk))
    bruno = mediation.section(query(week, advisor_id=week["bruno"].pk))
    figures = ("activities", "beneficiaries", "appointments", "workshops", "present", "certificates", "promoted")
    assert {s: alice.figure(s).value for s in figures} == {
        "activities": 5, "beneficiaries": 3 + 1 + 3, "appointments": 2, "workshops": 1, "present": 1,
        "certificates": 1, "promoted": 1,
    }  # fmt: skip
    assert {s: bruno.figure(s).value for s in figures} == {
        "activities": 3, "beneficiaries": 2 + 1, "appointments": 1, "workshops": 1, "present": 2,
        "certificates": 0, "promoted": 0,
    }  # fmt: skip
    assert (alice.figure("activities").previous, bruno.figure("activities").previous) == (1, 1)


def test_another_team_counts_none_of_it(week):
    other = make_team("Autre équipe")
    section = mediation.section(Query(period=WEEK, team_ids=(other.pk,)))
    assert all(f.value in (0, None) for f in section.figures)


def test_commune_filter(week):
    saint_aubin = mediation.section(query(week, commune="Saint-Aubin"))
    assert saint_aubin.figure("activities").value == 2  # records 4 and 7
    assert saint_aubin.figure("appointments").value == 1
    assert saint_aubin.figure("workshops").value == 1
    valbrenne = mediation.section(query(week, commune="Valbrenne"))
    # The record at home counts in the commune written on it.
    assert valbrenne.figure("activities").value == 6
    assert valbrenne.figure("appointments").value == 2


def test_place_filter(week):
    espace_a = mediation.section(query(week, place_id=week["a"].pk))
    assert espace_a.figure("activities").value == 5
    assert espace_a.figure("activities").previous == 2
    assert espace_a.figure("appointments").value == 2
    assert espace_a.figure("workshops").value == 1
    assert espace_a.figure("waitlisted").value == 1


def test_walk_ins_count_individual_records_without_appointment_nor_workshop(week):
    # Alice: records 1 to 4 (her workshop is collective, it is no passage).
    assert mediation.accompaniment_counts(query(week, advisor_id=week["alice"].pk))["walk_in"] == 4
    # Espace B: record 4; record 7 followed an appointment.
    assert mediation.accompaniment_counts(query(week, place_id=week["b"].pk))["walk_in"] == 1


def test_an_accompaniment_at_home_is_not_a_drop_in_passage(week):
    # Record 6 was at the person's home: 5 passages in a place, not 6.
    assert mediation.section(query(week)).figure("walk_in").value == 5


def test_published_section_hides_the_small_counts(week):
    section = published(mediation.section(query(week)))
    assert section.figure("activities").value == 8
    assert section.figure("beneficiaries").value == 9
    assert section.figure("activities").previous is SUPPRESSED
    assert section.figure("certificates").value is SUPPRESSED
    # 1 no-show of 3 appointments with an outcome: too few to publish the share.
    assert section.figure("noshow_rate").value is SUPPRESSED
    assert section.figure("fill_rate").value is SUPPRESSED  # 4 seated of 5: the 4 would show through
    # 7 individual, 1 collective: the 1 is hidden, and the 7 with it (8 activities are shown).
    assert rows(section.table("kind")) == {"individuel": [SUPPRESSED, SUPPRESSED], "collectif": [SUPPRESSED, 0]}
    # Themes do not add up: only the small counts go.
    assert rows(section.table("themes"))["email"] == [5, SUPPRESSED]
