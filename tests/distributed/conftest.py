"""Fixtures of the distributed tests: a generated lab served on loopback, redis-server and a
PostgreSQL cluster of the module's own, and `diag worker` processes (Celery prefork workers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from diag.history import open_store
from diag.lab.generate import generate, load
from diag.lab.network import LabNetwork, LabThread
from tests.distributed.dist_lab import Site, Workers, dist_env
from tests.services import new_database, postgres_cluster, redis_server


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    # 16 circuits over two regions (east, west); seed 1 at rate 0.5 gives a ring cut over several
    # circuits and single faults; GEN-00012 has its B end in the other region
    tmp = tmp_path_factory.mktemp("dist")
    g = generate(16, fault_rate=0.5, seed=1, folder=tmp / "gen")
    inv, scn = load(g.folder)
    with (
        LabThread(LabNetwork(inv, [scn])) as lt,
        redis_server() as r,
        postgres_cluster() as pg,
    ):
        yield Site(g, lt.network, g.folder / "inventory", r, pg, tmp)


@pytest.fixture
def workers(
    site: Site, request: pytest.FixtureRequest
) -> Iterator[tuple[Workers, dict[str, str], str]]:
    n = request.node.name[:40].lower().replace("[", "_").replace("]", "")
    db = new_database(site.pg, f"t_{abs(hash(n)) % 10**8}")
    open_store(db).close()  # at head before any process polls it with SQL
    idx = sum(map(ord, n)) % 15 + 1
    env = dist_env(site, db, idx)
    import redis

    redis.Redis.from_url(env["DIAG_BROKER"]).flushdb()
    logs = site.tmp / f"logs-{idx}"
    logs.mkdir(exist_ok=True)
    w = Workers(env, logs)
    try:
        yield w, env, db
    finally:
        w.stop()
