"""The Celery tasks: a batch of circuits read in one region, and a scheduled sweep's start.

Both acknowledge late and are given back when their worker is lost (app configuration), so a
worker killed mid-task leaves its message to be delivered again; the work they do is idempotent
(diag.distributed.work).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from diag.distributed.app import app, settings_of
from diag.distributed.work import Env

log = logging.getLogger("diag.distributed")

_env: Env | None = None


def env() -> Env:
    """This worker process's inventory, store and Redis (opened on the first task: after the
    fork, never shared with the parent)."""
    global _env  # noqa: PLW0603
    if _env is None:
        _env = Env.open(settings_of(app))
    return _env


#: a task that met the store or Redis away is tried again: 2, 4, 8 ... 60 s apart, 12 times
#: (about ten minutes); after that its circuits wait for the next sweep
RETRIES, BACKOFF_CAP = 12, 60.0


@app.task(name="diag.part", bind=True, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def part(
    self: Any,
    sweep_id: str,
    region: str,
    circuits: list[str],
    overrides: dict[str, Any],
    sessions: int = 32,
    pings: int = 32,
    inventory: str | None = None,
) -> dict[str, Any]:
    from diag import i18n
    from diag.distributed.work import run_part, transient

    try:
        # the worker's language: DIAG_LANG of its environment (`diag --lang zh worker` sets it)
        with i18n.using(i18n.default_lang()):
            report = run_part(
                env(),
                sweep_id,
                region,
                circuits,
                overrides=overrides,
                sessions=sessions,
                pings=pings,
                inventory=inventory,
            )
    except Exception as exc:
        if not transient(exc):
            raise
        wait = min(BACKOFF_CAP, 2.0 ** (self.request.retries + 1))
        log.warning("sweep %s region %s: %s; trying again in %.0f s", sweep_id, region, exc, wait)
        raise self.retry(exc=exc, countdown=wait, max_retries=RETRIES) from None
    log.info(
        "sweep %s region %s: %d circuit(s): %d stored, %d part(s) kept, %d skipped, %d failed",
        sweep_id,
        region,
        report.circuits,
        report.recorded,
        report.parts_kept,
        report.skipped,
        report.failed,
    )
    return report.as_dict()


@app.task(name="diag.start_sweep", acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def start_sweep(name: str, tick: float | None = None) -> str | None:
    """Start the inventory's sweep `name` for the schedule's tick (epoch seconds): its id is
    made of both, so a start sent twice for one tick starts one sweep."""
    from diag.distributed.beat import scheduled_id
    from diag.distributed.work import start
    from diag.sweep.engine import SweepOptions

    e = env()
    spec = e.inventory.sweeps.get(name)
    if spec is None:
        log.error("no sweep %r in the worker's inventory: not started", name)
        return None
    at = datetime.fromtimestamp(tick, UTC) if tick is not None else datetime.now(UTC)
    sweep, queued = start(
        e,
        spec.selection(e.inventory),
        SweepOptions(),
        sweep_id=scheduled_id(name, at),
        schedule=name,
        tick=at,
    )
    log.info("sweep %s (%s): %s", sweep.id, name, "queued" if queued else "already started")
    return sweep.id
