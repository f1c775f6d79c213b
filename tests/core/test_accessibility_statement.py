"""The accessibility statement (RGAA model) that administrators fill in, and the footer's state."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from relais.core.models import AccessibilityStatement, AuditEvent
from tests.conftest import staff_client

EDIT = "people:accessibility_statement_edit"


def _form_data(**overrides):
    statement = AccessibilityStatement.current()
    data = {
        name: ("" if getattr(statement, name) is None else getattr(statement, name))
        for name in (
            "entity",
            "site_name",
            "site_url",
            "rate",
            "auditor",
            "non_conformities",
            "disproportionate_burden",
            "exempt_content",
            "improvement_plan",
            "multiyear_plan_url",
            "action_plan_url",
            "technologies",
            "test_tools",
            "test_environment",
            "pages_audited",
            "contact_email",
            "contact_phone",
            "contact_address",
            "contact_form_url",
        )
    }
    data["audit_date"] = statement.audit_date.isoformat() if statement.audit_date else ""
    data["statement_date"] = statement.statement_date.isoformat() if statement.statement_date else ""
    data.update(overrides)
    return data


def _footer(html: str) -> str:
    return html.split('<footer class="site-footer">', 1)[1]


def _section(html: str, title: str) -> str:
    return html.split(f">{title}</h", 1)[1].split("<h", 1)[0]


def test_the_demo_statement_is_a_real_rgaa_statement(client, db):
    html = client.get(reverse("core:accessibility")).content.decode()
    # No RGAA audit has been made: not conformant, no rate, the known defects listed.
    assert "Relais – Valbrenne est <strong>non conforme</strong>" in html
    assert "Aucun audit de conformité n'a encore été réalisé." in html
    assert "révèle que" not in html and " % des critères" not in html
    assert "RGAA), version 4.1" in html
    assert "30 novembre 2026" in html
    assert "8.7 – Sur les pages en arabe" in html  # the non-conformities, one per item
    assert "13.3" not in html  # the PDFs are tagged (PDF/UA) now
    assert "Contenus non soumis à l'obligation d'accessibilité" in html
    assert "Dérogations pour charge disproportionnée" in html
    # Only what was used: no screen reader listed as a tool the checks were made with.
    environment = _section(html, "Environnement de test")
    assert "Chromium" in environment
    assert "NVDA" not in environment and "VoiceOver" not in environment and "à faire" not in environment
    tools = _section(html, "Outils pour évaluer l'accessibilité")
    assert "axe-core" in tools and "Playwright" in tools and "320 pixels" in tools and "Zoom" in tools
    assert "/fiches/carte-identite/" in html
    # feedback: no contact form (Relais has none), an e-mail, the phone and a postal address
    assert "formulaire de contact" not in html
    assert 'href="mailto:accessibilite@valbrenne.fr"' in html
    assert "02 47 00 00 00" in html
    assert "1 place de la République" in html
    # remedies: the Défenseur des droits, four ways
    assert "https://formulaire.defenseurdesdroits.fr/" in html
    assert "délégué du Défenseur des droits" in html
    assert "09 69 39 00 00" in html
    assert "Libre réponse 71120<br>75342 Paris CEDEX 07" in html
    assert "Accessibilité : non conforme" in _footer(html)


@pytest.mark.parametrize(
    "rate, state",
    [
        (None, "non conforme"),
        ("0", "non conforme"),
        ("49.99", "non conforme"),
        ("50", "partiellement conforme"),
        ("99.9", "partiellement conforme"),
        ("100", "totalement conforme"),
    ],
)
def test_the_state_follows_the_rate(rate, state, db):
    statement = AccessibilityStatement(rate=None if rate is None else Decimal(rate))
    assert statement.get_state_display() == state


def test_an_administrator_updates_it_and_every_footer_says_the_new_state(
    admin_client, administrator, client, django_capture_on_commit_callbacks, db
):
    home = client.get(reverse("directory:home")).content.decode()  # now in the page cache
    assert "Accessibilité : non conforme" in _footer(home)
    assert "Accessibilité : non conforme" in _footer(admin_client.get(reverse(EDIT)).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(EDIT),
            _form_data(rate="100", non_conformities="", audit_date="2026-12-01", auditor="Access42"),
        )
    assert response.status_code == 302
    statement = AccessibilityStatement.current()
    assert statement.rate == 100 and statement.auditor == "Access42"
    event = AuditEvent.objects.get(action="core.accessibility_statement.updated")
    assert event.actor == administrator
    assert event.details["state"] == "full" and "rate" in event.details["fields"]
    html = client.get(reverse("core:accessibility")).content.decode()
    assert "est <strong>totalement conforme</strong>" in html
    assert "Aucune non-conformité n'est connue à ce jour." in html
    assert "Accessibilité : totalement conforme" in _footer(html)
    assert "Accessibilité : totalement conforme" in _footer(client.get(reverse("directory:home")).content.decode())
    assert "Accessibilité : totalement conforme" in _footer(admin_client.get(reverse(EDIT)).content.decode())


def test_a_staff_page_costs_no_query_for_the_footer_state(admin_client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("people:staff_home")
    assert "Accessibilité : non conforme" in _footer(admin_client.get(url).content.decode())
    with CaptureQueriesContext(connection) as queries:
        html = admin_client.get(url).content.decode()
    assert "Accessibilité : non conforme" in _footer(html)
    assert not [q["sql"] for q in queries if "core_accessibilitystatement" in q["sql"]]


def test_a_rate_is_typed_with_a_decimal_comma(admin_client, db):
    response = admin_client.post(reverse(EDIT), _form_data(rate="87,5", audit_date="2026-12-01"))
    assert response.status_code == 302
    assert AccessibilityStatement.current().rate == Decimal("87.5")
    html = admin_client.get(reverse(EDIT)).content.decode()
    assert 'value="87,5"' in html
    assert "est déclaré partiellement conforme" in html


def test_the_strategy_links_are_shown_on_the_statement(admin_client, client, db):
    response = admin_client.post(
        reverse(EDIT),
        _form_data(multiyear_plan_url="/documents/schema-2026-2028.pdf", action_plan_url="https://valbrenne.fr/plan"),
    )
    assert response.status_code == 302
    strategy = _section(client.get(reverse("core:accessibility")).content.decode(), "Stratégie et actions")
    assert '<a href="/documents/schema-2026-2028.pdf">Schéma pluriannuel de mise en accessibilité</a>' in strategy
    assert '<a href="https://valbrenne.fr/plan">Plan d\'action' in strategy


def test_without_a_statement_the_site_says_it_is_not_conformant(client, db):
    AccessibilityStatement.objects.all().delete()
    html = client.get(reverse("core:accessibility")).content.decode()
    assert "est <strong>non conforme</strong>" in html
    assert "Aucun audit de conformité n'a encore été réalisé" in html
    assert "Accessibilité : non conforme" in _footer(html)
    assert "Défenseur des droits" in html and "02 47 00 00 00" in html


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"rate": "150"}, "rate", "entre 0 et 100"),
        ({"rate": "beaucoup"}, "rate", "Écrivez un nombre entre 0 et 100"),
        ({"rate": "80", "audit_date": ""}, "audit_date", "Indiquez la date de l&#x27;audit"),
        ({"audit_date": "2999-01-01"}, "audit_date", "ne peut pas être dans le futur"),
        ({"audit_date": "hier"}, "audit_date", "Écrivez une date"),
        ({"contact_email": "pas une adresse"}, "contact_email", "Écrivez une adresse électronique"),
        ({"contact_form_url": "javascript:alert(1)"}, "contact_form_url", "commence par https://"),
        ({"contact_form_url": "//evil.example"}, "contact_form_url", "commence par https://"),
        ({"multiyear_plan_url": "//evil.example/plan"}, "multiyear_plan_url", "commence par https://"),
        ({"action_plan_url": "javascript:alert(1)"}, "action_plan_url", "commence par https://"),
        ({"statement_date": "2999-01-01"}, "statement_date", "ne peut pas être dans le futur"),
        (
            {"rate": "100", "audit_date": "2026-12-01", "non_conformities": "9.1 – Un titre manque."},
            "rate",
            "n&#x27;a pas de non-conformité",
        ),
        ({"rate": "87,555", "audit_date": "2026-12-01"}, "rate", "au plus deux chiffres après la virgule"),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_kept(admin_client, overrides, field, message, db):
    before = AccessibilityStatement.current()
    data = _form_data(auditor="Un auditeur patient", **overrides)
    response = admin_client.post(reverse(EDIT), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert message in html
    assert "Un auditeur patient" in html
    assert "<title>Erreur :" in html
    after = AccessibilityStatement.current()
    assert (after.rate, after.auditor) == (before.rate, before.auditor)
    assert not AuditEvent.objects.filter(action="core.accessibility_statement.updated").exists()


def test_the_edit_page_is_404_for_staff_who_are_not_administrators(reception_agent, case_worker, manager, client, db):
    url = reverse(EDIT)
    for user in (reception_agent, case_worker, manager):
        staff = staff_client(user)
        assert staff.get(url).status_code == 404
        assert staff.post(url, _form_data(rate="100")).status_code == 404
    assert client.get(url).status_code == 302  # to the login page
    assert AccessibilityStatement.current().rate is None


def test_the_statement_dates_are_kept_as_typed(admin_client, db):
    admin_client.post(reverse(EDIT), _form_data(statement_date="2026-12-02"))
    assert AccessibilityStatement.current().statement_date == datetime.date(2026, 12, 2)
    html = admin_client.get(reverse(EDIT)).content.decode()
    assert 'value="2026-12-02"' in html
