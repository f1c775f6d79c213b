"""Relais and the test provider served over HTTP from a thread, inside the test's transaction.

pytest-django's `live_server` needs committed data and empties the database after each test,
which the append-only journal refuses. This server thread uses the test's own database
connection instead (as Django's LiveServerTestCase does for an in-memory SQLite database, here
for any database): it sees what the test wrote, and everything is rolled back at the end.
Requests are handled one after another, so the connection is never used by two at once: the
callback waits on the provider's token endpoint, but holds no transaction while it waits.
"""

from __future__ import annotations

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler


class _Server(ThreadedWSGIServer):
    def _close_connections(self):
        pass  # the connection is the test's: it stays open until the test ends


class _Thread(LiveServerThread):
    server_class = _Server

    def run(self):
        for alias, conn in self.connections_override.items():
            connections[alias] = conn
        try:
            self.httpd = self.server_class(
                (self.host, self.port),
                QuietWSGIRequestHandler,
                allow_reuse_address=False,
                connections_override=self.connections_override,
            )
            self.port = self.httpd.server_address[1]
            self.httpd.set_app(WSGIHandler())
            self.is_ready.set()
            self.httpd.serve_forever()
        except Exception as error:  # noqa: BLE001 - reported to the test below
            self.error = error
            self.is_ready.set()


@pytest.fixture
def live_relais(db):
    """The base URL (http://localhost:PORT) of a server answering with the test's data."""
    conn = connections["default"]
    # Django closes "old" connections around each request (the test Client's own requests
    # put that back): inside the test's transaction that would close it, on PostgreSQL.
    conn.close_if_unusable_or_obsolete = lambda: None
    conn.inc_thread_sharing()
    thread = _Thread("localhost", None, connections_override={"default": conn}, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://localhost:{thread.port}"
    finally:
        thread.httpd.shutdown()
        thread.httpd.server_close()
        thread.join()
        conn.dec_thread_sharing()
        del conn.close_if_unusable_or_obsolete
