"""Senders refused online for a while: kept as keyed hashes, whatever the spelling, until a date."""

import datetime

from django.utils import timezone

from relais.core.models import BlockedSender, Person
from relais.core.selectors import person_has_records, sender_blocked
from relais.core.services import person_delete_if_unused, senders_block


def test_a_block_matches_any_spelling_and_ends_on_its_date(db, administrator):
    digests = {
        BlockedSender.Kind.EMAIL: BlockedSender.digest("email", " Spam@Example.org "),
        BlockedSender.Kind.PHONE: BlockedSender.digest("phone", "06 99 88 77 66"),
        BlockedSender.Kind.ADDRESS: BlockedSender.digest("address", "2001:db8:1:2::/64"),
    }
    assert senders_block(digests=digests, days=30, reason="test", actor=administrator) == ["address", "email", "phone"]
    stored = set(BlockedSender.objects.values_list("value_hash", flat=True))
    assert not any("example" in value or "0699" in value for value in stored)  # no contact detail kept
    assert sender_blocked(email="spam@example.org")
    assert sender_blocked(phone="+33 6 99 88 77 66")
    assert sender_blocked(address="2001:db8:1:2::/64")
    assert not sender_blocked(email="voisine@example.org", phone="0612345678", address="192.0.2.1")
    assert not sender_blocked()
    BlockedSender.objects.update(until=timezone.now() - datetime.timedelta(seconds=1))
    assert not sender_blocked(email="spam@example.org")


def test_a_person_with_nothing_else_is_deleted_and_one_with_records_kept(db, administrator, resident_with_email):
    lonely = Person.objects.create(first_name="Personne", last_name="Seule")
    assert not person_has_records(lonely)
    assert person_delete_if_unused(person=lonely, actor=administrator, reason="test")
    assert not Person.objects.filter(pk=lonely.pk).exists()
    assert person_has_records(resident_with_email)  # an account, cases, messages…
    assert not person_delete_if_unused(person=resident_with_email, actor=administrator, reason="test")
    merged = Person.objects.create(first_name="Doublon")
    Person.objects.create(first_name="Doublon bis", merged_into=merged)
    assert person_has_records(merged)
