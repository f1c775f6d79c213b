"""`relais db_worker`: django-tasks' database worker, which also heals itself.

The same command and options as django-tasks-db's `db_worker` (this app comes first in
INSTALLED_APPS, so this one is run). Between tasks it writes its heartbeat, sends the
messages whose task was lost or whose worker died mid-send, and runs again the tasks a
dead worker left "running" (see `relais.notifications.worker`).
"""

import logging
import os
import time

from django.core.management.base import CommandError
from django.db import close_old_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as base

from relais.notifications import worker as healing

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 15  # how often the worker looks for lost sends and stuck tasks


class HealingWorker(base.Worker):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.wanted_batch, self.wanted_max_tasks = self.batch, self.max_tasks
        self.last_sweep = 0.0

    def housekeeping(self) -> None:
        close_old_connections()
        try:
            if time.monotonic() - self.last_sweep >= SWEEP_SECONDS:
                self.last_sweep = time.monotonic()
                healing.housekeeping(self.worker_id)
            else:
                healing.beat(self.worker_id)
        except Exception:  # a busy or briefly unreachable database must not stop the worker
            logger.exception("worker housekeeping failed")

    def run(self) -> None:
        done = 0
        # The parent loop runs one task (or finds none), then hands back for housekeeping.
        self.batch, self.max_tasks = True, 1
        while self.running:
            self.housekeeping()
            self._run_tasks = 0
            super().run()
            self.startup_delay = False
            done += self._run_tasks
            if self.wanted_max_tasks is not None and done >= self.wanted_max_tasks:
                return
            if not self._run_tasks:
                if self.wanted_batch:
                    return
                if self.running:
                    time.sleep(self.interval)


class Command(base.Command):
    help = "Run the background worker (tasks, outbox safety net, heartbeat, recovery of stuck tasks)."

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = HealingWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
