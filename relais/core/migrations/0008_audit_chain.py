"""Audit chain: each journal entry gets a chain position and a MAC once written (sealed),
and one head row holds the end of the chain (see core.auditchain).

The update trigger of 0002 keeps refusing every change, with one exception: setting the
two seal columns once, from empty, every other column unchanged. The delete trigger and
the unlock table are unchanged. The new columns are nullable and the unique constraint
partial, so that SQLite adds them with ALTER TABLE instead of rebuilding the table (a
rebuild would drop the triggers).
"""

from django.db import migrations, models

# Every column of core_auditevent but the seal: the trigger checks they stay as they are.
# A column added to AuditEvent later must be added here too (tests/core/test_audit_chain.py
# compares this list with the model).
SQLITE_FIXED_COLUMNS = [
    "id", "at", "actor_id", "actor_label", "action", "object_type", "object_id",
    "person_id", "reason", "ip", "details",
]

SQLITE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    f"""CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
       WHEN NOT (OLD.chain_position IS NULL AND NEW.chain_position IS NOT NULL AND NEW.chain_mac IS NOT NULL
                 AND {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in SQLITE_FIXED_COLUMNS)})
       BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only'); END""",
]
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM relais_audit_unlock) THEN
           RETURN OLD;
         END IF;
         IF TG_OP = 'UPDATE' AND OLD.chain_position IS NULL AND NEW.chain_position IS NOT NULL
            AND NEW.chain_mac IS NOT NULL
            AND (to_jsonb(NEW) - 'chain_position' - 'chain_mac') = (to_jsonb(OLD) - 'chain_position' - 'chain_mac') THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'core_auditevent is append-only';
       END;
       $$ LANGUAGE plpgsql""",
]
POSTGRESQL_REVERSE = [
    """CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM relais_audit_unlock) THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'core_auditevent is append-only';
       END;
       $$ LANGUAGE plpgsql""",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"No append-only triggers for {schema_editor.connection.vendor}")
        for sql in statements:
            schema_editor.execute(sql)

    return run


def create_head(apps, schema_editor):
    apps.get_model("core", "AuditChainHead").objects.using(schema_editor.connection.alias).get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_cache_table")]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.BigIntegerField(default=0)),
                ("mac", models.CharField(blank=True, max_length=64)),
                ("key_id", models.CharField(blank=True, max_length=16)),
                ("head_mac", models.CharField(blank=True, max_length=64)),
                ("last_id", models.BigIntegerField(default=0)),
                ("sealed_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_mac",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_position",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(condition=models.Q(("chain_position__isnull", True)), fields=["id"], name="audit_unsealed"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("chain_position__isnull", False)),
                fields=("chain_position",),
                name="audit_chain_position_unique",
            ),
        ),
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
