"""`diag scheduler` (Celery beat over the inventory's sweeps) with real workers, redis-server and
PostgreSQL: sweeps start on fixed ticks, a scheduler killed and restarted neither doubles nor
skips one, and a start sent twice for a tick starts one sweep."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from diag.distributed.beat import FixedTicks, scheduled_id
from tests.distributed.dist_lab import DIAG, Site, Workers, rows

pytestmark = pytest.mark.lab
PERIOD = 4


def test_fixed_ticks_fall_on_multiples_of_the_period() -> None:
    t = FixedTicks(900)
    base = 1_800_000_000.0  # a multiple of 900
    assert t.due(base - 1, base + 1) == (True, 899.0)  # a tick passed since the last run
    assert t.due(base + 1, base + 5) == (False, 895.0)  # same tick: wait for the next
    # a scheduler down for three ticks sends once when back (the latest tick), not three times
    assert t.due(base - 3 * 900, base + 10)[0] and not t.due(base + 10, base + 20)[0]
    assert t.tick_of(base + 899.9) == base
    assert scheduled_id("east-15m", datetime.fromtimestamp(base, UTC)) == (
        "SW-20270115T080000Z-east-15m"
    )


def _inventory(site: Site, tmp: Path) -> Path:
    """The lab's inventory with one quick scheduled sweep of two circuits instead of its own."""
    inv = tmp / "inventory"
    shutil.copytree(site.inventory, inv)
    (inv / "sweeps.yaml").unlink()
    settings = yaml.safe_load((inv / "settings.yaml").read_text())
    settings["settings"]["default"].update(crc_sample_interval_s=1, ping_count=3)
    (inv / "settings.yaml").write_text(yaml.safe_dump(settings))
    (inv / "tick.yaml").write_text(
        yaml.safe_dump(
            {"sweeps": {"tick": {"every": f"{PERIOD}s", "circuits": ["GEN-00001", "GEN-00002"]}}}
        )
    )
    return inv


def _sweeps(db: str) -> dict[str, str]:
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        got = {str(i): str(s) for i, s in conn.execute(sa.text("SELECT id, state FROM sweeps"))}
    engine.dispose()
    return got


def _wait_sweeps(db: str, n: int, w: Workers, timeout: float = 90) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        got = _sweeps(db)
        if sum(1 for s in got.values() if s == "complete") >= n:
            return got
        assert time.monotonic() < deadline, f"{got}\n{w.log()}"
        time.sleep(0.2)


@pytest.fixture
def ticking(
    site: Site, workers: tuple[Workers, dict[str, str], str], tmp_path: Path
) -> tuple[Workers, dict[str, str], str]:
    """One worker for both regions, on the inventory with the quick scheduled sweep."""
    w, env, db = workers
    env["DIAG_INVENTORY"] = str(_inventory(site, tmp_path))
    w.env = env
    w.start("all", "east", "west")
    return w, env, db


def test_a_restarted_scheduler_neither_doubles_nor_skips_a_sweep(
    ticking: tuple[Workers, dict[str, str], str], tmp_path: Path
) -> None:
    w, env, db = ticking
    beat_file = tmp_path / "beat-schedule"

    def scheduler() -> subprocess.Popen[bytes]:
        log = (tmp_path / "scheduler.log").open("ab")
        return subprocess.Popen(
            [DIAG, "scheduler", "--schedule", str(beat_file), "-l", "info"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    beat = scheduler()
    try:
        _wait_sweeps(db, 2, w)
        # a second scheduler on the same schedule is refused while the first runs
        second = subprocess.run(
            [DIAG, "scheduler", "--schedule", str(beat_file)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2 and "another scheduler" in second.stderr
        os.killpg(beat.pid, signal.SIGKILL)  # no clean shutdown: the state is what was synced
        beat.wait(10)
        beat = scheduler()
        first = len(_sweeps(db))
        _wait_sweeps(db, first + 2, w)
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(30)
    got = _sweeps(db)
    _wait_sweeps(db, len(got), w)  # let the last ones finish
    ticks = sorted(
        datetime.strptime(sid.split("-")[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        for sid in got
    )
    assert all(t % PERIOD == 0 for t in ticks)
    # consecutive ticks, each once, across the restart
    assert [b - a for a, b in itertools.pairwise(ticks)] == [PERIOD] * (len(ticks) - 1), (
        got,
        (tmp_path / "scheduler.log").read_text()[-3000:],
    )
    for sid in got:
        assert rows(db, sid) == {"GEN-00001": 1, "GEN-00002": 1}


def test_a_start_sent_twice_for_one_tick_starts_one_sweep(
    ticking: tuple[Workers, dict[str, str], str],
) -> None:
    from diag.distributed.app import app, configure
    from diag.distributed.config import CONTROL_QUEUE, DistributedSettings

    w, env, db = ticking
    configure(DistributedSettings(broker=env["DIAG_BROKER"]))
    tick = (time.time() // PERIOD) * PERIOD - 10 * PERIOD
    for _ in range(2):  # what a scheduler restarted before it wrote its state sends
        app.send_task(
            "diag.start_sweep", kwargs={"name": "tick", "tick": tick}, queue=CONTROL_QUEUE
        )
    sid = scheduled_id("tick", datetime.fromtimestamp(tick, UTC))
    _wait_sweeps(db, 1, w)
    time.sleep(2)  # the second start has been taken by now (two worker processes)
    assert _sweeps(db) == {sid: "complete"}
    assert rows(db, sid) == {"GEN-00001": 1, "GEN-00002": 1}
    assert "already started" in w.log()
