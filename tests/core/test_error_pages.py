"""The town's own "page not found", "access refused" and "error" pages, everywhere.

Every URL pattern asked with arguments that name nothing (a bogus id, slug, reference,
token) answers the town's 404 page: status 404, the town's name and phone, a way back, and
never Django's bare English "Not Found". The 500 page needs no database and no context
processor: it is rendered from the settings alone.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from relais.accounts.models import User
from relais.core.views import not_found_hint, server_error
from tests.conftest import staff_client
from tests.routes import RESIDENT_EMAIL, all_routes

BOGUS = {
    "int": "987654321",
    "slug": "nexiste-pas",
    "str": "2026-99999",
    "uuid": str(uuid.UUID(int=7)),
    "path": "nexiste/pas",
}
# Routes whose bogus argument is not a lookup (a language, a token checked elsewhere) and
# that do not answer 404, with why.
NOT_A_LOOKUP = {
    "account_confirm_email": "allauth: an unknown key shows its own 'link expired' page",
    "account_reset_password_from_key": "allauth: an unknown key shows its own 'link expired' page",
    "core:access_detail": "an unknown code shows the code page again, with the error beside the field (404)",
    "mfa_remove_webauthn": "allauth asks to log in again before it looks the key up",
    "mfa_edit_webauthn": "allauth asks to log in again before it looks the key up",
    "cases:lookup_track": "without this session's grant, any reference goes back to /suivi/, typed in (no oracle)",
    "cases:device_hint": "an image: the same transparent GIF for any address, nothing stored (cases.funnel)",
}

# Routes of a machine protocol: their 404 is the protocol's own error document (JSON or
# XML, in French), which a client library reads; never Django's bare page either.
MACHINE_404 = {
    "open311_service": "Open311 GeoReport v2: [{code: 404, description}] (relais.api.open311)",
    "open311_request": "Open311 GeoReport v2",
    "open311_token": "Open311 GeoReport v2",
    "open311_services": "Open311 GeoReport v2 (an unknown format)",
    "open311_requests": "Open311 GeoReport v2 (an unknown format)",
}


def _is_machine_404(response) -> bool:
    import json

    if response.status_code != 404 or not response["Content-Type"].startswith("application/json"):
        return False
    errors = json.loads(response.content)
    return errors[0]["code"] == 404 and bool(errors[0]["description"]) and "Not Found" not in response.content.decode()


def _visitors() -> dict[str, Client]:
    visitors = {"anonymous": Client()}
    resident = Client()
    resident.force_login(User.objects.get(email=RESIDENT_EMAIL))
    visitors["resident"] = resident
    for email in ("admin@valbrenne.fr", "etat-civil@valbrenne.fr", "accueil@valbrenne.fr", "conseiller@valbrenne.fr",
                  "responsable@valbrenne.fr", "moderation@valbrenne.fr"):  # fmt: skip
        visitors[email] = staff_client(User.objects.get(email=email))
    return visitors


def _is_town_404(response) -> bool:
    html = response.content.decode()
    return (
        response.status_code == 404
        and settings.RELAIS["TOWN_NAME"] in html
        and settings.RELAIS["TOWN_PHONE"] in html
        and "Not Found" not in html
        and "<h1>Not Found</h1>" not in html
    )


def test_every_url_pattern_with_a_bogus_argument_gives_the_towns_404(db):
    assert not settings.DEBUG
    visitors = _visitors()
    bare, never_404 = {}, []
    for route in all_routes():
        if not route.params or route.name in NOT_A_LOOKUP:
            continue
        url = route.template % {p: BOGUS.get(route.converters[p], "nexiste-pas") for p in route.params}
        found = False
        for who, client in visitors.items():
            response = client.get(url)
            if response.status_code == 405:  # a button's action: posted
                response = client.post(url)
            if response.status_code == 404:
                found = True
                if not (_is_machine_404(response) if route.name in MACHINE_404 else _is_town_404(response)):
                    bare[url] = who
        if not found:
            never_404.append(route.name)
    assert bare == {}, f"404 pages that are not the town's: {bare}"
    assert never_404 == [], f"routes whose bogus argument is not a 404 for anyone: {never_404}"


def test_an_unknown_address_is_the_towns_page_with_a_way_back(client, db):
    response = client.get("/cette-page-nexiste-pas/")
    html = response.content.decode()
    assert _is_town_404(response)
    assert "Page introuvable" in html and 'href="/suivi/"' in html and 'href="/"' in html
    assert 'lang="fr"' in html


def test_the_404_of_a_staff_page_is_in_english_for_an_agent_who_chose_english(case_worker):
    client = staff_client(case_worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/gestion/dossiers/2026-99999/")
    assert _is_town_404(response) and 'lang="en"' in response.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "Page introuvable" in client.get("/gestion/dossiers/2026-99999/").content.decode()


def test_a_mistyped_tracking_link_suggests_following_the_request_by_its_reference(client, db):
    html = client.get("/suivi/2026-0042/abc/").content.decode()
    assert 'href="/suivi/?reference=2026-00042"' in html


def test_a_staff_path_with_a_reference_suggests_the_queue_search(case_worker):
    response = staff_client(case_worker).get("/gestion/dossiers/2026-99999/")
    assert _is_town_404(response)
    assert "/gestion/dossiers/?onglet=toutes&amp;q=2026-99999" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "hint"),
    [
        ("/suivi/2026-00123/x/", {"reference": "2026-00123"}),
        ("/2026%20OO123", {"reference": "2026-00123"}),
        ("/code/4821%207730%209512/", {"code": "482177309512"}),
        ("/demandes/inscription-scolaire/", {}),
        ("/gestion/personnes/12345/", {}),
    ],
)
def test_the_hint_reads_a_reference_or_a_code_in_the_address(path, hint):
    assert not_found_hint(path) == hint


def test_the_500_page_needs_no_database_and_no_context_processor():
    # No `db` fixture: any query would fail this test.
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert settings.RELAIS["TOWN_NAME"] in html and settings.RELAIS["TOWN_PHONE"] in html
    assert 'href="/suivi/"' in html and "Server Error" not in html
    # Its only style is allowed by its hash: the page shows as designed under the CSP.
    assert "style-src 'sha256-" in response["Content-Security-Policy"]


@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("en", "ltr"), ("ar", "rtl")])
def test_the_500_page_says_its_language_and_direction(language, direction):
    from django.utils import translation

    with translation.override(language):
        html = server_error(RequestFactory().get("/")).content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html


def _broken(request):
    raise RuntimeError("boom")


urlpatterns = [path("casse/", _broken)]
handler500 = "relais.core.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_an_exception_in_a_view_gives_the_towns_500_page(db):
    response = Client(raise_request_exception=False).get("/casse/")
    assert response.status_code == 500 and settings.RELAIS["TOWN_NAME"] in response.content.decode()


def test_a_form_refused_for_its_missing_security_token_gets_the_towns_page(db):
    response = Client(enforce_csrf_checks=True).post("/suivi/", {"reference": "2026-00001", "detail": "1984"})
    html = response.content.decode()
    assert response.status_code == 403
    assert settings.RELAIS["TOWN_NAME"] in html and "pas pu être envoyé" in html
    assert "Forbidden" not in html and "CSRF" not in html


def test_a_permission_refusal_gets_the_towns_403_page(rf, db):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403 and "Accès refusé" in response.content.decode()
