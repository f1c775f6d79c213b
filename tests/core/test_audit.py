import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from relais.core.audit import UNLOCK_TABLE, audit_log, audit_purge
from relais.core.models import AuditEvent


@pytest.fixture
def event(db, reception_agent, resident_by_letter):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {UNLOCK_TABLE}")
    return audit_log(actor=reception_agent, action="core.person.viewed", obj=resident_by_letter)


def test_entry_records_actor_object_and_person(event, reception_agent, resident_by_letter):
    assert event.actor == reception_agent
    assert event.actor_label == "accueil@valbrenne.fr"
    assert event.object_type == "core.person"
    assert event.person_id == resident_by_letter.pk


def test_model_refuses_update_and_delete(event):
    event.reason = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_database_refuses_raw_update(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET reason = 'tampered' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_database_refuses_raw_delete(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_purge_removes_only_entries_past_retention(fresh_journal, reception_agent, resident_by_letter):
    old = AuditEvent.objects.create(action="core.person.viewed", at=timezone.now() - datetime.timedelta(days=400))
    event = audit_log(actor=reception_agent, action="core.person.viewed", obj=resident_by_letter)
    assert audit_purge(older_than_days=365, dry_run=True) == 1
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    assert audit_purge(older_than_days=365) == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    # After the purge the journal is locked again.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])


def test_behind_a_proxy_the_journal_records_the_visitors_address(rf, settings):
    from relais.core.audit import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "203.0.113.7"  # the proxy's entry, not the one the client wrote
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"
