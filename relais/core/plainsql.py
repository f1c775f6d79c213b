"""One row by one column, in plain SQL, for the hot paths where the ORM took longer to build
the query than the database to answer it (~0.3 ms against ~0.1): what runs while a lock is
held that others wait for (a workshop's seats, SQLite's one writer), and what every page
asks (the memberships of the user logged in: ~0.6 ms through the ORM, ~0.1 in plain SQL).

    row_where(Registration, "submission_key", key)   # what filter(submission_key=key).first() reads
    locked_row(Workshop, pk)                         # select_for_update().get(pk=pk)
    count_where(Registration, "a.workshop_id = %s", [pk])  # filter(workshop_id=pk).count()
    joined_rows(Membership, "team", "a.user_id = %s", [user.pk])  # select_related("team").filter(…)
    joined_rows(Registration, "workshop__place", "a.token = %s", [token])  # a chain of them

The query reads the table itself: the model's default manager must filter nothing (the keyed
models' do not: tests/core/test_idempotency.py).
"""

from __future__ import annotations

import itertools
from typing import TypeVar

from django.db import connections, models, router

M = TypeVar("M", bound=models.Model)


def row_where(model: type[M], field_name: str, value, *, for_update: bool = False) -> M | None:
    """The row of `model` whose `field_name` ("pk" or a unique field) equals `value`, or None;
    with `for_update`, locked for the rest of the transaction where the database can (SQLite
    has no FOR UPDATE: its one writer holds the database from BEGIN IMMEDIATE)."""
    # A row locked is about to be written: read where writes go.
    connection = connections[router.db_for_write(model) if for_update else model._default_manager.db]
    field = model._meta.pk if field_name == "pk" else model._meta.get_field(field_name)
    lock = " FOR UPDATE" if for_update and connection.features.has_select_for_update else ""
    column = connection.ops.quote_name(field.column)
    found = _rows(
        model, "", f"a.{column} = %s", [field.get_db_prep_value(value, connection)], suffix=lock, using=connection.alias
    )
    return found[0] if found else None


def locked_row(model: type[M], pk) -> M:
    """The row `pk` of `model`, read again and locked for the rest of the transaction: what
    `model.objects.select_for_update().get(pk=pk)` gives (DoesNotExist when it is gone)."""
    row = row_where(model, "pk", pk, for_update=True)
    if row is None:
        raise model.DoesNotExist(f"{model.__name__} {pk} no longer exists")
    return row


def count_where(model: type[models.Model], where: str, params) -> int:
    """How many rows of `model` (alias `a`) `where` keeps: `filter(…).count()` in plain SQL."""
    connection = connections[model._default_manager.db]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {connection.ops.quote_name(model._meta.db_table)} a WHERE {where}", params
        )  # noqa: S608 - names from the model
        return cursor.fetchone()[0]


def joined_rows(
    model: type[M], related: str, where: str, params, *, order_by: tuple[str, ...] = (), limit: int | None = None
) -> list[M]:
    """What `model.objects.select_related(related).filter(…).order_by(…)` gives, in plain SQL,
    for the queries every page asks (a user's memberships) or a rush repeats (a registration
    and its workshop): the rows of `model` (alias `a`) joined to the row their foreign key
    `related` points to (alias `b`), or along a chain of them ("workshop__place": `b`, then
    `c`), or to nothing ("": `a` alone), where `where` (SQL on those aliases, with %s for
    `params`) holds, sorted by `order_by` (SQL). Each related object is attached as
    select_related attaches it (reading it costs no query; None through an empty nullable
    key); values are converted as the ORM converts them (SQLite's booleans, aware datetimes)."""
    sql = ""
    if order_by:
        sql += " ORDER BY " + ", ".join(order_by)
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return _rows(model, related, where, params, suffix=sql)


def _rows(model: type[M], related: str, where: str, params, *, suffix: str = "", using: str | None = None) -> list[M]:
    manager = model._default_manager
    connection = connections[using or manager.db]
    sql, tables, hops = _select(connection, model, related)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} WHERE {where}{suffix}", params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        objects, start = [], 0
        for table_model, attnames, conversions, pk_index in tables:
            values = []
            for value, (converters, expression) in zip(row[start : start + len(attnames)], conversions, strict=True):
                for converter in converters:
                    value = converter(value, expression, connection)
                values.append(value)
            start += len(attnames)
            # A nullable key left empty: no row on the other side (LEFT JOIN's NULLs).
            objects.append(
                None if values[pk_index] is None else table_model.from_db(connection.alias, attnames, values)
            )
        for key, (source, target) in zip(hops, itertools.pairwise(objects), strict=True):
            if source is None:
                break
            key.set_cached_value(source, target)
        found.append(objects[0])
    return found


def attach_rows(instance: models.Model, related_name: str, rows: list) -> None:
    """`rows` (read in plain SQL) become `instance.<related_name>.all()` of a reverse foreign
    key, as prefetch_related leaves them: read again with no query, each pointing back to
    `instance`; filtered further, a query of its own, as after a prefetch."""
    manager = getattr(instance, related_name)
    key = manager.field
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop(key.remote_field.cache_name, None)
    queryset = manager.get_queryset()
    for row in rows:
        key.set_cached_value(row, instance)
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    cache[key.remote_field.cache_name] = queryset


