"""The audit journal is tamper-evident: a chain of keyed MACs, checked by `audit_verify`.

Each tampering below is what someone with write access to the database (but not the key)
could do; the triggers are dropped (SQLite) or disabled (PostgreSQL) first, inside the
test's transaction, which rolls it all back.
"""

import datetime
import importlib
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from relais.core import auditchain
from relais.core.audit import (
    AUDIT_RETENTION_FLOOR_DAYS,
    UNLOCK_TABLE,
    PurgeRefused,
    audit_log,
    audit_purge,
    audit_seal,
    audit_verify,
)
from relais.core.auditchain import ChainRefused
from relais.core.models import AuditChainHead, AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def _as_intruder(sql: str, params=()) -> None:
    """Run SQL the way someone with database access would: triggers out of the way first."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_delete")
        else:
            # Foreign-key checks of this transaction's inserts first, or PostgreSQL refuses to alter the table.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(sql, params)


def _insert_raw(*, position=None, mac=None, at=None) -> int:
    """An entry written straight into the table, as no Relais code path does."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditevent (at, actor_label, action, object_type, object_id, reason, details,"
            " chain_position, chain_mac) VALUES (%s, 'intrus@example.org', 'person.viewed', '', '', '', '{}', %s, %s)",
            [at or timezone.now(), position, mac],
        )
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()


def _broken() -> auditchain.ChainReport:
    report = audit_verify(record=False)
    assert not report.intact, str(report)
    return report


@pytest.fixture
def journal(fresh_journal, reception_agent, resident_by_letter):
    """Six entries, sealed at positions 1 to 6."""
    for n in range(6):
        audit_log(actor=reception_agent, action="core.person.viewed", obj=resident_by_letter, details={"n": n})
    audit_seal()
    return list(AuditEvent.objects.order_by("chain_position"))


def test_an_entry_is_sealed_when_its_transaction_commits(
    fresh_journal, reception_agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        audit_log(actor=reception_agent, action="core.person.viewed")
        AuditEvent.objects.bulk_create([AuditEvent(action="people.listed", person_id=n) for n in (1, 2)])
    assert list(AuditEvent.objects.order_by("pk").values_list("chain_position", flat=True)) == [1, 2, 3]
    assert AuditChainHead.objects.get().position == 3


def test_entries_written_together_are_sealed_in_one_pass(
    fresh_journal, reception_agent, monkeypatch, django_capture_on_commit_callbacks
):
    """A change that journals several entries (a registration: the new resident, then the
    registration) seals them once, in order, whatever the database."""
    passes = []
    seal = auditchain.seal
    monkeypatch.setattr(auditchain, "seal", lambda **kwargs: passes.append(kwargs) or seal(**kwargs))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), auditchain.sealed_together():
        for n in range(3):
            audit_log(actor=reception_agent, action="core.person.viewed", details={"n": n})
    assert len(passes) == 1
    assert list(AuditEvent.objects.order_by("pk").values_list("chain_position", flat=True)) == [1, 2, 3]
    assert audit_verify(record=False).intact


def test_entries_rolled_back_inside_sealed_together_leave_a_chain_that_verifies(
    fresh_journal, reception_agent, django_capture_on_commit_callbacks
):
    with pytest.raises(ValueError), transaction.atomic(), auditchain.sealed_together():
        audit_log(actor=reception_agent, action="core.person.viewed")
        raise ValueError("refused")
    with django_capture_on_commit_callbacks(execute=True):
        entry = audit_log(actor=reception_agent, action="core.person.viewed")
    assert AuditEvent.objects.get() == entry
    assert AuditEvent.objects.get().chain_position == 1
    assert audit_verify(record=False).intact


def test_an_entry_its_sealer_left_behind_is_sealed_by_the_next_full_pass(journal, reception_agent):
    straggler = _insert_raw()  # e.g. committed long after newer entries were sealed
    AuditChainHead.objects.update(last_id=straggler + auditchain.RECENT_WINDOW)
    entry = audit_log(actor=reception_agent, action="core.person.viewed")
    auditchain.seal(wait=False, everything=False)  # what follows each commit on PostgreSQL
    assert AuditEvent.objects.get(pk=straggler).chain_position is None
    assert AuditEvent.objects.get(pk=entry.pk).chain_position == 7
    call_command("audit_seal", stdout=StringIO())
    assert AuditEvent.objects.get(pk=straggler).chain_position == 8
    assert audit_verify(record=False).intact


