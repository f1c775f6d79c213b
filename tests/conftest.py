"""Named actors of the demo town, shared by every test module.

The demo town (places, catalogue, teams, staff, residents) is loaded once per test
database; each test runs in a transaction rolled back at its end.
"""

import logging
import os
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from bench.server import free_port
from relais.accounts.models import Membership, Role, Team, User
from relais.core.models import Person
from relais.core.pagecache import forget_version

# Property tests check what is computed, never how fast: Hypothesis' default 200 ms deadline
# per example is a timed assertion that fails on a loaded machine.
hypothesis_settings.register_profile("relais", deadline=None)
hypothesis_settings.load_profile("relais")


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Production settings with two shortcuts for speed: static files read from the
    source tree (no collectstatic run) and a fast password hasher (demo accounts
    included, since they are created under it)."""
    storages = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Each test starts with no cached page and no rate-limit counter.

    The shared cache is a database table: a test that does not use the database cannot
    reach it, so there is nothing to clear for it there.
    """
    uses_db = bool(
        {"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db")
    )
    if uses_db:
        request.getfixturevalue("db")
    for cache in caches.all():
        if uses_db or not isinstance(cache, DatabaseCache):
            cache.clear()
    forget_version()  # this process's copy of the page version, maybe from a rolled-back test


@pytest.fixture(autouse=True)
def _steady_page_version(monkeypatch):
    """This process reads the shared public-content version once per test, not once a second
    (core.pagecache.VERSION_TTL): a page's query count must not depend on how long the test
    took. A test of another server's change moves the clock on itself (test_shared_cache)."""
    from relais.core import pagecache

    monkeypatch.setattr(pagecache, "VERSION_TTL", 3600.0)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in French: a request in English leaves its language active on the
    thread (LocaleMiddleware does not deactivate it), which would leak into the next test."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def django_db_setup(_test_settings, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("demo_load", allow_without_debug=True, stdout=open("/dev/null", "w"))


@pytest.fixture
def throwaway_database_url(tmp_path):
    """A database of its own, for tests where several processes write at once: a SQLite
    file, or a PostgreSQL database beside the suite's when DATABASE_URL points at one (other
    connections must see what is committed, which the suite's test transactions hide)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'throwaway.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"relais_throwaway_{uuid.uuid4().hex[:10]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def staff_client(user: User) -> Client:
    """A browser session of a staff member who logged in with password and second factor."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


@pytest.fixture
def administrator(db):
    return User.objects.get(email="admin@valbrenne.fr")


@pytest.fixture
def reception_agent(db):
    return User.objects.get(email="accueil@valbrenne.fr")


@pytest.fixture
def case_worker(db):
    """A case worker of État civil."""
    return User.objects.get(email="etat-civil@valbrenne.fr")


@pytest.fixture
def other_case_worker(db):
    """A case worker of Urbanisme."""
    return User.objects.get(email="urbanisme@valbrenne.fr")


@pytest.fixture
def advisor(db):
    return User.objects.get(email="conseiller@valbrenne.fr")


@pytest.fixture
def moderator(db):
    return User.objects.get(email="moderation@valbrenne.fr")


@pytest.fixture
def manager(db):
    return User.objects.get(email="responsable@valbrenne.fr")


@pytest.fixture
def unenrolled_agent(db):
    """A reception agent who has not set up a second factor yet."""
    return User.objects.get(email="nouvel.agent@valbrenne.fr")


@pytest.fixture
def resident_with_email(db):
    return Person.objects.get(email="marie.dupont@example.org")


@pytest.fixture
def resident_by_letter(db):
    """No e-mail, no phone: the town writes to her."""
    return Person.objects.get(first_name="Jeanne", last_name="Martin")


@pytest.fixture
def reception_client(reception_agent):
    return staff_client(reception_agent)


@pytest.fixture
def admin_client(administrator):  # noqa: F811 - replaces pytest-django's admin_client on purpose
    return staff_client(administrator)


def make_member(email: str, team_slug: str, role: str) -> User:
    """A staff member of a team, with a second factor enrolled (use `staff_client` to log in)."""
    from allauth.mfa.totp.internal.auth import TOTP

    from relais.accounts.demo import DEMO_TOTP_SECRET

    user = User.objects.create_user(email=email, password="x" * 12)
    Membership.objects.create(user=user, team=Team.objects.get(slug=team_slug), role=role)
    TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


__all__ = ["Role", "free_port", "make_member", "staff_client"]


@pytest.fixture
def quiet_request_log():
    """Silence Django's request and security loggers (tests that expect many refusals)."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
