"""The one helper behind every create from a form (relais.core.idempotency): a known key
answers the first row, the key is looked up once the lock is held, a concurrent insert
rolls back everything the attempt wrote, and no "existe déjà" reaches model validation.

The real races (threads, both databases) are in tests/test_double_submit.py."""

import uuid
from unittest import mock

import pytest
from django.db import IntegrityError, transaction

from relais.core import idempotency
from relais.core.idempotency import create_once
from relais.core.models import Person


@pytest.fixture
def first(db):
    """The row a first click made."""
    return Person.objects.create(last_name="PREMIER", submission_key=uuid.uuid4())


def test_model_validation_leaves_the_key_to_the_database(first):
    second = Person(last_name="SECOND", email="second@example.org", preferred_channel="email")
    second.submission_key = first.submission_key
    second.full_clean()  # no "Un objet Personne avec ce champ … existe déjà"
    with transaction.atomic(), pytest.raises(IntegrityError):  # the database still has the last word
        second.save()
    assert list(Person.objects.filter(submission_key=first.submission_key)) == [first]


def test_a_known_key_answers_the_first_row_and_creates_nothing(first):
    def create():
        raise AssertionError("a repeated submission must not create")

    assert create_once(Person, first.submission_key, create) == (first, False)


def test_the_key_is_looked_up_once_the_lock_is_held(db):
    key = uuid.uuid4()
    made = {}

    def lock():  # the first click commits while the second waits on the lock
        made["first"] = Person.objects.create(last_name="PREMIER", submission_key=key)

    row, created = create_once(Person, key, lambda: Person.objects.create(last_name="DOUBLON"), lock=lock)
    assert (row, created) == (made["first"], False)
    assert not Person.objects.filter(last_name="DOUBLON").exists()


def test_what_was_prepared_before_the_lock_is_rolled_back_when_the_key_is_taken(first):
    order = []

    def prepare():  # e.g. the resident, made before a seat is locked
        order.append("prepare")
        Person.objects.create(last_name="FAIT AVANT LE VERROU")

    def create():
        raise AssertionError("a repeated submission must not create")

    row, created = create_once(Person, first.submission_key, create, lock=lambda: order.append("lock"), prepare=prepare)
    assert (row, created) == (first, False) and order == ["prepare", "lock"]
    assert not Person.objects.filter(last_name="FAIT AVANT LE VERROU").exists()


def test_a_concurrent_first_submission_rolls_back_everything_the_second_wrote(first):
    def create():
        Person.objects.create(last_name="RÉSIDENT EN TROP")  # e.g. the resident made for the action
        return Person.objects.create(last_name="SECOND", submission_key=first.submission_key)

    real = idempotency._existing
    looks = iter([None])  # the first look-up ran before the other click committed
    with mock.patch.object(idempotency, "_existing", side_effect=lambda m, k: next(looks, None) or real(m, k)):
        row, created = create_once(Person, first.submission_key, create)
    assert (row, created) == (first, False)
    assert not Person.objects.filter(last_name="RÉSIDENT EN TROP").exists()


def test_an_integrity_error_that_is_not_the_key_is_not_hidden(db):
    def create():
        return Person.objects.create()  # no identifying field: the database refuses it

    with pytest.raises(IntegrityError):
        create_once(Person, uuid.uuid4(), create)


def test_without_a_key_it_simply_creates(db):
    row, created = create_once(Person, None, lambda: Person.objects.create(last_name="SANS CLÉ"))
    assert created and row.last_name == "SANS CLÉ"


def _savepoints(statements) -> int:
    return sum(1 for query in statements if query["sql"].upper().startswith("SAVEPOINT"))


def test_a_create_without_key_inside_another_ones_step_opens_no_savepoint(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def prepare():  # the resident, made for the action
        create_once(Person, None, lambda: Person.objects.create(last_name="RÉSIDENT"))

    with CaptureQueriesContext(connection) as alone:
        create_once(Person, uuid.uuid4(), lambda: Person.objects.create(last_name="SEUL"))
    with CaptureQueriesContext(connection) as nested:
        create_once(Person, uuid.uuid4(), lambda: Person.objects.create(last_name="ACTION"), prepare=prepare)
    # The test's own transaction makes the outer one a savepoint; the step adds none.
    assert _savepoints(nested.captured_queries) == _savepoints(alone.captured_queries) == 1
    assert Person.objects.filter(last_name__in=["RÉSIDENT", "ACTION"]).count() == 2


def test_a_failure_inside_another_ones_step_undoes_the_whole_action_and_the_caller_goes_on(db):
    def prepare():
        create_once(Person, None, lambda: Person.objects.create(last_name="RÉSIDENT"))
        create_once(Person, None, lambda: Person.objects.create())  # refused by the database

    with pytest.raises(IntegrityError):
        create_once(Person, uuid.uuid4(), lambda: Person.objects.create(last_name="ACTION"), prepare=prepare)
    assert not Person.objects.filter(last_name__in=["RÉSIDENT", "ACTION"]).exists()
    # The caller's transaction (the test's) goes on.
    assert create_once(Person, None, lambda: Person.objects.create(last_name="ENSUITE"))[1]


def test_a_create_without_key_in_a_callers_transaction_keeps_its_savepoint(db):
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            create_once(Person, None, lambda: Person.objects.create())
        # The caller goes on after the refusal: only the refused create was undone.
        Person.objects.create(last_name="APRÈS")
    assert Person.objects.filter(last_name="APRÈS").exists()


def test_every_keyed_model_is_looked_up_through_a_manager_that_filters_nothing():
    """`create_once` looks a key up in plain SQL: what the model's default manager reads must
    be the whole table, or a key made earlier could be missed (and the action made twice)."""
    from django.apps import apps

    from relais.core.idempotency import KEY_FIELD

    keyed = [m for m in apps.get_models() if any(f.name == KEY_FIELD for f in m._meta.concrete_fields)]
    assert len(keyed) > 10  # requests, people, appointments, registrations, mandates, messages…
    for model in keyed:
        query = model._default_manager.get_queryset().query
        assert not query.where, f"{model.__name__}'s default manager filters its rows"


def test_a_key_is_found_as_its_column_stores_it(db):
    """UUIDs are stored as 32 hex digits on SQLite and as uuid on PostgreSQL: the look-up
    finds the row either way, and nothing for another key."""
    from relais.core.idempotency import already_created

    person = Person.objects.create(last_name="CLÉ", submission_key=uuid.uuid4())
    assert already_created(Person, str(person.submission_key)) == person
    assert already_created(Person, str(uuid.uuid4())) is None
    assert already_created(Person, "pas une clé") is None
