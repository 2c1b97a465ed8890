"""Distributed sweeps for real: a generated lab served on loopback, redis-server and a PostgreSQL
cluster of the test's own, and `diag worker` processes (Celery prefork workers), one per group
of regions, as a NOC would run them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from services import new_database, postgres_cluster, redis_server

from diag.lab.generate import Generated, generate, load
from diag.lab.network import LabNetwork, LabThread
from diag.lab.scenario import Expect, mismatches
from diag.model.findings import FindingsDocument

pytestmark = pytest.mark.lab
DIAG = str(Path(sys.executable).parent / "diag")
FAST = ["--set", "crc_sample_interval_s=1", "--set", "ping_count=3"]


@dataclass
class Site:
    gen: Generated
    net: LabNetwork
    inventory: Path
    redis: str
    pg: str
    tmp: Path


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


class Workers:
    """`diag worker` processes, each in a process group of its own (killed whole)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *regions: str, control: bool = True) -> None:
        args = [DIAG, "worker", "--name", f"{name}@%h", "-c", "2", "-l", "info"]
        args += [a for r in regions for a in ("--region", r)]
        if not control:
            args.append("--no-control")
        log = (self.logs / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, name: str) -> None:
        """SIGKILL the worker and its pool processes at once (a machine lost)."""
        p = self.procs.pop(name)
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(10)

    def stop(self) -> None:
        for p in self.procs.values():
            os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.procs.clear()

    def log(self) -> str:
        return "\n".join(f.read_text(errors="replace")[-3000:] for f in self.logs.glob("*.log"))


def _env(site: Site, db: str, redis_db: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DIAG_BROKER": f"{site.redis}/{redis_db}",
        "DIAG_HISTORY": db,
        "DIAG_INVENTORY": str(site.inventory),
        # a lost worker's task is handed out again after 20 s (tasks here last a few seconds)
        "DIAG_VISIBILITY_TIMEOUT": "20",
        "DIAG_RESTORE_INTERVAL": "1",
        "DIAG_SNAPSHOT_WAIT": "15",
        **extra,
    }


@pytest.fixture
def workers(
    site: Site, request: pytest.FixtureRequest
) -> Iterator[tuple[Workers, dict[str, str], str]]:
    n = request.node.name[:40].lower().replace("[", "_").replace("]", "")
    db = new_database(site.pg, f"t_{abs(hash(n)) % 10**8}")
    idx = sum(map(ord, n)) % 15 + 1
    env = _env(site, db, idx)
    import redis

    redis.Redis.from_url(env["DIAG_BROKER"]).flushdb()
    logs = site.tmp / f"logs-{idx}"
    logs.mkdir(exist_ok=True)
    w = Workers(env, logs)
    try:
        yield w, env, db
    finally:
        w.stop()


def _run(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DIAG, *args], env=env, capture_output=True, text=True, timeout=timeout)


def _rows(db: str, sweep_id: str) -> dict[str, int]:
    """circuit -> result rows stored under the sweep (read with SQL, not through diag)."""
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        got = conn.execute(
            sa.text("SELECT circuit, count(*) FROM diagnoses WHERE sweep_id = :s GROUP BY circuit"),
            {"s": sweep_id},
        )
        out = {c: int(n) for c, n in got}
    engine.dispose()
    return out


def _verdicts(docs_dir: Path) -> dict[str, tuple[str, Any, list[str]]]:
    out = {}
    for f in docs_dir.glob("GEN-*.json"):
        d = json.loads(f.read_text())
        v = d["verdict"]
        rules = sorted({r for fa in d["findings"] for r in fa.get("rules", [])})
        out[d["circuit"]["id"]] = (v["status"], v.get("segment"), rules)
    return out


def _sweep_id(out: str) -> str:
    for word in out.split():
        if word.startswith("SW-"):
            return word.rstrip(":")
    raise AssertionError(f"no sweep id in: {out}")


