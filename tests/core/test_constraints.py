"""`Check` decides a CHECK constraint in Python exactly as the database does (or asks it),
so that saving a person from a form costs no constraint queries."""

from __future__ import annotations

import itertools

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from relais.core.constraints import Check, Unsupported, decide
from relais.core.models import Person


def _database_says(constraint, instance, exclude=None) -> bool:
    try:
        models.CheckConstraint.validate(constraint, type(instance), instance, exclude=exclude)
    except ValidationError:
        return False
    return True


def _python_says(constraint, instance, exclude=None) -> bool:
    try:
        constraint.validate(type(instance), instance, exclude=exclude)
    except ValidationError:
        return False
    return True


def _people():
    """Every mix of empty and filled identity fields, erased or not, and edge birth years."""
    for first, last, email, phone, erased, year in itertools.product(
        ["", "Marie"], ["", "Dupont"], ["", "m@example.org"], ["", "0600000000"],
        [None, timezone.now()], [None, 1899, 1900, 1950, 2100, 2101],
    ):  # fmt: skip
        yield Person(first_name=first, last_name=last, email=email, phone=phone, erased_at=erased, birth_year=year)


@pytest.mark.django_db
def test_every_person_gets_the_databases_verdict_without_a_query():
    constraints = [c for c in Person._meta.constraints if isinstance(c, Check)]
    assert len(constraints) == 2
    verdicts = set()
    for person, constraint in itertools.product(_people(), constraints):
        with CaptureQueriesContext(connection) as queries:
            python = _python_says(constraint, person)
        assert len(queries) == 0
        assert python == _database_says(constraint, person), (constraint.name, vars(person))
        verdicts.add(python)
    assert verdicts == {True, False}  # both outcomes were met


@pytest.mark.django_db
def test_a_field_left_out_of_the_validation_is_skipped_as_django_skips_it():
    nobody = Person(first_name="", last_name="", email="", phone="")
    identified = Person._meta.constraints[0]
    assert not _python_says(identified, nobody)
    assert _python_says(identified, nobody, exclude={"email"}) == _database_says(identified, nobody, exclude={"email"})


def test_what_python_cannot_decide_is_left_to_the_database():
    with pytest.raises(Unsupported):
        decide(Q(birth_year__gte=F("created_at")), Person())
    with pytest.raises(Unsupported):
        decide(Q(user__email=""), Person())


def test_it_migrates_as_djangos_own_check_constraint():
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, Check):
                assert constraint.deconstruct()[0] == "django.db.models.CheckConstraint"
