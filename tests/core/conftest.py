import pytest
from django.db import connection

from relais.core.audit import UNLOCK_TABLE
from relais.core.models import AuditChainHead


@pytest.fixture
def fresh_journal(db):
    """An empty journal with its chain at the start, as on a new instance (the demo town
    leaves entries; this test's transaction is rolled back at its end)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {UNLOCK_TABLE} (reason) VALUES ('test')")
        cursor.execute("DELETE FROM core_auditevent")
        cursor.execute(f"DELETE FROM {UNLOCK_TABLE}")
    AuditChainHead.objects.update_or_create(
        pk=1, defaults={"position": 0, "mac": "", "key_id": "", "head_mac": "", "last_id": 0, "sealed_at": None}
    )
