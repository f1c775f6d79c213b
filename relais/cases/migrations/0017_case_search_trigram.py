"""PostgreSQL only: a trigram index on the cases' search text, so that a search by name or
phone in the back-office ("nom1234", "0612") reads the few matching cases instead of the
whole team's (142 ms at 100,000 cases, seconds at 1,000,000). SQLite has no such index: it
keeps reading its narrow (team, search text) index.

pg_trgm ships with PostgreSQL and is a trusted extension since PostgreSQL 13 (a user who may
create objects in the database may add it). Where it cannot be added or used, the search
still works, unindexed: the migration says so and goes on. Building the index holds writes
to the cases for as long as it takes (a few seconds at 100,000 cases): run it with the
upgrade, as every migration. Going back removes the index and leaves the extension.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                "CREATE INDEX IF NOT EXISTS case_search_trgm ON cases_case USING gin (search_text gin_trgm_ops)"
            )
    except DatabaseError as error:
        logger.warning("Trigram index not added (%s): the back-office search stays unindexed.", error)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_queue_search_and_due_indexes")]

    operations = [migrations.RunPython(add_index, drop_index)]
