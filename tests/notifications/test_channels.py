import pytest

from relais.core.models import ContactChannel, Person
from relais.notifications import channels


def person(**fields):
    return Person(**{"first_name": "Ana", "last_name": "Lopez", "preferred_channel": ContactChannel.EMAIL, **fields})


def test_the_residents_choice_is_used_when_it_can_reach_them():
    assert channels.choose(person(email="ana@example.org")) == (ContactChannel.EMAIL, "ana@example.org")


def test_a_choice_that_cannot_reach_them_falls_back_to_a_letter():
    p = person(preferred_channel=ContactChannel.EMAIL, address="2 rue Haute", postal_code="37500", commune="Valbrenne")
    channel, where = channels.choose(p)
    assert channel == ContactChannel.LETTER
    assert where == "Ana LOPEZ\n2 rue Haute\n37500 VALBRENNE"


def test_an_incomplete_address_is_not_usable_for_a_letter():
    p = person(preferred_channel=ContactChannel.LETTER, address="2 rue Haute", phone="0247000000")
    assert channels.choose(p) == (ContactChannel.PHONE, "0247000000")


@pytest.mark.parametrize(
    ("phone", "usable"), [("06 12 34 56 78", True), ("+33 7 12 34 56 78", True), ("02 47 00 00 00", False)]
)
def test_sms_only_reaches_mobile_numbers(phone, usable):
    p = person(preferred_channel=ContactChannel.SMS, phone=phone)
    channel, _ = channels.choose(p)
    assert (channel == ContactChannel.SMS) is usable


def test_sms_is_skipped_when_the_town_has_no_sms_provider(settings):
    settings.SMS_BACKEND = ""
    assert channels.choose(person(preferred_channel=ContactChannel.SMS, phone="0612345678"))[0] == ContactChannel.PHONE


def test_someone_with_no_contact_at_all_is_on_the_list_to_call():
    assert channels.choose(person(preferred_channel=ContactChannel.LETTER)) == (ContactChannel.PHONE, "")


def test_numbers_are_written_internationally_for_providers():
    assert channels.international("06 12 34 56 78") == "+33612345678"
    assert channels.international("+262 692 12 34 56") == "+262692123456"