def test_two_region_workers_give_each_circuit_one_result_equal_to_the_local_sweep(
    site: Site, workers: tuple[Workers, dict[str, str], str], tmp_path: Path
) -> None:
    w, env, db = workers
    w.start("east", "east")
    w.start("west", "west")
    before = _nms_requests(site.net)
    dist = _run(env, "sweep", "--distributed", "--batch", "3", "--json", str(tmp_path / "d"), *FAST)
    assert dist.returncode == 10, dist.stdout + dist.stderr + w.log()  # faults localized
    after = _nms_requests(site.net)
    sweep = json.loads((tmp_path / "d" / "sweep.json").read_text())
    circuits = sorted(site.gen.truth.circuits)
    assert sweep["state"] == "complete" and sweep["counts"]["total"] == len(circuits)
    assert sweep["distributed"]["cross_region"] >= 1  # GEN-00012: read in both, joined
    assert set(sweep["distributed"]["regions"]) == {"east", "west"}
    # exactly one stored result per circuit
    assert _rows(db, sweep["id"]) == dict.fromkeys(circuits, 1), sweep["failures"]
    # one alarm snapshot per NMS for the whole sweep (not per task or circuit)
    assert sorted(s["nms"] for s in sweep["snapshots"]) == ["nms-east", "nms-west"]
    assert all(s["ok"] for s in sweep["snapshots"])
    polls = {k: after[k] - before.get(k, 0) for k in after}
    assert all(n > 0 for n in polls.values()), polls

    # the same circuits swept on one machine: the same verdict, circuit by circuit
    local_env = {**env, "DIAG_HISTORY": f"sqlite:///{tmp_path / 'local.sqlite'}"}
    local = _run(local_env, "sweep", "--json", str(tmp_path / "l"), "--no-progress", *FAST)
    assert local.returncode == 10, local.stdout + local.stderr
    assert _verdicts(tmp_path / "d") == _verdicts(tmp_path / "l")
    # and the ground truth written when the faults were injected
    assert not _against_truth(site, tmp_path / "d")
    # the terminal shows what a local sweep shows
    assert "INCIDENT" in dist.stdout and "one snapshot" in dist.stdout


def _nms_requests(net: LabNetwork) -> dict[str, int]:
    out = {}
    for served in net.served:
        if served.kind == "nms":
            out[served.name] = int(getattr(net.service("nms", served.name), "requests", 0))
    return out


def test_a_worker_killed_mid_sweep_still_leaves_each_circuit_exactly_one_result(
    site: Site, workers: tuple[Workers, dict[str, str], str], tmp_path: Path
) -> None:
    w, env, db = workers
    w.start("east", "east")
    w.start("west", "west")
    # small batches and a 3 s CRC window: the kill lands inside tasks
    slow = ["--set", "crc_sample_interval_s=3", "--set", "ping_count=3"]
    queued = _run(env, "sweep", "--distributed", "--detach", "--batch", "2", *slow)
    assert queued.returncode == 0, queued.stdout + queued.stderr
    sid = _sweep_id(queued.stdout)
    deadline = time.monotonic() + 120
    while not _rows(db, sid):
        assert time.monotonic() < deadline, w.log()
        time.sleep(0.2)
    w.kill("west")  # mid-sweep: its tasks in hand die with it, unacknowledged
    done_at_kill = sum(_rows(db, sid).values())
    w.start("west-2", "west")  # what systemd's Restart= does
    follow = _run(env, "sweep", "status", sid, "--wait", "--json", str(tmp_path / "k"), timeout=400)
    assert follow.returncode == 10, follow.stdout + follow.stderr + w.log()
    circuits = sorted(site.gen.truth.circuits)
    assert done_at_kill < len(circuits)
    assert _rows(db, sid) == dict.fromkeys(circuits, 1)
    sweep = json.loads((tmp_path / "k" / "sweep.json").read_text())
    assert sweep["counts"]["failed"] == 0 and sweep["state"] == "complete"
    assert not _against_truth(site, tmp_path / "k")


def _against_truth(site: Site, docs_dir: Path) -> list[str]:
    wrong = []
    for cid, t in site.gen.truth.circuits.items():
        doc = FindingsDocument.model_validate_json((docs_dir / f"{cid}.json").read_text())
        wrong += mismatches(cid, Expect(status=t.status, segment=t.segment, owner=t.owner), doc)
    return wrong