def test_a_seal_in_its_own_transaction_does_not_wait_for_the_disk_and_one_in_a_callers_does(journal, reception_agent):
    """On PostgreSQL, the seal made after a commit, in a transaction of its own, is not
    flushed to disk before answering (it can be made again from the entries); sealing inside
    someone else's transaction leaves that transaction's commit durable."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's synchronous_commit")

    def flushed() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    key = auditchain.chain_key()
    for own_transaction, expected in ((False, "on"), (True, "off")):
        audit_log(actor=reception_agent, action="core.person.viewed")
        with transaction.atomic():
            ids = auditchain._seal_batch(
                key=key, kid=auditchain.key_id(key), wait=True, limit=10, after_id=None,
                own_transaction=own_transaction, using="default",
            )  # fmt: skip
            assert len(ids) == 1 and flushed() == expected
    assert AuditChainHead.objects.get().position == 8
    assert audit_verify(record=False).intact


def test_verify_reports_an_intact_journal_and_journals_the_check(journal):
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().strip() == f"journal intact: 6 entries, last position 6, last MAC {journal[-1].chain_mac}"
    verified = AuditEvent.objects.get(action="core.journal.verified")
    assert verified.details["intact"] is True and verified.details["last_position"] == 6
    # The check is itself in the chain.
    assert str(audit_verify(record=False)).startswith("journal intact: 7 entries, last position 7")


def test_a_field_changed_in_the_database_is_reported_at_its_position(journal):
    _as_intruder("UPDATE core_auditevent SET reason = 'rien vu' WHERE id = %s", [journal[2].pk])
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert failure.value.returncode == 1
    assert f"position 3 (entry id {journal[2].pk}): entry changed" in str(failure.value)
    report = _broken()
    assert (report.problem, report.position, report.entry_id) == (auditchain.ENTRY_CHANGED, 3, journal[2].pk)


def test_an_entry_deleted_in_the_middle_is_reported(journal):
    _as_intruder("DELETE FROM core_auditevent WHERE id = %s", [journal[3].pk])
    report = _broken()
    assert (report.problem, report.position) == (auditchain.ENTRY_MISSING, 4)
    assert f"after entry id {journal[2].pk}" in report.detail


def test_the_unlock_row_abused_to_delete_is_reported(journal):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {UNLOCK_TABLE} (reason) VALUES ('intrus')")
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [journal[1].pk])
        cursor.execute(f"DELETE FROM {UNLOCK_TABLE}")
    report = _broken()
    assert (report.problem, report.position) == (auditchain.ENTRY_MISSING, 2)


def test_the_newest_entries_deleted_are_reported(journal):
    _as_intruder("DELETE FROM core_auditevent WHERE chain_position > 4")
    report = _broken()
    assert (report.problem, report.position) == (auditchain.ENTRY_MISSING, 5)


def test_the_newest_entries_deleted_with_the_head_moved_back_are_reported(journal, reception_agent):
    _as_intruder("DELETE FROM core_auditevent WHERE chain_position > 4")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditchainhead SET position = 4, mac = %s", [journal[3].chain_mac])
    report = _broken()
    assert (report.problem, report.position) == (auditchain.HEAD_ROLLED_BACK, 4)
    # Nothing is sealed on top of a head that cannot be trusted; entries are still written.
    entry = audit_log(actor=reception_agent, action="core.person.viewed")
    with pytest.raises(ChainRefused):
        audit_seal()
    assert AuditEvent.objects.get(pk=entry.pk).chain_position is None


def test_a_forged_entry_with_a_made_up_mac_is_reported(journal):
    forged = _insert_raw(position=7, mac="ab" * 32)
    report = _broken()
    assert (report.problem, report.position, report.entry_id) == (auditchain.ENTRY_OUTSIDE, 7, forged)


def test_an_entry_replaced_by_a_forged_one_is_reported(journal):
    _as_intruder("DELETE FROM core_auditevent WHERE id = %s", [journal[2].pk])
    forged = _insert_raw(position=3, mac=journal[2].chain_mac)
    report = _broken()
    assert (report.problem, report.position, report.entry_id) == (auditchain.ENTRY_CHANGED, 3, forged)


def test_a_removed_seal_is_reported(journal):
    _as_intruder("UPDATE core_auditevent SET chain_mac = NULL WHERE id = %s", [journal[4].pk])
    report = _broken()
    assert (report.problem, report.position, report.entry_id) == (auditchain.SEAL_MISSING, 5, journal[4].pk)


def test_an_entry_unsealed_to_be_sealed_again_leaves_a_hole(journal):
    _as_intruder("UPDATE core_auditevent SET chain_position = NULL, chain_mac = NULL WHERE id = %s", [journal[1].pk])
    report = _broken()  # verification seals it again, at the end: its old place stays empty
    assert (report.problem, report.position) == (auditchain.ENTRY_MISSING, 2)


def test_another_key_is_reported_as_such_and_seals_nothing(journal, settings, reception_agent):
    settings.RELAIS_AUDIT_KEY = "une-autre-clé-que-celle-du-journal"
    report = _broken()
    assert report.problem == auditchain.KEY_CHANGED
    entry = audit_log(actor=reception_agent, action="core.person.viewed")
    assert AuditEvent.objects.get(pk=entry.pk).chain_position is None
    settings.RELAIS_AUDIT_KEY = ""
    assert audit_verify(record=False).intact


def test_the_database_lets_a_seal_be_set_once_and_nothing_else(journal):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET chain_mac = %s WHERE id = %s", ["0" * 64, journal[0].pk])
    unsealed = _insert_raw()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET chain_position = 99, chain_mac = 'x', reason = 'changé' WHERE id = %s",
            [unsealed],
        )
    assert audit_seal() == 1  # the sealer's own update goes through
    assert AuditEvent.objects.get(pk=unsealed).chain_position == 7


def test_every_field_of_an_entry_is_sealed_and_guarded_by_the_trigger():
    columns = {field.column for field in AuditEvent._meta.concrete_fields} - {"chain_position", "chain_mac"}
    assert set(auditchain.SEALED_FIELDS) == columns
    migration = importlib.import_module("relais.core.migrations.0008_audit_chain")
    assert set(migration.SQLITE_FIXED_COLUMNS) == columns


# --- Purge ------------------------------------------------------------------------------------


@pytest.fixture
def aged_journal(fresh_journal, reception_agent):
    """Four entries 400 days old, then a recent one, all sealed."""
    old = timezone.now() - datetime.timedelta(days=400)
    for n in range(4):
        AuditEvent.objects.create(
            action="core.person.viewed", actor_label="accueil@valbrenne.fr", at=old, details={"n": n}
        )
    audit_log(actor=reception_agent, action="core.person.viewed")
    audit_seal()
    return list(AuditEvent.objects.order_by("chain_position"))


def test_purge_removes_the_oldest_entries_and_leaves_a_signed_marker(aged_journal):
    assert audit_purge(older_than_days=365) == 4
    assert list(AuditEvent.objects.exclude(action="core.journal.purged").values_list("pk", flat=True)) == [
        aged_journal[4].pk
    ]
    marker = AuditEvent.objects.get(action="core.journal.purged")
    assert marker.details["kind"] == "audit" and marker.details["count"] == 4
    assert marker.details["retention_days"] == 365 and marker.details["cutoff"]
    assert marker.details["last_position"] == 4 and marker.details["last_mac"] == aged_journal[3].chain_mac
    report = audit_verify(record=False)
    assert report.intact and report.first_position == 5 and report.entries == 2
    # A purge that finds nothing to remove says so in the journal too.
    assert audit_purge(older_than_days=365) == 0
    assert sorted(AuditEvent.objects.filter(action="core.journal.purged").values_list("details__count", flat=True)) == [
        0,
        4,
    ]
    assert audit_verify(record=False).intact


def test_entries_removed_after_a_purge_leave_a_hole(aged_journal):
    audit_purge(older_than_days=365)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {UNLOCK_TABLE} (reason) VALUES ('intrus')")
        cursor.execute("DELETE FROM core_auditevent WHERE chain_position = 5")
        cursor.execute(f"DELETE FROM {UNLOCK_TABLE}")
    report = _broken()
    assert (report.problem, report.position) == (auditchain.ENTRY_MISSING, 5)


def test_a_forged_purge_marker_does_not_cover_entries_removed(aged_journal):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {UNLOCK_TABLE} (reason) VALUES ('intrus')")
        cursor.execute("DELETE FROM core_auditevent WHERE chain_position <= 2")
        cursor.execute(f"DELETE FROM {UNLOCK_TABLE}")
    fake = {"kind": "audit", "count": 2, "last_position": 2, "last_mac": aged_journal[1].chain_mac, "signature": "0"}
    AuditEvent.objects.create(action="core.journal.purged", details=fake)
    report = _broken()
    assert (report.problem, report.position) == (auditchain.ENTRY_MISSING, 1)


def test_purge_goes_in_chain_order_only(fresh_journal, reception_agent):
    audit_log(actor=reception_agent, action="core.person.viewed")
    late = AuditEvent.objects.create(action="core.person.viewed", at=timezone.now() - datetime.timedelta(days=400))
    assert audit_purge(older_than_days=365) == 0  # older, but sealed after a recent entry
    assert AuditEvent.objects.filter(pk=late.pk).exists()
    assert audit_verify(record=False).intact


def test_purge_under_the_floor_is_refused(aged_journal):
    before = AuditEvent.objects.count()
    with pytest.raises(PurgeRefused):
        audit_purge(older_than_days=AUDIT_RETENTION_FLOOR_DAYS - 1)
    with pytest.raises(CommandError, match=f"kept at least {AUDIT_RETENTION_FLOOR_DAYS} days"):
        call_command("audit_purge", "--days", "0")
    assert AuditEvent.objects.count() == before
    assert not AuditEvent.objects.filter(action="core.journal.purged").exists()


def test_dry_run_writes_nothing(aged_journal):
    unsealed = _insert_raw(at=timezone.now() - datetime.timedelta(days=500))
    rows = list(AuditEvent.objects.order_by("pk").values_list("pk", "chain_position", "chain_mac"))
    head = AuditChainHead.objects.values().get()
    out = StringIO()
    call_command("audit_purge", "--days", "365", "--dry-run", stdout=out)
    assert out.getvalue().startswith("audit: 4 record(s) older than 365 days")
    assert "would be removed" in out.getvalue()
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", "chain_position", "chain_mac")) == rows
    assert AuditChainHead.objects.values().get() == head
    assert AuditEvent.objects.get(pk=unsealed).chain_position is None


def test_purge_refuses_to_remove_entries_that_do_not_verify(aged_journal):
    _as_intruder("UPDATE core_auditevent SET reason = 'effacé' WHERE id = %s", [aged_journal[1].pk])
    with pytest.raises(PurgeRefused, match="entry changed"):
        audit_purge(older_than_days=365)
    assert AuditEvent.objects.filter(pk=aged_journal[0].pk).exists()
    assert not AuditEvent.objects.filter(action="core.journal.purged").exists()


# --- The administrator's journal page ---------------------------------------------------------


def test_journal_page_shows_the_last_verification(journal, admin_client):
    report = audit_verify()
    page = admin_client.get(reverse("people:audit_journal")).content.decode()
    assert f"Journal vérifié intact jusqu'à l'entrée n° {report.last_position}" in page
    _as_intruder("UPDATE core_auditevent SET reason = 'rien vu' WHERE id = %s", [journal[2].pk])
    audit_verify()
    page = admin_client.get(reverse("people:audit_journal")).content.decode()
    assert "a trouvé le journal modifié (entrée n° 3)" in page


# --- Many writers at once, on a real database -------------------------------------------------


def test_concurrent_writers_verifiers_and_a_purge_end_with_a_chain_that_verifies(throwaway_database_url, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": throwaway_database_url,
        "RELAIS_VAR_DIR": str(tmp_path),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "tests.core.audit_chain_worker", "--processes", "3", "--threads", "6", "--rounds", "15"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["broken_during_writes"] == []
    assert result["verifications_during_writes"] > 0
    assert result["purged"] == result["aged"]
    # Every committed entry is in the chain once; rolled-back ones left nothing behind.
    assert result["final"]["intact"] is True
    assert result["entries_left"] == result["committed"] + 1  # the purge marker
    # Every entry was sealed by the transactions themselves (SQLite: inside each; PostgreSQL:
    # right after each commit), none left to the final pass.
    assert result["unsealed_before_final_seal"] == 0
    assert result["unsealed"] == 0
    assert result["final"]["entries"] == result["entries_left"]


def test_a_retention_period_under_the_floor_is_flagged_at_start(settings):
    from relais.core.checks import retention_periods

    settings.RELAIS_RETENTION = {"RELAIS_AUDIT_RETENTION_DAYS": 90}
    assert [e.id for e in retention_periods(None)] == ["relais.E004"]
    settings.RELAIS_RETENTION = {"RELAIS_AUDIT_RETENTION_DAYS": 365}
    assert retention_periods(None) == []
