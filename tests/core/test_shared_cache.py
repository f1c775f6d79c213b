"""Without Redis, the default cache is a database table that every app server shares."""

import datetime
import time

import pytest
from django.core.cache import cache, caches
from django.core.checks import run_checks
from django.db import connection
from django.test import override_settings
from django.utils.dateparse import parse_datetime

from relais.core import pagecache, ratelimit
from relais.core.cache import TABLE, DatabaseCache
from relais.directory.models import Procedure

pytestmark = pytest.mark.django_db


def another_server():
    """The default cache as a second app server opens it: its own object on the same table."""
    return DatabaseCache(TABLE, {"OPTIONS": {"MAX_ENTRIES": 100_000}})


def test_the_default_cache_is_the_database_table_made_by_migrate():
    assert isinstance(caches["default"], DatabaseCache)
    assert TABLE in connection.introspection.table_names()


def test_a_counter_is_shared_with_another_server():
    for _ in range(3):
        ratelimit.hit("test:shared", "1.2.3.4", limit=5, window=60)
    other = another_server()
    assert other.get(ratelimit._key("test:shared", "1.2.3.4")) == 3
    assert other.incr(ratelimit._key("test:shared", "1.2.3.4")) == 4
    assert ratelimit.count("test:shared", "1.2.3.4") == 4


def test_counting_keeps_the_window_of_the_first_attempt():
    # Django's own DatabaseCache.incr rewrote the entry with the default 5-minute timeout.
    cache.add("test:window", 0, timeout=3600)
    before = _expires("test:window")
    assert cache.incr("test:window") == 1
    assert cache.incr("test:window", 5) == 6
    assert _expires("test:window") == before
    assert before - time.time() > 3000


def test_counting_a_missing_or_expired_entry_is_refused():
    with pytest.raises(ValueError):
        cache.incr("test:missing")
    cache.set("test:old", 1, timeout=-1)
    with pytest.raises(ValueError):
        cache.incr("test:old")


def test_a_catalogue_change_on_another_server_shows_within_a_second(client, monkeypatch):
    proc = Procedure.objects.get(slug="passeport")
    assert proc.title in client.get(proc.get_absolute_url()).content.decode()  # now in this process's memory
    Procedure.objects.filter(pk=proc.pk).update(title="Passeport : la nouvelle fiche")  # no signal here
    assert "la nouvelle fiche" not in client.get(proc.get_absolute_url()).content.decode()  # still cached
    other = another_server()  # the change was made through another server, which bumped the version
    other.incr("relais:pages:version")
    # A second later, this process reads the shared version again.
    monkeypatch.setitem(pagecache._seen, "at", pagecache._seen["at"] - pagecache.VERSION_TTL)
    assert "la nouvelle fiche" in client.get(proc.get_absolute_url()).content.decode()


def test_a_cached_page_costs_no_query(client, django_assert_num_queries):
    client.get("/lieux/")
    with django_assert_num_queries(0):
        assert client.get("/lieux/").status_code == 200


def _deploy_warnings():
    return [m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("relais.")]


def test_check_deploy_warns_when_the_cache_is_per_process():
    assert "relais.W003" not in _deploy_warnings()
    for backend in ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache"):
        with override_settings(CACHES={"default": {"BACKEND": backend}, "pages": {"BACKEND": backend}}):
            assert "relais.W003" in _deploy_warnings()


def _expires(key):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT expires FROM {TABLE} WHERE cache_key = %s", [cache.make_key(key)])
        value = cursor.fetchone()[0]
    if isinstance(value, str):  # SQLite keeps UTC as text
        value = parse_datetime(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.timestamp()


def test_pages_stay_in_process_memory_but_their_version_is_shared():
    assert not isinstance(caches["pages"], DatabaseCache)
