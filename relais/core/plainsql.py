"""One row by one column, in plain SQL, for the hot paths where the ORM took longer to build
the query than the database to answer it (~0.3 ms against ~0.1): what runs while a lock is
held that others wait for (a workshop's seats, SQLite's one writer), and what every page
asks (the memberships of the user logged in: ~0.6 ms through the ORM, ~0.1 in plain SQL).

    row_where(Registration, "submission_key", key)   # what filter(submission_key=key).first() reads
    locked_row(Workshop, pk)                         # select_for_update().get(pk=pk)
    joined_rows(Membership, "team", "a.user_id = %s", [user.pk])  # select_related("team").filter(…)

The query reads the table itself: the model's default manager must filter nothing (the keyed
models' do not: tests/core/test_idempotency.py).
"""

from __future__ import annotations

from typing import TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)


def row_where(model: type[M], field_name: str, value, *, for_update: bool = False) -> M | None:
    """The row of `model` whose `field_name` ("pk" or a unique field) equals `value`, or None;
    with `for_update`, locked for the rest of the transaction where the database can (SQLite
    has no FOR UPDATE: its one writer holds the database from BEGIN IMMEDIATE)."""
    manager = model._default_manager
    field = model._meta.pk if field_name == "pk" else model._meta.get_field(field_name)
    connection = connections[manager.db]
    quote = connection.ops.quote_name
    sql = f"SELECT * FROM {quote(model._meta.db_table)} WHERE {quote(field.column)} = %s"  # noqa: S608 - names from the model
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return next(iter(manager.raw(sql, [field.get_db_prep_value(value, connection)])), None)


def locked_row(model: type[M], pk) -> M:
    """The row `pk` of `model`, read again and locked for the rest of the transaction: what
    `model.objects.select_for_update().get(pk=pk)` gives (DoesNotExist when it is gone)."""
    row = row_where(model, "pk", pk, for_update=True)
    if row is None:
        raise model.DoesNotExist(f"{model.__name__} {pk} no longer exists")
    return row


def joined_rows(model: type[M], related: str, where: str, params, *, order_by: tuple[str, ...] = ()) -> list[M]:
    """What `model.objects.select_related(related).filter(…).order_by(…)` gives, in plain SQL,
    for the queries every page asks (a user's memberships): the rows of `model` (alias `a`)
    joined to the row their foreign key `related` points to (alias `b`), where `where` (SQL
    on `a` and `b`, with %s for `params`) holds, sorted by `order_by` (SQL). Each related
    object is attached as select_related attaches it (reading it costs no query); values are
    converted as the ORM converts them (SQLite's booleans and aware datetimes)."""
    manager = model._default_manager
    connection = connections[manager.db]
    quote = connection.ops.quote_name
    key = model._meta.get_field(related)
    target = key.related_model
    own, theirs = model._meta.concrete_fields, target._meta.concrete_fields
    columns = [f"a.{quote(f.column)}" for f in own] + [f"b.{quote(f.column)}" for f in theirs]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} a "  # noqa: S608 - names from the models
        f"JOIN {quote(target._meta.db_table)} b ON b.{quote(key.target_field.column)} = a.{quote(key.column)} "
        f"WHERE {where}"
    )
    if order_by:
        sql += " ORDER BY " + ", ".join(order_by)
    conversions = [_converters(f, "a", connection) for f in own] + [_converters(f, "b", connection) for f in theirs]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = []
        for value, (converters, expression) in zip(row, conversions, strict=True):
            for converter in converters:
                value = converter(value, expression, connection)
            values.append(value)
        row_of_model = model.from_db(manager.db, [f.attname for f in own], values[: len(own)])
        key.set_cached_value(row_of_model, target.from_db(manager.db, [f.attname for f in theirs], values[len(own) :]))
        found.append(row_of_model)
    return found


def _converters(field, alias: str, connection) -> tuple[list, object]:
    """The database's and the field's converters of a column, as the ORM's compiler applies
    them (`SQLCompiler.get_converters`)."""
    expression = field.get_col(alias)
    return connection.ops.get_db_converters(expression) + expression.get_db_converters(connection), expression
