"""The shared cache of an installation without Redis: Django's database cache, with a
counter that every app server can trust.

Rate limits (`relais.core.ratelimit`, allauth's login limits) and the public-page version
live in the default cache. Without Redis it is this table in the main database, created
by a migration (`core.0007_cache_table`), so that several gunicorn workers or servers
count together. Django's own `DatabaseCache.incr` is a read then a write (two workers can
both read 3 and both write 4) and its write resets the entry's expiry to the default
timeout (a one-hour window would become five minutes); this `incr` is one locked
read-modify-write that keeps the expiry, as Redis's INCR does.
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now

TABLE = "relais_cache"


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        # A row lock on PostgreSQL; SQLite transactions here are IMMEDIATE, so the
        # write lock is already held from BEGIN.
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote_name('value')}, {quote_name('expires')} FROM {table} "
                f"WHERE {quote_name('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is not None:
                value, expires = row
                expression = models.Expression(output_field=models.DateTimeField())
                for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(
                    connection
                ):
                    expires = converter(expires, expression, connection)
            if row is None or expires < now():
                raise ValueError(f"Key '{key}' not found")
            # Written by this cache only, as in Django's own DatabaseCache.get.
            new_value = pickle.loads(base64.b64decode(connection.ops.process_clob(value).encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote_name('value')} = %s WHERE {quote_name('cache_key')} = %s",
                [encoded, key],
            )
        return new_value
