"""gunicorn's settings for Relais: `gunicorn -c deploy/gunicorn.conf.py relais.wsgi`. Every
value can be changed from the environment (the command line wins over both).

One request at a time per process, taken in the order people came (gunicorn's sync
worker): Python runs one thread of a process at a time, so threads running pages side by
side only share the same core; measured here, 4 or 32 threads per process cost the server
35 % to 55 % more CPU per page and gave the unlucky requests several times the wait. A
process takes a connection only when it is free to serve it: the others stay in the
kernel's queue (`backlog`) for whichever process frees up first, so every core works and
nobody is overtaken. Behind the reverse proxy, each request is its own connection.

Health checks have a door of their own: `GUNICORN_HEALTH_BIND` (127.0.0.1:8001 by default)
is served by a thread of each process that nothing else uses, so a monitor's `GET /healthz`
never waits behind the visitors (a thousand residents registering for the same workshop at
8:30 would otherwise hold it for seconds, and the load balancer would take the server out
just when it is needed). That address answers `/healthz` and `/healthz/deep` only (404 for
anything else: pages are served through the reverse proxy alone); keep it on the loopback or
a private network, and send the site's name as `Host` (one of `ALLOWED_HOSTS`).
`/healthz` on the main address answers too, in turn.

A long request (an export of 100,000 requests takes tens of seconds) keeps its worker's
heartbeat for up to `GUNICORN_MAX_REQUEST_SECONDS`: past that, or when the process stops
running, the master replaces the worker after `GUNICORN_TIMEOUT` seconds.

Relais is loaded once, in the master (`preload_app`): after an upgrade, restart the service
(or USR2 then QUIT the old master); a HUP would start new workers on the old code.

    GUNICORN_WORKERS      processes (default 2: one per core of a small server; more cores,
                          more)
    GUNICORN_TIMEOUT      seconds without a heartbeat before a worker is replaced (default 30)
    GUNICORN_MAX_REQUEST_SECONDS  longest request a worker is given (default 300)
    GUNICORN_BIND         address to listen on (default 127.0.0.1:8000, behind the reverse proxy)
    GUNICORN_HEALTH_BIND  address of the health checks (default 127.0.0.1:8001; empty: none)
"""

import os
import select
import threading
import time

from gunicorn import util
from gunicorn.util import parse_address
from gunicorn.workers.sync import SyncWorker

HEALTH_BIND = "127.0.0.1:8001"


HEALTH_PATHS = ("/healthz", "/healthz/deep")


class RelaisWorker(SyncWorker):
    """gunicorn's sync worker with two threads of its own: one serves the health-check
    address, one tells the master the process is alive while a long request runs (the sync
    worker alone beats only between requests, and an export would be cut at `timeout`)."""

    def run(self):
        health = os.environ.get("GUNICORN_HEALTH_BIND", HEALTH_BIND)
        address = parse_address(health) if health else None
        # By host and port: a socket handed over by a re-exec reports its address as bound
        # (an IPv6 address with two more fields).
        self.health_sockets = [s for s in self.sockets if address and tuple(s.cfg_addr)[:2] == tuple(address)[:2]]
        self.sockets = [s for s in self.sockets if s not in self.health_sockets]
        self.wait_fds = [*self.sockets, self.PIPE[0]]
        self.request_started = None  # monotonic time of the request the worker is serving
        self.longest = _int("GUNICORN_MAX_REQUEST_SECONDS", 300)
        threading.Thread(target=self.beat, name="heartbeat", daemon=True).start()
        if self.health_sockets:
            threading.Thread(target=self.serve_health_checks, name="healthz", daemon=True).start()
        super().run()

    def handle_request(self, listener, req, client, addr):
        if listener in self.health_sockets:
            if req.path not in HEALTH_PATHS:
                util.write_error(client, 404, "Not Found", "")
                return
            self.nr -= 1  # health checks do not count towards max_requests
            super().handle_request(listener, req, client, addr)
            return
        self.request_started = time.monotonic()
        try:
            super().handle_request(listener, req, client, addr)
        finally:
            self.request_started = None

    def beat(self):
        while self.alive:
            started = self.request_started
            if started is None or time.monotonic() - started < self.longest:
                try:
                    self.notify()
                except OSError:  # the worker is exiting: its heartbeat file is gone
                    return
            time.sleep(1.0)

    def serve_health_checks(self):
        for listener in self.health_sockets:
            listener.setblocking(False)
        while self.alive:
            try:
                ready, _w, _x = select.select(self.health_sockets, [], [], 1.0)
            except (OSError, ValueError):  # the worker is closing its sockets
                return
            for listener in ready:
                try:
                    client, addr = listener.accept()
                except OSError:
                    continue  # another process took it
                client.setblocking(True)
                client.settimeout(5)  # a check that does not send its request lets go
                util.close_on_exec(client)
                self.handle(listener, client, addr)


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
if os.environ.get("GUNICORN_HEALTH_BIND", HEALTH_BIND):
    bind.append(os.environ.get("GUNICORN_HEALTH_BIND", HEALTH_BIND))
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2))
worker_class = RelaisWorker
# A thousand residents arriving in the same second wait in the kernel's queue, not refused.
backlog = 2048
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
# A worker is replaced after this many requests (a slow leak never grows for ever; health
# checks do not count).
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
# Relais is loaded once, in the master process, and each worker is a copy of it: a worker
# replaced after its requests starts in milliseconds instead of the ~0.7 s of loading Django,
# the apps and the templates again, during which its share of the visitors waited.
preload_app = True


def when_ready(server):
    """Before the workers are copied from the master: nothing it opened while loading (a
    database connection, a cache client) may be shared by two processes."""
    from django.core.cache import close_caches
    from django.db import connections

    connections.close_all()
    close_caches()
