"""Sessions end after SESSION_COOKIE_AGE of inactivity, without a write on every request.

Django's SESSION_SAVE_EVERY_REQUEST moves a session's expiry forward by writing the session
on every request of a logged-in visitor: an UPDATE and a commit per page (on SQLite, the
database's one write lock, taken by every page view of every resident and agent). Here a
process writes the session again only when it has not done so for REFRESH seconds: the
expiry stored is then never more than REFRESH seconds behind the exact "last request plus
the idle time". A session thus ends between SESSION_COOKIE_AGE - REFRESH and
SESSION_COOKIE_AGE after the last request (29 to 30 minutes by default): never later than
asked, which is what matters on a shared computer. A session whose data changed (a login,
a message, a form step) is written at once, as always.

Without Redis, sessions live in their table (SESSION_ENGINE "relais.core.sessions"):
Django's database sessions, read with one plain SQL statement instead of a model query
(building the query cost ten times running it, on every page of a logged-in visitor).
"""

from __future__ import annotations

import time

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

REFRESH = 60.0  # seconds
_MAX_REMEMBERED = 20_000
_refreshed: dict[str, float] = {}


def forget() -> None:
    """Forget when sessions were written by this process (tests)."""
    _refreshed.clear()


class SessionKeepAliveMiddleware:
    """After Django's SessionMiddleware (SESSION_SAVE_EVERY_REQUEST off): marks the session
    modified, so that it is written and its expiry moves forward, when this process has not
    written it for REFRESH seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # As SESSION_SAVE_EVERY_REQUEST: no empty session is created, no error page saves it.
        if session is None or session.is_empty() or response.status_code >= 500:
            return response
        key = session.session_key
        now = time.monotonic()
        if session.modified or now - _refreshed.get(key, -REFRESH) >= REFRESH:
            session.modified = True
            if len(_refreshed) >= _MAX_REMEMBERED:
                _refreshed.clear()  # then every session is written once more
            _refreshed[key] = now
        return response


class SessionStore(db.SessionStore):
    """Django's database sessions; `load` reads the row with plain SQL (same statement)."""

    def load(self):
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django: a new session gets a new key
            return {}
        return self.decode(row[0])
