"""Lab time: how long the lab has run, and the wall time the simulated routers print.

Counters grow with lab time, so the clock is injected: the lab uses `LabClock`, tests use
`ManualClock` and `advance()` it instead of sleeping.  A renderer reads one `Moment` per command
so every number in one output belongs to the same instant.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class Moment:
    """One instant of lab time."""

    elapsed_s: float
    now: datetime

    @property
    def minutes(self) -> float:
        return self.elapsed_s / 60.0

    @property
    def started(self) -> datetime:
        """Wall time at which the lab started."""
        return self.now - timedelta(seconds=self.elapsed_s)


class Clock(Protocol):
    def moment(self) -> Moment: ...


class LabClock:
    """Real time since construction (immune to wall-clock steps)."""

    def __init__(self, wall_start: datetime | None = None) -> None:
        self._t0 = time.monotonic()
        self._wall_start = wall_start or datetime.now().replace(microsecond=0)  # noqa: DTZ005

    def moment(self) -> Moment:
        elapsed = time.monotonic() - self._t0
        return Moment(elapsed, self._wall_start + timedelta(seconds=elapsed))


class ManualClock:
    """A clock that only moves when told to; thread-safe (the console reads it from a thread)."""

    def __init__(self, wall_start: datetime | None = None, elapsed_s: float = 0.0) -> None:
        self._wall_start = wall_start or datetime(2026, 3, 2, 9, 0, 0)  # noqa: DTZ001
        self._elapsed = elapsed_s
        self._lock = threading.Lock()

    def advance(self, seconds: float = 0.0, minutes: float = 0.0) -> None:
        with self._lock:
            self._elapsed += seconds + 60.0 * minutes

    def moment(self) -> Moment:
        with self._lock:
            elapsed = self._elapsed
        return Moment(elapsed, self._wall_start + timedelta(seconds=elapsed))
