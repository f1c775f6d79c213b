"""The accompaniment record (CRA): quick to fill, anonymous when no one is named, from an
appointment or a workshop session, corrected by its author, seen by the team's manager."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import Team, TeamKind
from relais.core.models import AuditEvent, Person
from relais.mediation import choices as c
from relais.mediation.models import Accompaniment, Appointment, Registration
from tests.conftest import make_member, staff_client
from tests.mediation.conftest import make_dropin, make_person, make_workshop

URL = "/gestion/mediation/accompagnements/nouveau/"


def form_data(client, url=URL, **changes):
    """The form as shown (with its defaults), changed as a phone user would."""
    form = client.get(url).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value == "":
            continue
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif hasattr(value, "isoformat"):
            data[name] = value.isoformat()
        else:
            data[name] = str(value.pk if hasattr(value, "pk") else value)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_anonymous_accompaniment_takes_three_choices_and_stores_no_identity(advisor_client, advisor):
    people_before = Person.objects.count()
    data = form_data(advisor_client, themes=["email"], age_band="soixante_dix_plus", gender="feminin")
    response = advisor_client.post(URL, data)
    assert response.status_code == 302
    record = Accompaniment.objects.filter(advisor=advisor).latest("created_at")
    assert record.person is None and record.is_anonymous
    assert record.duration == 30 and record.date == timezone.localdate() and record.place is not None
    assert record.age_band == "soixante_dix_plus" and record.gender == "feminin"
    assert Person.objects.count() == people_before
    event = AuditEvent.objects.get(action="mediation.accompaniment.recorded", object_id=str(record.pk))
    assert event.person_id is None and event.details == {"kind": "individuel", "anonymous": True}


def test_at_least_one_theme_is_required_and_the_values_are_kept(advisor_client):
    data = form_data(advisor_client, notes="Aide pour un formulaire")
    data.pop("themes", None)
    response = advisor_client.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 200 and "Choisissez au moins un thème." in html
    assert "Aide pour un formulaire" in html


def test_a_custom_duration_and_an_orientation(advisor_client, advisor):
    data = form_data(
        advisor_client, themes=["sante"], duration_choice="other", duration_other="20", oriented="1", oriented_to=""
    )
    response = advisor_client.post(URL, data)
    assert "Choisissez vers quelle structure" in response.content.decode()
    data["oriented_to"] = "aide_sociale"
    advisor_client.post(URL, data)
    record = Accompaniment.objects.filter(advisor=advisor).latest("created_at")
    assert record.duration == 20 and record.oriented_to == "aide_sociale"


def test_same_as_last_time_starts_prefilled(advisor_client, advisor):
    advisor_client.post(
        URL,
        form_data(advisor_client, themes=["banque_et_achats_en_ligne"], equipment=["tablette"], duration_choice="45"),
    )
    form = advisor_client.get(URL, {"depuis": "dernier"}).context["form"]
    assert form.initial["themes"] == ["banque_et_achats_en_ligne"] and form.initial["equipment"] == ["tablette"]
    assert form.initial["duration_choice"] == "45"


def test_a_preset_fills_the_usual_values(advisor_client):
    form = advisor_client.get(URL, {"modele": "demarche"}).context["form"]
    assert form.initial["themes"] == [c.ADMIN_THEME] and form.initial["duration_choice"] == "30"


def test_from_an_appointment_the_person_is_linked_and_the_appointment_marked_seen(advisor_client, resident_with_email):
    dropin = make_dropin()
    appointment = Appointment.objects.create(
        dropin=dropin, team=dropin.team, place=dropin.place, person=resident_with_email,
        starts_at=timezone.now() - datetime.timedelta(hours=1), ends_at=timezone.now() - datetime.timedelta(minutes=15),
    )  # fmt: skip
    url = f"{URL}?rdv={appointment.pk}"
    data = form_data(advisor_client, url, themes=["sante", c.ADMIN_THEME], admin_subthemes=["social_sante"])
    response = advisor_client.post(url, data)
    assert response["Location"] == resident_with_email.get_absolute_url()
    record = Accompaniment.objects.get(appointment=appointment)
    assert record.person == resident_with_email and record.duration == 45
    appointment.refresh_from_db()
    assert appointment.outcome == c.Outcome.SEEN


def test_an_appointment_or_a_session_of_another_team_is_not_found(db, resident_with_email):
    """The form starts from an appointment or a session of the advisor's own teams only."""
    dropin = make_dropin()
    appointment = Appointment.objects.create(
        dropin=dropin, team=dropin.team, place=dropin.place, person=resident_with_email,
        starts_at=timezone.now() - datetime.timedelta(hours=1), ends_at=timezone.now() - datetime.timedelta(minutes=15),
    )  # fmt: skip
    session = make_workshop(days=-0.05).sessions.get()
    Team.objects.create(name="Médiation de Bellerive", slug="mediation-bellerive", kind=TeamKind.MEDIATION)
    stranger = make_member("conseil@bellerive.fr", "mediation-bellerive", "advisor")
    outsider = staff_client(stranger)
    assert outsider.get(URL).status_code == 200
    assert outsider.get(URL, {"rdv": appointment.pk}).status_code == 404
    assert outsider.get(URL, {"seance": session.pk}).status_code == 404
    assert not AuditEvent.objects.filter(actor=stranger, person_id=resident_with_email.pk).exists()


