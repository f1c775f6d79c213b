"""gunicorn's settings for Relais: `gunicorn -c deploy/gunicorn.conf.py relais.wsgi`. Every
value can be changed from the environment (the command line wins over both).

One request at a time per process, taken in the order people came: Python runs one thread
of a process at a time, so threads running pages side by side only share the same core,
and measured here they cost the server more CPU per page (35 % to 45 % more with 4 or 32
threads) and gave the unlucky requests three to five times the wait. A process takes a
new connection only when it has a thread free; the others stay in the kernel's queue
(`backlog`) for whichever process frees up first, so both cores work.

Health checks have a door of their own: `GUNICORN_HEALTH_BIND` (127.0.0.1:8001 by default)
is served by two threads of each process that nothing else uses, so a monitor's
`GET /healthz` never waits behind the visitors (a thousand residents registering for the
same workshop at 8:30 would otherwise hold it for seconds and the load balancer would take
the server out just when it is needed). Point the load balancer's health check at that
address; `/healthz` on the main address still answers, in turn.

    GUNICORN_WORKERS      processes (default 2: one per core of a small server; more cores, more)
    GUNICORN_THREADS      requests a process works on at once (default 1; 2 on PostgreSQL may
                          use the time a page waits for the database server)
    GUNICORN_TIMEOUT      seconds before a stuck worker is restarted (default 30)
    GUNICORN_BIND         address to listen on (default 127.0.0.1:8000, behind the reverse proxy)
    GUNICORN_HEALTH_BIND  address of the health checks (default 127.0.0.1:8001; empty: none)
"""

import os
import selectors
from concurrent import futures

from gunicorn.util import parse_address
from gunicorn.workers.gthread import ThreadWorker

HEALTH_BIND = "127.0.0.1:8001"


class RelaisWorker(ThreadWorker):
    """gunicorn's gthread worker that takes a connection only when a thread is free for it,
    with two threads of its own for the health-check address (see above)."""

    def init_process(self):
        self.express = futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")
        self.busy = 0  # ordinary requests handed to the threads and not finished
        self.listening = set()  # the ordinary listeners the poller watches
        health = os.environ.get("GUNICORN_HEALTH_BIND", HEALTH_BIND)
        address = parse_address(health) if health else None
        self.health_listeners = {s for s in self.sockets if address and s.cfg_addr == address}
        self.health_servers = {s.getsockname() for s in self.health_listeners}
        super().init_process()

    def set_accept_enabled(self, enabled):
        # gunicorn calls this with "below worker_connections"; ordinary listeners are also
        # watched only while a thread is free (`_watch`).
        if enabled == self._accepting:
            return
        for listener in self.health_listeners:
            if enabled:
                listener.setblocking(False)
                self.poller.register(listener, selectors.EVENT_READ, self.accept)
            else:
                self.poller.unregister(listener)
        self._accepting = enabled
        self._watch()

    def _watch(self):
        wanted = self._accepting and self.busy < self.cfg.threads
        for listener in self.sockets:
            if listener in self.health_listeners:
                continue
            if wanted and listener not in self.listening:
                listener.setblocking(False)
                self.poller.register(listener, selectors.EVENT_READ, self.accept)
                self.listening.add(listener)
            elif not wanted and listener in self.listening:
                self.poller.unregister(listener)
                self.listening.discard(listener)

    def accept(self, listener):
        if listener in self.health_listeners:
            # Every waiting check at once: each takes a few milliseconds.
            for _ in range(self.worker_connections):
                before = self.nr_conns
                super().accept(listener)
                if self.nr_conns == before or self.nr_conns >= self.worker_connections:
                    return
            return
        if self.busy < self.cfg.threads:
            super().accept(listener)

    def enqueue_req(self, conn):
        if conn.server in self.health_servers:
            done = self.express.submit(self.handle, conn)
            done.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))
            return
        self.busy += 1
        self._watch()
        done = self.tpool.submit(self.handle, conn)
        done.add_done_callback(lambda fut: self.method_queue.defer(self._finished, conn, fut))

    def _finished(self, conn, fut):
        self.busy -= 1
        self.finish_request(conn, fut)
        self._watch()


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
if os.environ.get("GUNICORN_HEALTH_BIND", HEALTH_BIND):
    bind.append(os.environ.get("GUNICORN_HEALTH_BIND", HEALTH_BIND))
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2))
threads = _int("GUNICORN_THREADS", 1)
worker_class = RelaisWorker
# A thousand residents arriving in the same second wait in the kernel's queue, not refused.
backlog = 2048
worker_connections = 1000
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (a slow leak never grows for ever).
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
