"""One vocabulary for the journal: every action named once, in one style, in French."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse

from relais.core import journal
from relais.core.audit import audit_log, people_viewed
from relais.core.models import AuditEvent

RELAIS = Path(__file__).resolve().parents[2] / "relais"
JOURNAL_WRITERS = {"audit_log", "people_viewed", "staff_viewed", "mandate_use"}


def test_every_action_is_app_entity_verb_with_a_french_label():
    vocab = journal.vocabulary()
    assert len(vocab.labels) > 100  # every app's actions, not only the kernel's
    labels = {config.label for config in apps.get_app_configs() if config.name.startswith("relais.")}
    for name, label in vocab.labels.items():
        app, _, _ = name.partition(".")
        assert app in labels and re.fullmatch(r"[a-z]+\.[a-z_]+\.[a-z_]+", name), name
        assert str(label) and str(label) != name


def test_old_names_lead_to_current_actions_and_no_old_name_is_reused():
    vocab = journal.vocabulary()
    assert not set(vocab.renamed) & set(vocab.labels)
    assert journal.current_name("case.viewed") == "cases.case.viewed"
    assert journal.label("case.viewed") == journal.label("cases.case.viewed") == "Demande consultée"


def test_an_action_outside_the_vocabulary_is_refused(db):
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="cases.case.vewed"):
        audit_log(actor=None, action="cases.case.vewed")
    with pytest.raises(ValueError, match="person.viewed"):  # an old name is not written any more
        people_viewed(actor=None, action="person.viewed", person_ids=[1])
    assert AuditEvent.objects.count() == before


def test_the_journal_filter_finds_entries_written_under_the_old_name(db, resident_by_letter):
    from relais.core.selectors import journal as journal_entries

    old = AuditEvent.objects.create(action="case.viewed", person_id=resident_by_letter.pk)  # before the vocabulary
    new = audit_log(actor=None, action="cases.case.viewed", person=resident_by_letter)
    other = audit_log(actor=None, action="cases.queue.viewed")
    written_here = journal_entries().filter(pk__gte=old.pk)
    assert set(journal_entries(action="cases.case.viewed") & written_here) == {old, new}
    assert set(journal_entries(action="cases.") & written_here) == {
        old,
        new,
        other,
    }  # an app's actions  # every action of an app


def _writer_calls():
    for path in RELAIS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in JOURNAL_WRITERS:
                    yield path, node


def test_no_journal_entry_is_written_with_a_name_typed_in_place():
    """Actions come from an app's journal.Action, so a typo or a third naming style cannot
    come back: a string or an f-string at a call site fails here."""
    found = []
    for path, call in _writer_calls():
        for keyword in call.keywords:
            if keyword.arg == "action":
                values = [keyword.value]
                if isinstance(keyword.value, ast.IfExp):
                    values = [keyword.value.body, keyword.value.orelse]
                for value in values:
                    if isinstance(value, ast.Constant | ast.JoinedStr):
                        found.append(f"{path.relative_to(RELAIS)}:{call.lineno}")
    assert found == []


def test_the_journal_page_offers_the_actions_in_french_and_shows_old_entries_under_their_new_label(
    admin_client, resident_by_letter
):
    AuditEvent.objects.create(action="case.viewed", person_id=resident_by_letter.pk)  # before the vocabulary
    page = admin_client.get(reverse("people:audit_journal")).content.decode()
    assert '<optgroup label="Demandes">' in page and ">Demande consultée</option>" in page
    assert ">Toutes : Médiation numérique</option>" in page

    filtered = admin_client.get(reverse("people:audit_journal"), {"action": "cases.case.viewed"})
    html = filtered.content.decode()
    assert filtered.status_code == 200
    assert "Demande consultée<br><code>case.viewed</code>" in html
    assert "<code>core.person.viewed</code>" not in html

    typed = admin_client.get(reverse("people:audit_journal"), {"action": "case."})  # an old bookmark
    assert "Sélectionnez un choix valide" in typed.content.decode()