def _select(connection, model, related: str):
    """The SELECT … FROM … JOIN … of `joined_rows`, with what converts its rows, made once
    per connection (the converters are the connection's)."""
    cache = connection.__dict__.setdefault("relais_plainsql_selects", {})
    made = cache.get((model, related))
    if made is not None:
        return made
    quote = connection.ops.quote_name
    keys, models_, current = [], [model], model
    for name in related.split("__") if related else ():
        key = current._meta.get_field(name)
        keys.append(key)
        current = key.related_model
        models_.append(current)
    aliases = [chr(ord("a") + n) for n in range(len(models_))]
    columns, tables = [], []
    for table_model, alias in zip(models_, aliases, strict=True):
        fields = table_model._meta.concrete_fields
        columns += [f"{alias}.{quote(f.column)}" for f in fields]
        conversions = [_converters(f, alias, connection) for f in fields]
        # An empty primary key says the row is missing (a LEFT JOIN's).
        pk_index = [f.primary_key for f in fields].index(True)
        tables.append((table_model, [f.attname for f in fields], conversions, pk_index))
    sql = f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} a"  # noqa: S608 - names from the models
    outer = False
    for key, source, target in zip(keys, aliases, aliases[1:], strict=False):
        outer = outer or key.null
        table = quote(key.related_model._meta.db_table)
        sql += (
            f" {'LEFT JOIN' if outer else 'JOIN'} {table} {target}"
            f" ON {target}.{quote(key.target_field.column)} = {source}.{quote(key.column)}"
        )
    made = cache[(model, related)] = (sql, tables, keys)
    return made


def column_converters(connection, model: type[models.Model], names: tuple[str, ...]) -> list[tuple[int, list, object]]:
    """(index, converters, column) of the fields `names` of `model` that the ORM converts
    when it reads them (dates, JSON, SQLite's booleans), for rows read in plain SQL; made
    once per connection."""
    cache = connection.__dict__.setdefault("relais_plainsql_converters", {})
    if (model, names) not in cache:
        fields = [model._meta.get_field(name) for name in names]
        conversions = [_converters(field, model._meta.db_table, connection) for field in fields]
        cache[(model, names)] = [
            (i, functions, column) for i, (functions, column) in enumerate(conversions) if functions
        ]
    return cache[(model, names)]


def _converters(field, alias: str, connection) -> tuple[list, object]:
    """The database's and the field's converters of a column, as the ORM's compiler applies
    them (`SQLCompiler.get_converters`)."""
    expression = field.get_col(alias)
    return connection.ops.get_db_converters(expression) + expression.get_db_converters(connection), expression


class PlainInsert:
    """Model mixin: a new row's INSERT in plain SQL, its text made once per model, columns
    and connection, instead of by the ORM's compiler at every save (a message of thirty
    columns: ~0.30 → ~0.18 ms; the rows a registration writes are saved a thousand times in a
    rush). The rest of `save()` is Django's: each field's pre_save (auto_now, defaults), the
    signals, the model's own save(). What the statement could not write as the compiler
    does (an expression, a database default, a field with a placeholder of its own, a
    database that cannot return the new id, a raw save) goes through the ORM."""

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        connection = connections[using]
        statement = None if raw else _insert_statement(connection, manager.model, fields, returning_fields)
        if statement is None:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        # An expression, or a database default left to the database, is the ORM's to write
        # (looked for first: each field's pre_save runs once, whoever writes).
        if any(hasattr(getattr(self, field.attname, None), "resolve_expression") for field in fields):
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        sql, conversions = statement
        values = [field.get_db_prep_save(field.pre_save(self, add=True), connection=connection) for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            if not returning_fields:
                return []
            returned = list(cursor.fetchone())
        for index, (converters, expression) in enumerate(conversions):
            for converter in converters:
                returned[index] = converter(returned[index], expression, connection)
        return [tuple(returned)]


def _insert_statement(connection, model, fields, returning_fields):
    """(INSERT … RETURNING …, the returned columns' converters), or None where the ORM must
    write it; made once per connection."""
    cache = connection.__dict__.setdefault("relais_plainsql_inserts", {})
    key = (model, tuple(f.attname for f in fields), tuple(f.attname for f in returning_fields))
    if key in cache:
        return cache[key]
    statement = None
    returning, returning_params = "", ()
    if returning_fields and connection.features.can_return_columns_from_insert:
        returning, returning_params = connection.ops.return_insert_columns(returning_fields)
    plain = (
        fields
        and not any(hasattr(f, "get_placeholder") for f in fields)
        and (not returning_fields or (returning and not returning_params))
    )
    if plain:
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608 - names from the model
            f" VALUES ({', '.join(['%s'] * len(fields))}) {returning}"
        )
        statement = sql.rstrip(), [_converters(f, model._meta.db_table, connection) for f in returning_fields]
    cache[key] = statement
    return statement