def test_a_workshop_session_records_named_and_anonymous_participants_in_one_form(advisor_client):
    workshop = make_workshop(capacity=4, days=-0.05)
    people = [make_person(f"ws{n}") for n in range(3)]
    for person in people:
        Registration.objects.create(workshop=workshop, person=person, status="confirmed")
    session = workshop.sessions.get()
    url = f"{URL}?seance={session.pk}"
    data = form_data(advisor_client, url, participants=[str(people[0].pk), str(people[2].pk)], anonymous_count="2")
    advisor_client.post(url, data)
    record = Accompaniment.objects.get(workshop_session=session)
    assert record.kind == c.AccompanimentKind.COLLECTIVE and record.themes == ["email"]
    assert set(record.participants.all()) == {people[0], people[2]} and record.anonymous_count == 2
    assert record.participant_count() == 4 and record.person is None


def test_double_submission_records_once(advisor_client, advisor):
    data = form_data(advisor_client, themes=["email"])
    before = Accompaniment.objects.count()
    advisor_client.post(URL, data)
    advisor_client.post(URL, data)
    assert Accompaniment.objects.count() == before + 1


def test_the_advisor_corrects_their_record_and_the_correction_is_journaled(advisor_client, advisor):
    advisor_client.post(URL, form_data(advisor_client, themes=["email"]))
    record = Accompaniment.objects.filter(advisor=advisor).latest("created_at")
    url = reverse("mediation:accompaniment_edit", args=[record.pk])
    data = form_data(advisor_client, url, themes=["email", "securite_numerique"], duration_choice="60")
    assert advisor_client.post(url, data).status_code == 302
    record.refresh_from_db()
    assert record.themes == ["email", "securite_numerique"] and record.duration == 60 and record.updated_by == advisor
    event = AuditEvent.objects.get(action="mediation.accompaniment.corrected", object_id=str(record.pk))
    assert set(event.details["fields"]) >= {"themes", "duration"}


def test_an_advisor_sees_their_own_history_and_a_manager_the_teams(advisor, manager):
    colleague = make_member("volontaire@valbrenne.fr", "mediation", "advisor")
    theirs = Accompaniment.objects.create(
        team=Team.objects.get(slug="mediation"), advisor=colleague, duration=30, themes=["email"],
        place_type=c.PlaceType.REMOTE,
    )  # fmt: skip
    advisor_page = staff_client(advisor).get(reverse("mediation:staff_accompaniments"))
    assert theirs not in advisor_page.context["page_obj"].object_list
    assert all(a.advisor == advisor for a in advisor_page.context["page_obj"])
    assert staff_client(advisor).get(reverse("mediation:accompaniment_edit", args=[theirs.pk])).status_code == 404
    manager_page = staff_client(manager).get(reverse("mediation:staff_accompaniments"), {"conseiller": colleague.pk})
    assert list(manager_page.context["page_obj"]) == [theirs]
    assert staff_client(manager).get(reverse("mediation:accompaniment_edit", args=[theirs.pk])).status_code == 200


