"""Database-level refusal of updates and deletes on the audit journal.

Deletes are accepted only while the `relais_audit_unlock` table holds a row, which
`core.audit.audit_purge` inserts and removes inside its own transaction (retention).
The table is not a model, so test flushes and `dumpdata` never touch it.
"""

from django.db import migrations

SQLITE = [
    "CREATE TABLE IF NOT EXISTS relais_audit_unlock (reason varchar(100) NOT NULL)",
    """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent
       WHEN NOT EXISTS (SELECT 1 FROM relais_audit_unlock)
       BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete",
    "DROP TABLE IF EXISTS relais_audit_unlock",
]
POSTGRESQL = [
    "CREATE TABLE IF NOT EXISTS relais_audit_unlock (reason varchar(100) NOT NULL)",
    """CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM relais_audit_unlock) THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'core_auditevent is append-only';
       END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
       FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent",
    "DROP FUNCTION IF EXISTS core_auditevent_append_only()",
    "DROP TABLE IF EXISTS relais_audit_unlock",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"No append-only triggers for {schema_editor.connection.vendor}")
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
