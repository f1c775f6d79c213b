"""An erased record is a tombstone: nothing new is recorded for it (a request, a booking,
a registration, a mandate, an accompaniment, a listing, a message), its staff page says so
and offers no new action; and a record linked to a staff login is not erased at all."""

from __future__ import annotations

import datetime
import html
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.cases import services as case_services
from relais.cases.models import Case
from relais.core import rights
from relais.core.models import AuditEvent, Person, PersonErased
from relais.mandates import services as mandate_services
from relais.mandates.models import Mandate
from relais.mediation.models import Accompaniment, Appointment, Registration
from relais.mediation.services import accompaniments, appointments, workshops
from relais.mutualaid.models import Category, Conversation, ConversationMessage, Kind, Listing
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import listings as listing_services
from relais.notifications.models import Message
from tests.conftest import staff_client
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _listing_data(world, title="Bricolage B") -> dict:
    return {
        "kind": Kind.OFFER,
        "category": Category.SHOPPING,
        "neighbourhood": world.neighbourhood,
        "title": title,
        "text": "Je répare les étagères.",
        "availability": "",
        "ongoing": False,
    }


def _counts() -> dict:
    models = (Case, Appointment, Registration, Mandate, Accompaniment, Listing, Conversation, ConversationMessage)
    return {
        **{model.__name__: model.objects.count() for model in models},
        "messages": Message.objects.count(),
        "journal": AuditEvent.objects.count(),
    }


@pytest.fixture
def erased_world(administrator):
    world = build_world()
    moderator = world.members["moderator"]
    # Bruno's listing, still online after Béatrice's erasure (hers go with her).
    world.brunos_listing = listing_services.listing_create(
        person=world.other_person,
        data=_listing_data(world),
        channel="counter",
        consent=True,
        actor=moderator,
    )
    rights.person_erase(person=world.person, actor=administrator, reason="demande écrite", close_open=True)
    world.person.refresh_from_db()
    assert world.person.is_erased
    return world


