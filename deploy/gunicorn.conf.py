"""gunicorn's settings for Relais: `gunicorn -c deploy/gunicorn.conf.py relais.wsgi`. Every
value can be changed from the environment (the command line wins over both).

Threaded workers (gthread): a request that waits (a seat lock during a registration rush,
the database, a slow client) holds a thread, not a whole process, so /healthz and the
other pages keep being answered by the free threads while hundreds queue on one workshop.
Relais's code is thread-safe (Django is; no module-level state changes per request).

/healthz has an express lane: a threaded worker hands every request to its threads in the
order they came, so a monitor's check sent during a rush would wait behind a thousand
registrations and the load balancer would take the server out just when it is needed.
`RelaisWorker` looks at the first bytes of each new request (without reading them) and
gives the health checks two threads of their own; everything else queues as before.

    GUNICORN_WORKERS   processes (default 2: one per core of a small server; more cores, more)
    GUNICORN_THREADS   threads per process (default 32; 1 = classic sync workers)
    GUNICORN_TIMEOUT   seconds before a stuck worker is restarted (default 30)
    GUNICORN_BIND      address to listen on (default 127.0.0.1:8000, behind the reverse proxy)
"""

import os
import selectors
import socket
import time
from concurrent import futures
from functools import partial

from gunicorn.workers.gthread import ThreadWorker

HEALTH_CHECK = b"GET /healthz"


class RelaisWorker(ThreadWorker):
    """gunicorn's gthread worker, with an express lane for /healthz (see above)."""

    def init_process(self):
        self.express = futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")
        super().init_process()

    def accept(self, listener):
        # Take every connection the kernel holds (up to the limit), not one per turn of the
        # loop: during a rush the loop shares the interpreter with busy threads, and a
        # health check queued in the kernel behind a thousand connections would wait there.
        for _ in range(self.worker_connections):
            before = self.nr_conns
            if before >= self.worker_connections:
                return
            super().accept(listener)
            if self.nr_conns == before:
                return  # nothing more waiting

    def enqueue_req(self, conn):
        try:
            head = conn.sock.recv(len(HEALTH_CHECK), socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            if conn.initialized or conn.data_ready:
                return super().enqueue_req(conn)
            # Nothing sent yet: wait for the first bytes on the poller, without a thread,
            # as gthread does for a slow client; it comes back here once they are there.
            conn.timeout = time.monotonic() + self.cfg.keepalive
            self.pending_conns.append(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))
            return None
        except Exception:  # noqa: BLE001 - TLS, a closed socket: the ordinary lane decides
            head = b""
        if head != HEALTH_CHECK:
            return super().enqueue_req(conn)
        done = self.express.submit(self.handle, conn)
        done.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))
        return None


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2))
threads = _int("GUNICORN_THREADS", 32)
worker_class = RelaisWorker if threads > 1 else "sync"
# A thousand residents arriving in the same second wait in the kernel's queue, not refused.
backlog = 2048
worker_connections = 1000
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (a slow leak never grows for ever).
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
