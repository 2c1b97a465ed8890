"""--every: fixed ticks (no drift), late sweeps skip ticks instead of overlapping; the lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from diag.errors import SweepBusy, UsageError
from diag.sweep.schedule import every, parse_period, sweep_lock


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("30s", 30), ("1h", 3600), ("1h30m", 5400), ("90", 90), ("1d", 86400)],
)
def test_periods(text: str, seconds: float) -> None:
    assert parse_period(text) == seconds


@pytest.mark.parametrize("text", ["", "15x", "m15", "0", "0.5s", "15m junk", "-5m"])
def test_bad_periods_say_how_to_write_one(text: str) -> None:
    with pytest.raises(UsageError):
        parse_period(text)


class FakeTime:
    """A clock that moves only when the sweep runs (durations given) or the schedule waits."""

    def __init__(self, durations: list[float]) -> None:
        self.t = 1000.0
        self.durations = durations
        self.starts: list[float] = []
        self.said: list[str] = []

    def clock(self) -> float:
        return self.t

    def run(self, k: int) -> bool:
        self.starts.append(self.t)
        self.t += self.durations[len(self.starts) - 1]
        return True

    def wait(self, seconds: float) -> bool:
        assert seconds >= 0
        self.t += seconds
        return False


def test_ticks_do_not_drift_with_the_sweeps_duration() -> None:
    ft = FakeTime([7.3, 12.9, 0.4, 59.0, 3.0])
    runs = every(60, ft.run, wait=ft.wait, say=ft.said.append, count=5, clock=ft.clock)
    assert runs == 5
    assert [s - 1000 for s in ft.starts] == [0, 60, 120, 180, 240]
    assert ft.said == []


def test_a_late_sweep_skips_ticks_and_never_overlaps() -> None:
    ft = FakeTime([5, 130, 5, 5])  # the second sweep runs past two ticks
    every(60, ft.run, wait=ft.wait, say=ft.said.append, count=4, clock=ft.clock)
    assert [s - 1000 for s in ft.starts] == [0, 60, 240, 300]
    for a, b, d in zip(ft.starts, ft.starts[1:], ft.durations, strict=False):
        assert b >= a + d  # the next starts after the previous ended
    assert len(ft.said) == 1 and "2 tick(s) skipped" in ft.said[0]


def test_an_interruption_ends_the_schedule() -> None:
    ft = FakeTime([1, 1, 1])
    calls = []

    def run(k: int) -> bool:
        calls.append(k)
        return k < 1  # the second sweep was interrupted

    assert every(10, run, wait=ft.wait, say=ft.said.append, clock=ft.clock) == 2
    assert calls == [0, 1]


def test_the_lock_is_refused_to_a_second_holder_with_the_holders_pid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = f"sqlite:///{tmp_path}/h.sqlite"
    with sweep_lock(url) as path:
        assert path.read_text().strip() == str(os.getpid())
        # another process tries the same store's lock
        code = (
            "import sys\n"
            "from diag.sweep.schedule import sweep_lock\n"
            "from diag.errors import SweepBusy\n"
            "try:\n"
            f"    with sweep_lock({url!r}): sys.exit(0)\n"
            "except SweepBusy as e:\n"
            "    print(e); sys.exit(7)\n"
        )
        other = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "XDG_DATA_HOME": str(tmp_path)},
            timeout=60,
        )
        assert other.returncode == 7, other.stderr
        assert f"pid {os.getpid()}" in other.stdout
        # another store is another lock
        with sweep_lock(url + "-other"):
            pass
    with sweep_lock(url):  # released at the end of the first
        pass
    with pytest.raises(SweepBusy), sweep_lock(url), sweep_lock(url):
        pass  # flock is per open file: the same process twice is refused too
