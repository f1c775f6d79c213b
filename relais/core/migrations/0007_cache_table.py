"""The table of the shared database cache (see relais.core.cache).

Created by every `relais migrate`, whatever the cache in use, so that the demo, CI, a
deployment and the test databases need no separate `createcachetable`, and an
installation that drops Redis later finds its table ready.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

from relais.core.cache import TABLE


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_blocked_senders"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table, elidable=False),
    ]
