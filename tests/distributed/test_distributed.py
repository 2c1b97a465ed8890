"""Distributed sweeps for real: a generated lab served on loopback, redis-server and a PostgreSQL
cluster of the test's own, and `diag worker` processes (Celery prefork workers), one per group
of regions, as a NOC would run them."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from diag.lab.network import LabNetwork
from diag.lab.scenario import Expect, mismatches
from diag.model.findings import FindingsDocument
from tests.distributed.dist_lab import Site, Workers, rows, run

pytestmark = pytest.mark.lab
FAST = ["--set", "crc_sample_interval_s=1", "--set", "ping_count=3"]


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
    prom = tmp_path / "diag.prom"
    dist = run(
        env,
        "sweep",
        "--distributed",
        "--batch",
        "3",
        "--json",
        str(tmp_path / "d"),
        "--metrics-file",
        str(prom),
        *FAST,
    )
    assert dist.returncode == 10, dist.stdout + dist.stderr + w.log()  # faults localized
    after = _nms_requests(site.net)
    sweep = json.loads((tmp_path / "d" / "sweep.json").read_text())
    circuits = sorted(site.gen.truth.circuits)
    assert sweep["state"] == "complete" and sweep["counts"]["total"] == len(circuits)
    assert sweep["distributed"]["cross_region"] >= 1  # GEN-00012: read in both, joined
    assert set(sweep["distributed"]["regions"]) == {"east", "west"}
    # exactly one stored result per circuit
    assert rows(db, sweep["id"]) == dict.fromkeys(circuits, 1), sweep["failures"]
    # one alarm snapshot per NMS for the whole sweep (not per task or circuit)
    assert sorted(s["nms"] for s in sweep["snapshots"]) == ["nms-east", "nms-west"]
    assert all(s["ok"] and not s["partial"] for s in sweep["snapshots"])
    polls = {k: after[k] - before.get(k, 0) for k in after}
    assert all(n > 0 for n in polls.values()), polls

    # the same circuits swept on one machine: the same verdict, circuit by circuit
    local_env = {**env, "DIAG_HISTORY": f"sqlite:///{tmp_path / 'local.sqlite'}"}
    local = run(local_env, "sweep", "--json", str(tmp_path / "l"), "--no-progress", *FAST)
    assert local.returncode == 10, local.stdout + local.stderr
    assert _verdicts(tmp_path / "d") == _verdicts(tmp_path / "l")
    # and the ground truth written when the faults were injected
    assert not _against_truth(site, tmp_path / "d")
    # the terminal shows what a local sweep shows
    assert "INCIDENT" in dist.stdout and "one snapshot" in dist.stdout
    # one textfile of every region's circuits, gathered from the store
    from prometheus_client.parser import text_string_to_metric_families

    families = {f.name: f for f in text_string_to_metric_families(prom.read_text())}
    status = [x for x in families["diag_circuit_status"].samples if x.value == 1.0]
    assert sorted(x.labels["circuit"] for x in status) == circuits
    assert {x.labels["region"] for x in status} == {"east", "west"}


def test_a_worker_with_another_inventory_fails_its_circuits_in_words(
    site: Site, workers: tuple[Workers, dict[str, str], str], tmp_path: Path
) -> None:
    w, env, db = workers
    other = tmp_path / "inventory"
    shutil.copytree(site.inventory, other)
    with (other / "settings.yaml").open("a") as f:
        f.write("# edited on this worker only\n")
    w.start("east", "east")
    w.env = {**env, "DIAG_INVENTORY": str(other)}
    w.start("west", "west")
    dist = run(env, "sweep", "--distributed", "--json", str(tmp_path / "d"), *FAST)
    # east's faults are still found (10: a fault localized outranks 6: circuits not diagnosed)
    assert dist.returncode == 10, dist.stdout + dist.stderr
    sweep = json.loads((tmp_path / "d" / "sweep.json").read_text())
    failed = {r["circuit"]: r["error"] for r in sweep["circuits"] if r["status"] == "failed"}
    west = {c for c, t in site.gen.truth.circuits.items() if t.region == "west"}
    assert west and set(failed) >= west  # and GEN-00012, read in both
    assert all(
        "has another inventory" in e and "deploy the same inventory" in e for e in failed.values()
    )
    stored = rows(db, sweep["id"])
    assert not set(stored) & set(failed) and len(stored) + len(failed) == len(
        site.gen.truth.circuits
    )


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
    queued = run(env, "sweep", "--distributed", "--detach", "--batch", "2", *slow)
    assert queued.returncode == 0, queued.stdout + queued.stderr
    sid = _sweep_id(queued.stdout)
    deadline = time.monotonic() + 120
    while not rows(db, sid):
        assert time.monotonic() < deadline, w.log()
        time.sleep(0.2)
    # mid-sweep: west holds tasks it has not acknowledged (kombu keeps them in `unacked`)
    held = [
        m
        for m in redis.Redis.from_url(env["DIAG_BROKER"]).hvals("unacked")
        if b"diag.region.west" in m
    ]
    assert held, "the kill must land while west has tasks in hand"
    w.kill("west")  # they die with it, unacknowledged
    done_at_kill = sum(rows(db, sid).values())
    w.start("west-2", "west")  # what systemd's Restart= does
    follow = run(env, "sweep", "status", sid, "--wait", "--json", str(tmp_path / "k"), timeout=400)
    assert follow.returncode == 10, follow.stdout + follow.stderr + w.log()
    circuits = sorted(site.gen.truth.circuits)
    assert done_at_kill < len(circuits)
    assert rows(db, sid) == dict.fromkeys(circuits, 1)
    sweep = json.loads((tmp_path / "k" / "sweep.json").read_text())
    assert sweep["counts"]["failed"] == 0 and sweep["state"] == "complete"
    assert not _against_truth(site, tmp_path / "k")


def _against_truth(site: Site, docs_dir: Path) -> list[str]:
    wrong = []
    for cid, t in site.gen.truth.circuits.items():
        doc = FindingsDocument.model_validate_json((docs_dir / f"{cid}.json").read_text())
        wrong += mismatches(cid, Expect(status=t.status, segment=t.segment, owner=t.owner), doc)
    return wrong
