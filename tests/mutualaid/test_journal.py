"""The board's journal vocabulary: entries written under the old names are still found."""

import pytest

from relais.core import journal
from relais.core.audit import audit_log
from relais.core.models import AuditEvent
from relais.mutualaid.journal import RENAMED, Action

pytestmark = pytest.mark.django_db


def test_every_action_is_in_the_journal_vocabulary_with_a_french_label():
    labels = journal.vocabulary().labels
    for member in Action:
        assert labels[member.value] == member.label and member.value.startswith("mutualaid.")


def test_an_entry_under_an_old_name_is_found_and_read_under_the_new_one(moderator):
    AuditEvent.objects.create(actor=moderator, action="mutualaid.report.hide")  # written before the vocabulary
    audit_log(actor=moderator, action=Action.REPORT_ACTED)
    found = AuditEvent.objects.filter(action__in=journal.names_for(Action.REPORT_ACTED))
    assert found.count() == 2
    assert journal.label("mutualaid.report.hide") == str(Action.REPORT_ACTED.label)
    assert set(RENAMED.values()) <= set(Action)
