"""Mediation's journal vocabulary: every action it writes is a member of its enumeration,
and entries written under the old names read, and filter, as the new ones."""

import pathlib
import re

from relais.core import journal
from relais.core import selectors as core_selectors
from relais.core.audit import audit_log
from relais.core.models import AuditEvent
from relais.mediation.journal import RENAMED, Action

MEDIATION = pathlib.Path(__file__).resolve().parents[2] / "relais" / "mediation"


def test_the_app_writes_no_action_by_a_literal_name():
    literals = [
        f"{path.name}: {name}"
        for path in MEDIATION.rglob("*.py")
        if path.name != "journal.py"
        for name in re.findall(r"""action=["'](mediation\.[\w.]+)""", path.read_text())
    ]
    assert literals == []


def test_every_action_is_in_the_vocabulary_in_french():
    for action in Action:
        assert journal.is_known(action) and journal.label(action) == str(action.label)


def test_an_old_name_reads_as_its_new_one(db):
    for old, new in RENAMED.items():
        assert journal.current_name(old) == new and journal.label(old) == str(new.label), old


def test_the_journal_filter_finds_entries_written_under_the_old_name(db):
    AuditEvent.objects.create(action="mediation.appointment_booked")  # written before the vocabulary
    audit_log(actor=None, action=Action.APPOINTMENT_BOOKED)
    audit_log(actor=None, action=Action.APPOINTMENT_CANCELLED)
    found = core_selectors.journal(action=Action.APPOINTMENT_BOOKED)
    assert sorted(found.values_list("action", flat=True)) == [
        "mediation.appointment.booked",
        "mediation.appointment_booked",
    ]
    assert core_selectors.journal(action="mediation.").count() == 3