def _attempts(world):
    person, advisor, mediation = world.person, world.members["advisor"], world.dropin.team
    slot = (timezone.localtime() + datetime.timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    return {
        "request": lambda: case_services.case_submit(
            form=world.form,
            person=person,
            answers={"objet": "y"},
            channel="counter",
            recorded_by=world.members["case_worker"],
            submission_key=uuid.uuid4(),
        ),
        "booking": lambda: appointments.appointment_book(
            dropin=world.dropin,
            starts_at=slot,
            person=person,
            channel="counter",
            actor=advisor,
            submission_key=uuid.uuid4(),
        ),
        "registration": lambda: workshops.registration_create(
            workshop=world.workshop,
            person=person,
            channel="counter",
            actor=advisor,
            by_staff=True,
            submission_key=uuid.uuid4(),
        ),
        "mandate": lambda: mandate_services.mandate_create(
            person=person,
            team=mediation,
            scopes=["papiers"],
            duration="1m",
            consent_method="paper",
            actor=advisor,
            submission_key=uuid.uuid4(),
        ),
        "accompaniment": lambda: accompaniments.accompaniment_create(
            advisor=advisor,
            team=mediation,
            data={"duration": 30, "themes": ["email"], "person": person, "place": world.place},
            submission_key=uuid.uuid4(),
        ),
        "listing": lambda: listing_services.listing_create(
            person=person,
            data=_listing_data(world, "Courses encore"),
            channel="counter",
            consent=True,
            actor=world.members["moderator"],
            submission_key=uuid.uuid4(),
        ),
        "answer": lambda: conversation_services.conversation_start(
            listing=world.brunos_listing,
            responder=person,
            body="Bonjour",
            actor=world.members["moderator"],
            safety_read=True,
            submission_key=uuid.uuid4(),
        ),
    }


@pytest.mark.parametrize(
    "path", ["request", "booking", "registration", "mandate", "accompaniment", "listing", "answer"]
)
def test_nothing_new_is_recorded_for_an_erased_person(erased_world, path):
    before = _counts()
    with pytest.raises(PersonErased) as refused:
        _attempts(erased_world)[path]()
    assert "effacées" in refused.value.messages[0]
    assert _counts() == before


def test_an_erased_person_writes_no_message_in_a_conversation_left_open():
    world = build_world()
    Person.objects.filter(pk=world.other_person.pk).update(erased_at=timezone.now())  # erased in another tab
    before = _counts()
    with pytest.raises(PersonErased):
        conversation_services.message_send(
            conversation=world.conversation,
            sender=world.other_person,
            body="Encore moi",
            actor=world.members["moderator"],
            safety_read=True,
            submission_key=uuid.uuid4(),
        )
    assert _counts() == before


def test_the_staff_page_of_an_erased_person_says_so_and_offers_nothing_new(
    erased_world, reception_agent, advisor, administrator
):
    for user in (reception_agent, advisor):
        response = staff_client(user).get(erased_world.person.get_absolute_url())
        assert response.status_code == 200
        page = response.content.decode()
        assert "ont été effacées à sa demande" in page
        for action in (
            "Enregistrer une demande",
            "Prendre un rendez-vous",
            "Inscrire à un atelier",
            "Noter un accompagnement",
            "Créer un mandat",
            "Déposer une annonce",
        ):
            assert action not in page, (user.email, action)
    rights_page = staff_client(administrator).get(reverse("people:person_rights", args=[erased_world.person.pk]))
    assert rights_page.status_code == 200


def test_staff_posting_for_an_erased_person_read_a_french_refusal(erased_world, reception_agent):
    url = reverse("mutualaid:staff_listing_create") + f"?personne={erased_world.person.pk}"
    response = staff_client(reception_agent).post(
        url,
        {
            "submission_key": str(uuid.uuid4()),
            "kind": "request",
            "category": "shopping",
            "neighbourhood": erased_world.neighbourhood.pk,
            "title": "Courses",
            "text": "Des courses le mardi.",
            "availability": "",
            "channel": "phone",
            "consent": "on",
        },
    )
    assert response.status_code in (200, 400)
    assert "Rien de nouveau ne peut être enregistré pour elle" in html.unescape(response.content.decode())
    assert not Listing.objects.filter(posted_by=erased_world.person, title="Courses").exists()


# ---------------------------------------------------------------- a staff login is not erased


@pytest.fixture
def colleague_record(reception_agent):
    return Person.objects.create(
        first_name="Agnès", last_name="Accueil", email=reception_agent.email, user=reception_agent
    )


def test_erasure_refuses_a_record_linked_to_a_staff_login(colleague_record, administrator, reception_agent):
    with pytest.raises(rights.StaffLoginErasureRefused):
        rights.person_erase(person=colleague_record, actor=administrator, reason="demande")
    colleague_record.refresh_from_db()
    reception_agent.refresh_from_db()
    assert not colleague_record.is_erased
    assert reception_agent.is_active and reception_agent.email == "accueil@valbrenne.fr"
    assert not AuditEvent.objects.filter(action="core.person.erased", person_id=colleague_record.pk).exists()


def test_the_erase_screen_explains_why_a_colleague_cannot_be_erased(colleague_record, administrator, reception_agent):
    client = staff_client(administrator)
    url = reverse("people:person_erase", args=[colleague_record.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "compte d'un agent de la mairie" in html.unescape(page.content.decode())
    assert "Effacer définitivement" not in page.content.decode()
    response = client.post(url, {"reason": "demande", "confirm": "on"})
    assert response.status_code == 400
    assert "compte d'un agent de la mairie" in html.unescape(response.content.decode())
    reception_agent.refresh_from_db()
    assert reception_agent.is_active
    assert not Person.objects.get(pk=colleague_record.pk).is_erased
