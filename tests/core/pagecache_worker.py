"""Readers and a writer at once on a real database (the suite's test transaction would hide
the writer's commit). The shared cache is kept in memory, outside the database, as Redis is
in production: a version bumped there before the commit is seen by readers at once.

For each change (a moderator hides a listing, an administrator renames a procedure): the
page is cached; the change is written but not committed; four readers load the page in that
window (they see the old data); the change commits; four readers load the page again. Prints
JSON: for each change, how many readers after the commit still got the old page."""

import json
import os
import threading

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from relais.accounts.models import User  # noqa: E402
from relais.directory.models import Procedure  # noqa: E402
from relais.mutualaid.models import Listing  # noqa: E402
from relais.mutualaid.services import moderation as moderation_services  # noqa: E402

READERS = 4


def _read_at_once(url: str, text: str) -> list[bool]:
    """Whether each of READERS concurrent anonymous visitors sees `text` on `url`."""
    seen, start = [None] * READERS, threading.Barrier(READERS)

    def read(i):
        start.wait()
        try:
            seen[i] = text in Client().get(url).content.decode()
        except Exception as error:  # reported, not raised in a thread
            seen[i] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(i,)) for i in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return seen


def _window(change, url: str, old_text: str) -> dict:
    before = _read_at_once(url, old_text)  # caches the page
    written, read_in_window = threading.Event(), threading.Event()
    errors = []

    def writer():
        try:
            with transaction.atomic():
                change()
                written.set()
                read_in_window.wait(timeout=60)
        except Exception as error:  # reported, not raised in a thread
            errors.append(repr(error))
            written.set()
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    written.wait(timeout=60)
    in_window = _read_at_once(url, old_text)
    read_in_window.set()
    thread.join(timeout=60)
    after = _read_at_once(url, old_text)
    return {"before": before, "in_window": in_window, "after": after, "errors": errors}


def main() -> dict:
    call_command("migrate", verbosity=0)
    call_command("demo_load", allow_without_debug=True, stdout=open(os.devnull, "w"))
    moderator = User.objects.get(email="moderation@valbrenne.fr")
    listing = Listing.objects.filter(status="published").order_by("pk").first()
    procedure = Procedure.objects.get(slug="passeport")
    old_title = procedure.title

    def hide():
        moderation_services.listing_moderate(listing=listing, action="hide", reason="Signalé.", actor=moderator)

    def rename():
        procedure.title = "Passeport : le nouveau titre"
        procedure.save()

    return {
        "listing": _window(hide, reverse("mutualaid:board"), listing.title),
        "procedure": _window(rename, procedure.get_absolute_url(), old_title),
    }


if __name__ == "__main__":
    from django.conf import settings

    memory = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    with override_settings(
        CACHES={"default": {**memory, "LOCATION": "shared"}, "pages": {**memory, "LOCATION": "pages"}},
        # As in the suite: static files read from the source tree, a fast hasher for the demo.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        print(json.dumps(main()))
