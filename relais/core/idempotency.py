"""One action, one record: every create reachable from a form is keyed by the hidden
submission key its form carries, so a double click, a browser retry or two tabs make one
record, one Person and one message, and every click gets the same success page.

    obj, created = create_once(Case, key, lambda: _submit(...), lock=lambda: _lock(draft))

The key is looked up only once the lock is held (a slot, a workshop, a draft…): looked up
before, a second click waiting on the lock would find the slot taken by its own first
click. Without a lock, the unique index on the key is the last word: a concurrent insert
fails, the whole attempt (the Person it created included) is rolled back, and the row of
the first submission is answered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from django import forms
from django.db import IntegrityError, models, transaction

from relais.core.plainsql import row_where

T = TypeVar("T", bound=models.Model)

KEY_FIELD = "submission_key"


def submission_key_field() -> models.UUIDField:
    """The column every keyed model declares (unique, set by the service, never typed)."""
    return models.UUIDField(unique=True, null=True, blank=True, editable=False)


class KeyedModel:
    """Mixin for a model with a `submission_key`: model validation leaves the key's
    uniqueness to the database and to `create_once`, so that no "Un objet … avec ce champ
    … existe déjà" can ever reach a person who clicked twice."""

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude={*(exclude or ()), KEY_FIELD})


def _existing(model: type[T], key) -> T | None:
    """The row made with `key`, if any: asked while every keyed action holds its lock, in
    plain SQL (relais.core.plainsql)."""
    return row_where(model, KEY_FIELD, key)


def already_created(model: type[T], raw_key) -> T | None:
    """The record a form's submission key already made, for a view that validates against
    the current state before calling its service (a list of free slots): the second click,
    arriving once the first has taken the slot, is answered with the first's record rather
    than "taken"."""
    try:
        key = uuid.UUID(str(raw_key))
    except ValueError:
        return None
    return _existing(model, key)


# Inside the steps of a `create_once` (its prepare, lock and create), how deep.
_steps_depth: ContextVar[int] = ContextVar("create_once_steps", default=0)


class _MadeAlready(Exception):
    def __init__(self, existing):
        self.existing = existing


def create_once(
    model: type[T],
    key: uuid.UUID | None,
    create: Callable[[], T],
    *,
    lock: Callable[[], object] | None = None,
    prepare: Callable[[], object] | None = None,
) -> tuple[T, bool]:
    """Run `create()` once per `key`, in one transaction: prepare → lock → look the key up → create.

    Returns (row, created). `create()` makes everything the action needs (the resident's
    Person too), so that a repeated submission creates nothing at all. Without a key (a
    command, a test) it simply creates. `prepare()`, when given, does before the lock what
    does not need it (the resident's Person, so that it is not made while a seat is held):
    when the key turns out to be taken, what it wrote is rolled back with the rest.

    Called by a step of another `create_once` without a key (the resident's Person made
    for a registration), it opens no savepoint of its own: a failure there is a failure of
    the enclosing action, whose own transaction or savepoint undoes it. Such a step must
    not catch the failure and go on.
    """
    from relais.core.auditchain import sealed_together  # it reads the models, which use this module

    # A savepoint where something may go on after a failure: a key's conflict is answered
    # with the first row, a caller's transaction may carry on. Not within another one's step.
    savepoint = key is not None or _steps_depth.get() == 0
    depth = _steps_depth.set(_steps_depth.get() + 1)
    try:
        # Its journal entries (the resident's, the action's) sealed once, at the end.
        with transaction.atomic(savepoint=savepoint), sealed_together():
            if prepare is not None:
                prepare()
            if lock is not None:
                lock()
            if key is not None and (existing := _existing(model, key)) is not None:
                if prepare is not None:
                    raise _MadeAlready(existing)  # undo what `prepare` wrote
                return existing, False
            return create(), True
    except _MadeAlready as made:
        return made.existing, False
    except IntegrityError:
        # A concurrent first submission committed the key between our look-up and our
        # insert: everything this attempt wrote is rolled back; answer with the first one.
        existing = _existing(model, key) if key is not None else None
        if existing is None:
            raise
        return existing, False
    finally:
        _steps_depth.reset(depth)


class SubmissionKeyForm(forms.Form):
    """Mixin for a form whose submission creates a record: a hidden key drawn when the form
    is shown, sent back with every click of that same page."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(KEY_FIELD, uuid.uuid4())
