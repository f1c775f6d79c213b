"""The defects an outside audit found beyond axe, each as a person would meet it (issue 15).

The generated crawl (tests/test_pages.py) keeps every page free of them; these say what
each fix gives the person on the page where it was found.
"""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.urls import reverse

from relais.accounts.models import Role, User
from relais.accounts.navigation import may_open, staff_nav, view_rule
from relais.cases.models import Case, EventKind
from relais.core import context_processors
from relais.mediation.models import Registration
from tests.conftest import make_member, staff_client
from tests.mediation.conftest import contact, make_workshop
from tests.pagecheck import problems
from tests.routes import all_routes


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def _label_target(html: str, label_text: str) -> str:
    """The element a label names: its `for`, then what has that id."""
    label = re.search(rf'<label[^>]*for="([^"]+)"[^>]*>\s*{re.escape(label_text)}', html)
    assert label, f"no label {label_text!r}"
    return label.group(1)


@pytest.fixture
def civil_case(db):
    return Case.objects.get(form__slug="attestation-accueil", status="in_progress")


def test_the_internal_note_label_names_the_note_box_not_the_message_to_the_resident(civil_case, case_worker):
    client = staff_client(case_worker)
    html = client.get(civil_case.get_absolute_url()).content.decode()
    assert problems(html) == []
    note_id = _label_target(html, "Note")
    note_form = re.search(rf'<form[^>]*>(?:(?!</form>).)*id="{note_id}"(?:(?!</form>).)*</form>', html, re.S).group(0)
    assert 'value="note"' in note_form  # the note form's own box, not the message's
    assert html.count(f'id="{note_id}"') == 1
    # Writing a note still files a note (the field names did not change).
    client.post(civil_case.get_absolute_url(), {"action": "note", "text": "Rappeler lundi."})
    assert civil_case.events.filter(kind=EventKind.NOTE, text__contains="Rappeler lundi").exists()


def test_a_staff_page_with_a_form_in_error_starts_its_title_with_erreur(civil_case, case_worker):
    client = staff_client(case_worker)
    assert not _title(client.get(civil_case.get_absolute_url()).content.decode()).startswith("Erreur")
    html = client.post(civil_case.get_absolute_url(), {"action": "note", "text": ""}).content.decode()
    assert _title(html).startswith("Erreur :")


def test_looking_for_a_form_in_error_reads_nothing_else_of_the_page(civil_case, case_worker):
    """The title's check for a form in error asks nothing of values read only when shown: the
    accessibility state is read once, for the kept footer, not at every staff page."""
    client = staff_client(case_worker)
    client.get(civil_case.get_absolute_url())  # the footer is rendered, then kept
    with mock.patch.object(
        context_processors, "_accessibility_state", wraps=context_processors._accessibility_state
    ) as read:
        html = client.get(civil_case.get_absolute_url()).content.decode()
    assert "Accessibilité" in html and not _title(html).startswith("Erreur")
    assert read.call_count == 0


def test_the_workshop_form_in_error_lands_on_its_focusable_error_summary(client, db):
    workshop = make_workshop(capacity=12)
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert "12 places libres sur 12" in page
    action = re.search(r'<form method="post" action="([^"]*)"', page).group(1)
    assert action == "#inscription" and 'id="inscription"' in page

    html = client.post(workshop.get_absolute_url(), contact("x", last_name="")).content.decode()
    assert not Registration.objects.filter(workshop=workshop).exists()
    summary = re.search(r'<div class="error-summary"[^>]*>', html).group(0)
    assert 'id="inscription"' in summary and 'tabindex="-1"' in summary
    assert html.count('id="inscription"') == 1
    assert _title(html).startswith("Erreur :")
    assert problems(html) == []


def test_theme_pages_go_from_the_title_to_the_procedures_without_skipping_a_level(client, db):
    from relais.directory.models import Theme

    theme = next(t for t in Theme.objects.all() if t.procedures.exists()) if hasattr(Theme, "procedures") else None
    url = reverse("directory:theme", kwargs={"code": (theme or Theme.objects.first()).code})
    html = client.get(url).content.decode()
    levels = [int(n) for n in re.findall(r"<h([1-6])", html.split("<main", 1)[1])]
    assert levels and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


# ---------------------------------------------------------------- one rule for a view and its links


def test_every_staff_view_declares_the_rule_its_links_ask():
    """A staff page without a rule kept on the view could not tell a menu whether to show it."""
    missing = [r.name for r in all_routes() if r.staff and view_rule(r.name) is None]
    assert missing == []


def test_the_administrator_is_not_offered_digital_mediation_when_its_page_would_refuse(administrator):
    client = staff_client(administrator)
    shown = [item.url_name for item in staff_nav(administrator)]
    for url_name in shown:
        assert client.get(reverse(url_name)).status_code != 404, url_name
    home = client.get(reverse("mediation:staff_home"))
    assert (home.status_code == 404) == ("mediation:staff_home" not in shown)


@pytest.mark.parametrize(
    "email", ["accueil@valbrenne.fr", "etat-civil@valbrenne.fr", "conseiller@valbrenne.fr", "responsable@valbrenne.fr"]
)
def test_may_open_answers_what_the_view_answers(email, db):
    user = User.objects.get(email=email)
    client = staff_client(user)
    names = ("mediation:staff_home", "mediation:staff_appointments", "mediation:staff_types", "people:person_search",
             "cases:queue", "stats:home")  # fmt: skip
    for name in names:
        status = client.get(reverse(name)).status_code
        assert may_open(user, name) == (status != 404), (name, status)
    # Booking for someone without naming them starts with the person search: both rules.
    status = client.get(reverse("mediation:staff_appointment_book")).status_code
    both = may_open(user, "mediation:staff_appointment_book") and may_open(user, "people:person_search")
    assert both == (status != 404)


def test_a_team_manager_may_not_open_what_the_rules_keep_from_managers(db):
    manager = make_member("chef@valbrenne.fr", "etat-civil", Role.MANAGER)
    assert not may_open(manager, "people:person_search")
    assert may_open(manager, "cases:queue")
    assert may_open(None, "directory:home")  # a public page has no rule
