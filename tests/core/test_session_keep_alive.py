"""A login still ends after the idle time, but browsing does not write the session on every
page: its expiry moves forward once a minute at most (relais/core/sessions.py)."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from relais.accounts.models import User
from relais.core import sessions


@pytest.fixture
def resident_client(db):
    sessions.forget()
    client = Client()
    client.force_login(User.objects.get(email="marie.dupont@example.org"))
    yield client
    sessions.forget()


def _expiry(client) -> datetime.datetime:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


def _age_session(client, seconds: int) -> None:
    """As if the session had last been written `seconds` ago."""
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - seconds)
    )


def test_browsing_moves_the_expiry_forward_once_a_minute_not_at_every_page(resident_client, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(sessions.time, "monotonic", lambda: clock[0])
    resident_client.get("/")
    _age_session(resident_client, 10 * 60)  # idle for 10 minutes
    before = _expiry(resident_client)
    clock[0] += 30
    assert resident_client.get("/").status_code == 200
    assert _expiry(resident_client) == before  # 30 s after the last write: nothing written
    clock[0] += 31
    resident_client.get("/")
    assert _expiry(resident_client) > timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 5)


def test_an_idle_session_still_ends_and_the_resident_is_logged_out(resident_client):
    resident_client.get("/")
    _age_session(resident_client, settings.SESSION_COOKIE_AGE + 1)
    page = resident_client.get("/").content.decode()
    assert "Se connecter" in page and "Se déconnecter" not in page


def test_a_change_of_the_session_is_written_at_once(resident_client, monkeypatch):
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    monkeypatch.setattr(sessions.time, "monotonic", lambda: 1000.0)  # the clock stands still
    resident_client.get("/")
    key = resident_client.cookies[settings.SESSION_COOKIE_NAME].value

    def view(request):
        request.session["remembered"] = "yes"  # e.g. a step of a form kept for the visitor
        return HttpResponse("ok")

    request = RequestFactory().get("/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={key}")
    SessionMiddleware(sessions.SessionKeepAliveMiddleware(view))(request)
    assert Session.objects.get(session_key=key).get_decoded()["remembered"] == "yes"
    response = resident_client.post("/comptes/logout/", follow=True)
    assert "Se déconnecter" not in response.content.decode()
