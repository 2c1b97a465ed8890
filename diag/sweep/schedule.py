"""Sweeps on a schedule on one machine: `--every` without drift, and no two sweeps at once.

Ticks are fixed on the first start (start + k × period), never on when the last sweep ended, so
the schedule does not drift.  A sweep that runs past the next tick makes that tick skipped (and
said), not queued: sweeps never overlap, in one process or across processes (a lock file per
history store, held with flock for the sweep's whole run: a second `diag sweep` on the same store
is refused at once with the holder's pid, exit code 7).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from diag.errors import SweepBusy, UsageError
from diag.i18n import tr

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_period(text: str) -> float:
    """'15m', '30s', '1h', '1h30m', '90' (seconds) -> seconds."""
    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        seconds = float(value)
    else:
        parts = re.findall(r"(\d+(?:\.\d+)?)([smhd])", value)
        if not parts or "".join(n + u for n, u in parts) != value:
            raise UsageError(
                tr("--every {text!r}: write a period like 15m, 30s, 1h or 1h30m", text=text)
            )
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds < 1:
        raise UsageError(tr("--every {text!r}: the period must be at least 1 s", text=text))
    return seconds


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "diag"


def lock_path(store_url: str) -> Path:
    """One lock per history store (the same store = the same sweeps)."""
    digest = hashlib.sha256(store_url.encode()).hexdigest()[:16]
    return data_dir() / "locks" / f"sweep-{digest}.lock"


@contextlib.contextmanager
def sweep_lock(store_url: str) -> Iterator[Path]:
    """Hold the store's sweep lock, or raise SweepBusy naming who holds it."""
    path = lock_path(store_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise SweepBusy(
                tr(
                    "another sweep on this history store is running (pid {pid}, lock {path}); "
                    "wait for it to end, or stop it (it keeps what it read: --resume goes on)",
                    pid=holder,
                    path=path,
                )
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing releases the lock


def every(
    period_s: float,
    run: Callable[[int], bool],
    *,
    wait: Callable[[float], bool],
    say: Callable[[str], None],
    count: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Call `run(k)` at start + k × period; returns how many runs were made.

    `run` returns False to stop the schedule (interrupted).  `wait(seconds)` sleeps and returns
    True when interrupted meanwhile.  `count`: stop after that many runs (None: forever).
    """
    start = clock()
    k = 0
    runs = 0
    while count is None or runs < count:
        if not run(k):
            return runs + 1
        runs += 1
        if count is not None and runs >= count:
            break
        now = clock()
        nxt = k + 1
        due = start + nxt * period_s
        if now > due:
            missed = int((now - start) // period_s) - k
            nxt = k + 1 + missed
            say(
                f"the sweep ran {now - (start + k * period_s):.0f} s, longer than the period "
                f"({period_s:g} s): {missed} tick(s) skipped, never run on top of each other"
            )
            due = start + nxt * period_s
        if wait(max(0.0, due - clock())):
            break
        k = nxt
    return runs