def test_an_advisor_of_another_team_gets_404_on_a_record(advisor):
    record = Accompaniment.objects.filter(advisor=advisor).first()
    Team.objects.create(name="Médiation de Bellerive", slug="mediation-bellerive", kind=TeamKind.MEDIATION)
    outsider = staff_client(make_member("c@bellerive.fr", "mediation-bellerive", "manager"))
    assert outsider.get(reverse("mediation:accompaniment_edit", args=[record.pk])).status_code == 404
    assert record not in outsider.get(reverse("mediation:staff_accompaniments")).context["page_obj"].object_list


def test_the_model_refuses_a_place_type_without_its_place(advisor, team):
    from django.core.exceptions import ValidationError

    record = Accompaniment(team=team, advisor=advisor, duration=30, themes=["email"], place_type=c.PlaceType.HOME)
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert "commune" in error.value.message_dict


def test_a_named_record_needs_no_anonymous_profile(advisor_client, resident_by_letter):
    url = f"{URL}?person={resident_by_letter.pk}"
    data = form_data(advisor_client, url, themes=["email"])
    for name in ("gender", "age_band", "social_status", "first_time"):
        data.pop(name, None)  # the form does not show them for a named person
    assert advisor_client.post(url, data).status_code == 302
    record = Accompaniment.objects.get(person=resident_by_letter, themes=["email"])
    assert record.gender == "non_communique"


# ---------------------------------------------------------------- national rules


def test_administrative_sub_themes_need_the_administrative_theme(advisor_client, advisor, team):
    from django.core.exceptions import ValidationError

    from relais.mediation.services import accompaniments

    data = form_data(advisor_client, themes=["sante"], admin_subthemes=["social_sante"], notes="Ameli")
    response = advisor_client.post(URL, data)
    form = response.context["form"]
    assert response.status_code == 200 and "admin_subthemes" in form.errors
    assert "Aide aux démarches administratives" in form.errors["admin_subthemes"][0]
    assert "Ameli" in response.content.decode()
    with pytest.raises(ValidationError) as error:
        accompaniments.accompaniment_create(
            advisor=advisor, team=team,
            data={"duration": 30, "themes": ["sante"], "admin_subthemes": ["social_sante"], "place_type": "a_distance"},
        )  # fmt: skip
    assert "admin_subthemes" in error.value.message_dict


def test_a_collective_record_orients_nobody(advisor_client, advisor, team):
    from django.db import IntegrityError, transaction

    data = form_data(
        advisor_client,
        themes=["email"],
        kind="collectif",
        anonymous_count="5",
        oriented="1",
        oriented_to="aide_sociale",
    )
    response = advisor_client.post(URL, data)
    assert response.status_code == 200 and "oriented" in response.context["form"].errors
    with pytest.raises(IntegrityError), transaction.atomic():
        Accompaniment.objects.create(
            team=team, advisor=advisor, duration=60, themes=["email"], kind="collectif", anonymous_count=3,
            place_type="a_distance", oriented_to="aide_sociale",
        )  # fmt: skip


def test_a_collective_record_made_individual_keeps_no_named_participants(advisor_client, advisor):
    from django.core.exceptions import ValidationError

    from relais.mediation.services import accompaniments

    workshop = make_workshop(capacity=4, days=-0.05)
    people = [make_person(f"ci{n}") for n in range(2)]
    for person in people:
        Registration.objects.create(workshop=workshop, person=person, status="confirmed")
    session = workshop.sessions.get()
    url = f"{URL}?seance={session.pk}"
    advisor_client.post(url, form_data(advisor_client, url, participants=[str(p.pk) for p in people]))
    record = Accompaniment.objects.get(workshop_session=session)
    edit = reverse("mediation:accompaniment_edit", args=[record.pk])
    data = form_data(advisor_client, edit, kind="individuel", anonymous_count="0")
    response = advisor_client.post(edit, data)
    assert response.status_code == 200 and "participants" in response.context["form"].errors
    record.refresh_from_db()
    assert record.kind == "collectif" and record.participants.count() == 2
    with pytest.raises(ValidationError):
        accompaniments.accompaniment_update(accompaniment=record, data={"kind": "individuel"}, actor=advisor)
    data["participants"] = []
    assert advisor_client.post(edit, data).status_code == 302
    record.refresh_from_db()
    assert record.kind == "individuel" and not record.participants.exists()
