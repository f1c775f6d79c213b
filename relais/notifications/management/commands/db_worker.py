"""`relais db_worker`: django-tasks' database worker, which also heals itself.

The same command and options as django-tasks-db's `db_worker` (this app comes first in
INSTALLED_APPS, so this one is run). Between tasks it writes its heartbeat, sends the
messages whose task was lost or whose worker died mid-send, and runs again the tasks a
dead worker left "running" (see `relais.notifications.worker`).
"""

import logging
import os
import random
import time

from django.core.management.base import CommandError
from django.db import close_old_connections
from django.db.utils import OperationalError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as base
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from relais.notifications import worker as healing

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 15  # how often the worker looks for lost sends and stuck tasks


class HealingWorker(base.Worker):
    """django-tasks-db's worker loop (0.13.0, pinned), with `housekeeping` at every turn."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.last_sweep = 0.0

    def housekeeping(self) -> None:
        try:
            if time.monotonic() - self.last_sweep >= SWEEP_SECONDS:
                self.last_sweep = time.monotonic()
                healing.housekeeping(self.worker_id)
            else:
                healing.turn(self.worker_id)
        except Exception:  # a busy or briefly unreachable database must not stop the worker
            logger.exception("worker housekeeping failed")

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads the workers' start, not security
        while self.running:
            close_old_connections()
            self.housekeeping()
            tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
            if not self.process_all_queues:
                tasks = tasks.filter(queue_name__in=self.queue_names)
            if self.excluded_queue_names:
                tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
            with exclusive_transaction(tasks.db):
                try:
                    task_result = tasks.get_locked()
                    retrieved = True
                    if task_result is not None:
                        task_result.claim(self.worker_id)
                except OperationalError as error:
                    retrieved = False
                    if not is_locked_database_exception(error):
                        raise
                    task_result = None
            if task_result is not None:
                self.run_task(task_result)
            if self.batch and retrieved and task_result is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and not task_result:
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
