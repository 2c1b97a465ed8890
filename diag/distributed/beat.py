"""`diag scheduler`: Celery beat over the inventory's sweeps, on fixed ticks.

A sweep every P seconds runs at the wall-clock multiples of P (like `diag sweep --every`): due as
soon as a tick has passed since it last ran.  The schedule's state (when each sweep last ran) is
kept in a file, written after every start.  The start names the tick it is for, and the sweep's id
is made of the sweep's name and that tick, so:

- a beat that restarts after its start was sent but before the state was written sends the same
  tick again, and the worker finds that sweep already started (no double);
- a beat that was down across a tick sends it once when it is back (the latest tick missed: the
  ticks of a longer outage are not made up one by one, as a late local sweep skips ticks).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from celery.beat import PersistentScheduler, ScheduleEntry
from celery.schedules import schedstate, schedule

from diag.distributed.config import CONTROL_QUEUE
from diag.model.inventory import Inventory


def scheduled_id(name: str, tick: datetime) -> str:
    return f"SW-{tick.astimezone(UTC):%Y%m%dT%H%M%SZ}-{name}"


class FixedTicks(schedule):  # type: ignore[misc]
    """Every `seconds`, on the epoch's multiples of it (no drift, no burst after a pause)."""

    def __init__(self, seconds: float, **kwargs: Any) -> None:
        self.period = float(seconds)
        super().__init__(run_every=timedelta(seconds=self.period), **kwargs)

    def tick_of(self, epoch: float) -> float:
        return math.floor(epoch / self.period) * self.period

    def is_due(self, last_run_at: datetime) -> schedstate:
        due, left = self.due(last_run_at.timestamp(), time.time())
        return schedstate(is_due=due, next=left)

    def due(self, last: float, now: float) -> tuple[bool, float]:
        """(a tick has passed since `last`, seconds until the next tick) at `now` (epoch s)."""
        return self.tick_of(now) > self.tick_of(last), max(
            0.05, self.tick_of(now) + self.period - now
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.period,))

    def __repr__(self) -> str:
        return f"<every {self.period:g} s on fixed ticks>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FixedTicks) and other.period == self.period

    def __hash__(self) -> int:
        return hash(self.period)


class DiagScheduler(PersistentScheduler):  # type: ignore[misc]
    """Celery's persistent scheduler, telling each start the tick it is for."""

    def apply_async(
        self, entry: ScheduleEntry, producer: Any = None, advance: bool = True, **kwargs: Any
    ) -> Any:
        if isinstance(entry.schedule, FixedTicks):
            entry.kwargs = {**entry.kwargs, "tick": entry.schedule.tick_of(time.time())}
        return super().apply_async(entry, producer, advance, **kwargs)


def beat_schedule(inv: Inventory) -> dict[str, dict[str, Any]]:
    """The inventory's enabled sweeps as Celery beat entries (a start task on the control queue)."""
    return {
        name: {
            "task": "diag.start_sweep",
            "schedule": FixedTicks(spec.every_s),
            "kwargs": {"name": name},
            # a start older than one period is superseded by the next tick's
            "options": {"queue": CONTROL_QUEUE, "expires": spec.every_s},
        }
        for name, spec in sorted(inv.sweeps.items())
        if spec.enabled
    }
