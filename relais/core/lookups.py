"""`in` lookups that leave out integers no column can hold.

Django answers `filter(pk=2**64)` with no row (IntegerFieldOverflow) but passes
`filter(pk__in=[2**64])` to the database, and SQLite cannot even bind it (OverflowError, a
server error). Such an id matches nothing: it is left out of the list, as Django does for
`exact`, so every form choosing objects (ModelMultipleChoiceField asks `pk__in`) refuses it
as an invalid choice, and hand-written filters on ids from a request need no guard.
"""

from django.core.exceptions import FieldError
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _OutOfRangeLeftOut:
    def _integer_range(self, connection) -> tuple[int | None, int | None] | None:
        field = self.lhs.output_field
        try:
            field = getattr(field, "target_field", field)  # a foreign key compares its target's values
        except FieldError:  # a relation on several columns
            return None
        if not isinstance(field, IntegerField):
            return None
        try:
            return connection.ops.integer_field_range(field.get_internal_type())
        except KeyError:
            return None

    def process_rhs(self, compiler, connection):
        bounds = self._integer_range(connection) if self.rhs_is_direct_value() else None
        if bounds:
            low, high = bounds
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


class IntegerFieldIn(_OutOfRangeLeftOut, In):
    pass


class RelatedIntegerIn(_OutOfRangeLeftOut, RelatedIn):
    pass


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
    ForeignObject.register_lookup(RelatedIntegerIn)
