"""What the background worker does between tasks, so that it heals itself.

`relais db_worker` (this app's version of django-tasks' command) calls `housekeeping` at
every turn of its loop:

- it writes its heartbeat (read by /healthz/deep: a monitor sees a dead worker);
- it writes the messages queued by `notify_later` (their text, their calendar file), at
  every turn rather than every sweep: a resident's confirmation leaves seconds after the
  registration commits (`turn`);
- it sends the due messages whose task was lost, including one whose worker was killed
  mid-send, once that send's lease has run out (`OUTBOX_LEASE_SECONDS`);
- it tells the apps above (`worker_turn`: the webhooks send their due deliveries whose
  task was lost);
- it runs again the tasks left "running" by a worker that stopped beating
  (`TASKS_STUCK_AFTER_MINUTES`): tasks are idempotent, and a send keeps its Message-ID.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket

from django.conf import settings
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from relais.notifications.models import Message, MessageStatus, WorkerHeartbeat
from relais.notifications.services import messages_write, process_due

logger = logging.getLogger(__name__)


# Sent at every turn of housekeeping; a receiver returns a dict of counts. The apps above
# this one (api: webhooks) do their own sweeps through it.
worker_turn = Signal()

HEARTBEATS_KEPT = datetime.timedelta(days=7)  # each start has a new worker id: forget old ones


def beat(worker_id: str, *, now: datetime.datetime | None = None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"beat_at": now or timezone.now(), "host": socket.gethostname()[:200], "pid": os.getpid()},
    )


def turn(worker_id: str, *, now: datetime.datetime | None = None) -> int:
    """What the worker does at every turn of its loop: its heartbeat, then the messages
    waiting to be written (`notify_later`). Returns how many were written."""
    beat(worker_id, now=now)
    return messages_write(limit=100)


def tasks_recover_stuck(*, now: datetime.datetime | None = None) -> int:
    """Put back in the queue the tasks marked running whose worker has been silent for
    `TASKS_STUCK_AFTER_MINUTES` (killed, machine lost). Returns how many."""
    now = now or timezone.now()
    silent_since = now - datetime.timedelta(minutes=settings.TASKS_STUCK_AFTER_MINUTES)
    alive = set(WorkerHeartbeat.objects.filter(beat_at__gt=silent_since).values_list("worker_id", flat=True))
    stuck = [
        task.pk
        for task in DBTaskResult.objects.running().filter(Q(started_at__lte=silent_since) | Q(started_at=None))
        if not (set(task.worker_ids[-1:]) & alive)
    ]
    if stuck:
        # READY again: the next free worker claims it as if it had just been enqueued.
        DBTaskResult.objects.filter(pk__in=stuck, status="RUNNING").update(
            status="READY", started_at=None, run_after=now
        )
        logger.warning("recovered %s task(s) left running by a dead worker", len(stuck))
    return len(stuck)


def housekeeping(worker_id: str, *, now: datetime.datetime | None = None) -> dict[str, int]:
    """One turn of the worker's own checks (see the module docstring)."""
    beat(worker_id, now=now)
    WorkerHeartbeat.objects.filter(beat_at__lt=(now or timezone.now()) - HEARTBEATS_KEPT).delete()
    counts = {"recovered": tasks_recover_stuck(now=now)}
    counts.update(process_due(limit=50))
    for _receiver, result in worker_turn.send_robust(sender=None, now=now):
        if isinstance(result, dict):
            counts.update(result)
        elif isinstance(result, Exception):
            logger.error("housekeeping receiver failed", exc_info=result)
    return counts


def worker_beat_recently(seconds: int = 60) -> bool:
    """Whether a worker gave a sign of life within `seconds` (a restore waits for none)."""
    return WorkerHeartbeat.objects.filter(beat_at__gte=timezone.now() - datetime.timedelta(seconds=seconds)).exists()


def outbox_health(*, now: datetime.datetime | None = None) -> dict:
    """Counts only (no personal data): the newest heartbeat and the backlog."""
    now = now or timezone.now()
    last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    queued = Message.objects.filter(status=MessageStatus.QUEUED, channel__in=["email", "sms"])
    oldest = queued.order_by("created_at").values_list("created_at", flat=True).first()
    age = (now - last).total_seconds() if last else None
    return {
        "worker_alive": age is not None and age <= settings.WORKER_HEARTBEAT_MAX_AGE,
        "worker_last_heartbeat": last.isoformat() if last else None,
        "worker_heartbeat_age_seconds": round(age) if age is not None else None,
        "outbox_queued": queued.count(),
        "outbox_oldest_queued_age_seconds": round((now - oldest).total_seconds()) if oldest else None,
        "outbox_failed": Message.objects.filter(status=MessageStatus.FAILED).count(),
        "outbox_held": Message.objects.filter(status=MessageStatus.HELD).count(),
    }
