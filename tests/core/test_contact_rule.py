"""One rule for the contact detail a channel needs (Person.missing_for), used by the staff
person form, the online request form, booking and workshop registration, and the outbox."""

import pytest
from django.urls import reverse

from relais.core.models import ContactChannel, Person
from relais.notifications import channels
from tests.mediation.conftest import make_workshop


@pytest.mark.parametrize(
    ("phone", "mobile"),
    [
        ("06 12 34 56 78", True),
        ("07.12.34.56.78", True),
        ("+33 6 12 34 56 78", True),
        ("+33712345678", True),
        ("02 47 12 34 56", False),
        ("09 70 00 00 00", False),
        ("+33 2 47 12 34 56", False),
        ("0612", False),
    ],
)
def test_sms_needs_a_french_mobile_number(phone, mobile):
    person = Person(first_name="A", phone=phone)
    assert person.can_receive(ContactChannel.SMS) is mobile
    assert person.can_receive(ContactChannel.PHONE) is True


def test_each_channel_names_the_field_it_lacks():
    person = Person(first_name="A", address="1 rue Haute")
    assert set(person.missing_for(ContactChannel.EMAIL)) == {"email"}
    assert set(person.missing_for(ContactChannel.SMS)) == {"phone"}
    assert set(person.missing_for(ContactChannel.PHONE)) == {"phone"}
    assert set(person.missing_for(ContactChannel.LETTER)) == {"postal_code", "commune"}


def test_the_outbox_never_sends_an_sms_to_a_landline(db, settings):
    settings.SMS_BACKEND = "relais.notifications.sms.FileBackend"
    person = Person(first_name="A", phone="02 47 12 34 56", preferred_channel=ContactChannel.SMS)
    assert channels.choose(person) == (ContactChannel.PHONE, "02 47 12 34 56")


def test_the_staff_person_form_refuses_sms_to_a_landline_beside_the_phone(reception_client):
    response = reception_client.post(
        reverse("people:person_create"),
        {
            "channel": "counter",
            "last_name": "Fixe",
            "phone": "02 47 12 34 56",
            "preferred_channel": "sms",
            "preferred_language": "fr",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Ce numéro ne reçoit pas de SMS" in html
    assert 'value="Fixe"' in html
    assert not Person.objects.filter(last_name="Fixe").exists()


def test_booking_refuses_sms_to_a_landline_beside_the_phone(client, db):
    from tests.mediation.conftest import contact, make_dropin
    from tests.mediation.test_appointments import book_url, first_slot

    slot = first_slot(make_dropin())
    data = {**contact(9, preferred_channel="sms", email="", phone="02 47 12 34 56"), "topic": ""}
    html = client.post(book_url(slot), data).content.decode()
    assert "Ce numéro ne reçoit pas de SMS" in html and 'value="02 47 12 34 56"' in html


def test_workshop_registration_refuses_sms_to_a_landline(client, db):
    from tests.mediation.conftest import contact

    workshop = make_workshop(capacity=5)
    data = contact("fixe", preferred_channel="sms", email="", phone="02 47 12 34 56")
    html = client.post(workshop.get_absolute_url(), data).content.decode()
    assert "Ce numéro ne reçoit pas de SMS" in html
