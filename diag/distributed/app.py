"""The Celery application of diag's workers and scheduler (`celery -A diag.distributed.app`
works too, e.g. for Flower).

Configured from the environment (diag.distributed.config) when first imported, and again by the
commands that take options.  Results do not go through Celery: each circuit's diagnosis goes to
the history store under the key (sweep id, circuit id), so a task that runs twice still leaves
one result (docs/noc.md).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger

from diag.distributed.config import CONTROL_QUEUE, DistributedSettings

app = Celery("diag", include=["diag.distributed.tasks"])


def configure(settings: DistributedSettings) -> Celery:
    """Apply `settings` to the application (broker, redelivery, limits)."""
    transport: dict[str, Any] = {
        "visibility_timeout": settings.visibility_timeout,
        # how soon a message a killed worker held is handed out again (kombu's default sweep
        # runs every 10 × 10 s)
        "unacked_restore_interval": settings.restore_interval,
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        broker_url=settings.broker,
        broker_transport_options=transport,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        # results are the history store's rows, not Celery's
        task_ignore_result=True,
        result_backend=None,
        # acknowledged only once the task is done; a worker lost mid-task (SIGKILL, OOM, power)
        # gives the message back: the next run skips the circuits already stored
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # a task is stopped before Redis would hand its message to another worker
        task_time_limit=settings.time_limit,
        task_soft_time_limit=settings.soft_time_limit,
        # long tasks: a worker process takes one at a time, so a busy one leaves the rest queued
        worker_prefetch_multiplier=1,
        task_default_queue=CONTROL_QUEUE,
        # what Flower shows
        worker_send_task_events=True,
        task_send_sent_event=True,
        beat_sync_every=1,
    )
    app.diag_settings = settings
    return app


@after_setup_logger.connect  # type: ignore[untyped-decorator]
def _quiet_libraries(**_: Any) -> None:
    """A worker logs to stderr (the journal) at its --loglevel; the SSH and SNMP libraries'
    per-session INFO lines would drown diag's own, and their troubles are collector errors."""
    for name in ("asyncssh", "paramiko", "netmiko", "pysnmp", "asyncio"):
        logging.getLogger(name).setLevel(logging.WARNING)


def settings_of(celery: Celery) -> DistributedSettings:
    found = getattr(celery, "diag_settings", None)
    return found if isinstance(found, DistributedSettings) else DistributedSettings.from_env()


configure(DistributedSettings.from_env())
