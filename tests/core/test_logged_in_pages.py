"""Pages of a logged-in visitor: rendered for them, around parts kept rendered for everyone
(relais/core/templatetags/public_cache.py, pagecache.remember). A change made through Relais
shows at once, seats are never stale, and nothing personal is ever shared."""

import datetime
import re

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from relais.accounts.models import User
from relais.core.models import Person
from relais.directory.models import Procedure
from relais.mediation.models import DropIn, Workshop
from tests.mediation.conftest import make_dropin, make_workshop

PAGES = ["/", "/recherche/?q=carte+grise", "/fiches/carte-identite/", "/lieux/", "/entraide/", "/aide-numerique/"]


def _client(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


@pytest.fixture
def marie(db):
    return _client("marie.dupont@example.org")


@pytest.fixture
def someone_else(db):
    user = User.objects.create_user(email="paul.voisin@example.org", password="x" * 12, full_name="Paul Voisin")
    Person.objects.create(first_name="Paul", last_name="VOISIN", email=user.email, user=user)
    client = Client()
    client.force_login(user)
    return client


def _token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_each_logged_in_visitor_gets_their_own_name_and_token_on_every_page(marie, someone_else):
    for path in PAGES:
        first = marie.get(path).content.decode()
        second = someone_else.get(path).content.decode()
        assert "Marie" in first and "Paul" not in first.split("<main")[0], path
        assert "Paul" in second.split("<main")[0] and "Marie" not in second.split("<main")[0], path
        assert _token(first) != _token(second)
        assert "Se déconnecter" in first and "Se connecter</a>" not in first


def test_an_editors_change_shows_at_once_to_a_logged_in_resident(marie, django_capture_on_commit_callbacks):
    assert "Un résumé tout neuf" not in marie.get("/fiches/carte-identite/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        procedure = Procedure.objects.get(slug="carte-identite")
        procedure.summary = "Un résumé tout neuf pour vérifier le cache."
        procedure.save()
    assert "Un résumé tout neuf pour vérifier le cache." in marie.get("/fiches/carte-identite/").content.decode()


def test_a_new_drop_in_session_shows_at_once_on_get_help(marie, django_capture_on_commit_callbacks):
    marie.get("/aide-numerique/")
    with django_capture_on_commit_callbacks(execute=True):
        make_dropin(booking="walk_in", title="Permanence des tests de cache", rrule="FREQ=DAILY")
    assert "Permanence des tests de cache" in marie.get("/aide-numerique/").content.decode()


def test_seats_taken_show_at_once_without_any_edit(marie, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workshop = make_workshop(capacity=5, days=1)
    assert "5 places libres" in marie.get("/aide-numerique/").content.decode()
    # A registration takes a seat with a conditional UPDATE: no signal, no new version.
    Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=F("confirmed_count") + 1)
    assert "4 places libres" in marie.get("/aide-numerique/").content.decode()
    api = Client().get("/api/v1/workshops").json()
    assert next(w for w in api["items"] if w["slug"] == workshop.slug)["free_seats"] == 4
    Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=F("confirmed_count") + 1)
    api = Client().get("/api/v1/workshops").json()
    assert next(w for w in api["items"] if w["slug"] == workshop.slug)["free_seats"] == 3


def test_registrations_opening_show_in_the_api_when_they_open(db, django_capture_on_commit_callbacks, monkeypatch):
    opens = timezone.now() + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        workshop = make_workshop(capacity=5, days=3, opens=opens)

    def state():
        return next(w for w in Client().get("/api/v1/workshops").json()["items"] if w["slug"] == workshop.slug)

    assert state()["registration"] == "not_yet"
    # The opening moment passes (no edit, no new version): the kept answer is not served.
    later = opens + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert state()["registration"] == "open"


def test_a_resident_never_sees_on_the_board_what_their_blocks_hide(marie, someone_else):
    from relais.mutualaid.models import Block, Listing

    listing = Listing.objects.visible_on_board().select_related("posted_by").first()
    assert listing is not None, "the demo board has listings"
    title = listing.title
    assert title in someone_else.get("/entraide/").content.decode()  # kept rendered for everyone
    marie_person = Person.objects.get(email="marie.dupont@example.org")
    Block.objects.create(blocker=marie_person, blocked=listing.posted_by)
    assert title not in marie.get("/entraide/").content.decode()
    assert title in someone_else.get("/entraide/").content.decode()


def test_a_part_holding_a_csrf_token_is_never_kept(rf, db):
    from django.middleware.csrf import get_token
    from django.template import engines

    from relais.core.templatetags.public_cache import CSRF_FIELD

    template = engines["django"].from_string(
        '{% load public_cache %}{% public_cache "form" %}<form>{% csrf_token %}</form>{% endpublic_cache %}'
    )
    first, second = rf.get("/"), rf.get("/")
    get_token(first), get_token(second)
    one, two = template.render({}, first), template.render({}, second)
    assert CSRF_FIELD in one and one != two


def test_drop_in_rules_are_expanded_once_and_a_changed_rule_is_a_new_expansion(db):
    from relais.mediation.models import expand_rule

    expand_rule.cache_clear()
    dropin = make_dropin(booking="walk_in", rrule="FREQ=WEEKLY;BYDAY=MO")
    start = timezone.now()
    mondays = dropin.occurrences(start, start + datetime.timedelta(days=28))
    again = dropin.occurrences(start, start + datetime.timedelta(days=28))
    assert mondays == again and expand_rule.cache_info().hits >= 1
    dropin.rrule = "FREQ=WEEKLY;BYDAY=MO,TU"
    assert len(dropin.occurrences(start, start + datetime.timedelta(days=28))) > len(mondays)
    assert DropIn.objects.filter(pk=dropin.pk).exists()
