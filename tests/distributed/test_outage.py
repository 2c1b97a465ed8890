"""The history store goes away mid-sweep (PostgreSQL stopped, then started again): the workers'
tasks are tried again with backoff, and every circuit still ends with exactly one result."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from diag.history import open_store
from tests.distributed.dist_lab import Site, Workers, dist_env, rows, run
from tests.services import PgServer, new_database, postgres_server

pytestmark = pytest.mark.lab
SLOW = ["--set", "crc_sample_interval_s=2", "--set", "ping_count=3"]


@pytest.fixture
def pg() -> Iterator[PgServer]:
    with postgres_server() as server:
        yield server


def test_a_store_outage_mid_sweep_is_waited_out_and_each_circuit_stored_once(
    site: Site, pg: PgServer
) -> None:
    db = new_database(pg.url, "outage")
    open_store(db).close()
    env = dist_env(site, db, 14)
    redis.Redis.from_url(env["DIAG_BROKER"]).flushdb()
    logs = site.tmp / "logs-outage"
    logs.mkdir(exist_ok=True)
    w = Workers(env, logs)
    try:
        w.start("all", "east", "west")
        queued = run(env, "sweep", "--distributed", "--detach", "--batch", "2", *SLOW)
        assert queued.returncode == 0, queued.stdout + queued.stderr
        sid = next(x.rstrip(":") for x in queued.stdout.split() if x.startswith("SW-"))
        time.sleep(1.5)  # the first tasks are reading their routers
        pg.stop()
        time.sleep(5)
        pg.start()
        follow = run(env, "sweep", "status", sid, "--wait", "--no-progress", timeout=300)
        assert follow.returncode == 10, follow.stdout + follow.stderr + w.log()
        circuits = sorted(site.gen.truth.circuits)
        assert rows(db, sid) == dict.fromkeys(circuits, 1)
        with open_store(db) as store:
            sweep = store.sweep(sid)
        assert sweep is not None and sweep.state == "complete" and sweep.counts.failed == 0
        assert "trying again" in w.log(tail=None)  # the outage was met, and waited out
    finally:
        w.stop()
