"""A CHECK constraint that `full_clean()` decides in Python when it can.

Django validates a `CheckConstraint` by asking the database (`SELECT 1 WHERE <condition>`
with the instance's values): a query, and the building of one, for every row saved through
a form. For the plain conditions the models use — fields compared with constants (`exact`,
`isnull`, `gt`, `gte`, `lt`, `lte`, `in`), joined by AND, OR and NOT — the answer is known
from the instance itself. `Check` gives it in Python, with SQL's three-valued logic (a
comparison with NULL is unknown, and a CHECK passes when its condition is unknown), and asks
the database as Django does for anything else. The condition stays written once; the
database still enforces it. It migrates as Django's own `CheckConstraint`.
"""

from __future__ import annotations

import operator

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.expressions import Combinable

UNKNOWN = None  # SQL's third truth value: a comparison with NULL

_COMPARE = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class Unsupported(Exception):
    """A condition this module does not decide: the database is asked."""


def _leaf(instance, lookup: str, expected, exclude) -> bool | None:
    name, _, kind = lookup.partition("__")
    kind = kind or "exact"
    if "__" in kind or isinstance(expected, Combinable) or kind not in {*_COMPARE, "isnull", "in"}:
        raise Unsupported(lookup)
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist as missing:
        raise Unsupported(lookup) from missing
    if not getattr(field, "concrete", False) or isinstance(expected, models.Model):
        raise Unsupported(lookup)  # a relation followed, or compared with a row
    if exclude and name in exclude:
        raise _Excluded
    value = getattr(instance, field.attname)
    if kind == "isnull":
        return (value is None) == bool(expected)
    if value is None or expected is None:
        return UNKNOWN
    if kind == "in":
        return value in expected
    return _COMPARE[kind](value, expected)


class _Excluded(Exception):
    """The condition names a field left out of the validation: Django skips it, so do we."""


def decide(condition: Q, instance, exclude=None) -> bool | None:
    """True, False or UNKNOWN for `condition` on `instance` (raises Unsupported)."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(decide(child, instance, exclude))
        elif isinstance(child, tuple):
            results.append(_leaf(instance, child[0], child[1], exclude))
        else:
            raise Unsupported(repr(child))
    if condition.connector == Q.AND:
        result = False if False in results else UNKNOWN if UNKNOWN in results else True
    elif condition.connector == Q.OR:
        result = True if True in results else UNKNOWN if UNKNOWN in results else False
    else:
        raise Unsupported(condition.connector)
    if condition.negated and result is not UNKNOWN:
        result = not result
    return result


class Check(models.CheckConstraint):
    """`models.CheckConstraint`, validated in Python where `decide` can (see the module)."""

    def validate(self, model, instance, exclude=None, using=models.constraints.DEFAULT_DB_ALIAS):
        if not isinstance(self.condition, Q):
            return super().validate(model, instance, exclude=exclude, using=using)
        try:
            verdict = decide(self.condition, instance, exclude)
        except _Excluded:
            return None
        except Unsupported:
            return super().validate(model, instance, exclude=exclude, using=using)
        if verdict is False:
            raise ValidationError(self.get_violation_error_message(), code=self.violation_error_code)
        return None

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs
