"""A generated lab served for real (SSH routers, NE DS1-MIB agents, alarm-mib and huawei-imap
NMS agents on 127.x addresses), every circuit diagnosed through the real collectors and
compared with the ground truth written from the injected faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from diag.lab.generate import Generated, generate, load
from diag.lab.network import LabNetwork, LabThread
from diag.lab.scenario import Expect, mismatches
from diag.runner import diagnose_many

pytestmark = pytest.mark.lab
FAST = {"crc_sample_interval_s": 1, "ping_count": 3}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Generated, LabNetwork]]:
    # seed 1 at rate 0.5 on 12 circuits: one ring cut hitting three circuits, three
    # single-circuit faults, noise on the rings' NEs and cleared alarms
    g = generate(12, fault_rate=0.5, seed=1, folder=tmp_path_factory.mktemp("gen12"))
    inv, scn = load(g.folder)
    with LabThread(LabNetwork(inv, [scn])) as lt:
        yield g, lt.network


def test_every_circuit_as_injected(served: tuple[Generated, LabNetwork]) -> None:
    g, net = served
    truth = g.truth
    cuts = [f for f in truth.incidents if len(f.circuits) > 1]
    assert cuts, "the seed gives a ring cut over several circuits"
    ids = sorted(truth.circuits)
    docs = diagnose_many(net.inventory, ids, operator="pytest", overrides=FAST)
    wrong = []
    context = 0
    for cid, dx in zip(ids, docs, strict=True):
        t = truth.circuits[cid]
        expect = Expect(status=t.status, segment=t.segment, owner=t.owner)
        wrong += mismatches(cid, expect, dx.document)
        context += len(dx.document.context or [])
        assert all(c.ok for c in dx.document.collectors), cid
    assert not wrong, "\n".join(wrong)
    assert context > 0  # the noise was read and set aside


def test_two_labs_at_once(tmp_path: Path, served: tuple[Generated, LabNetwork]) -> None:
    """A second lab picks another address block and serves beside the first."""
    g2 = generate(6, fault_rate=0.0, seed=1, folder=tmp_path / "second")
    assert g2.block != served[0].block
    inv, scn = load(g2.folder)
    with LabThread(LabNetwork(inv, [scn])):
        cid = sorted(g2.truth.circuits)[0]
        (dx,) = diagnose_many(inv, [cid], operator="pytest", overrides=FAST)
    assert dx.document.verdict.status == "healthy"


def test_lab_up_generate(tmp_path: Path) -> None:
    env = {**os.environ, "DIAG_LAB_DIR": str(tmp_path / "state")}
    diag = str(Path(sys.executable).parent / "diag")
    up = subprocess.run(
        [diag, "lab", "up", "--generate", "8", "--fault-rate", "0.25", "--seed", "5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        info = json.loads((tmp_path / "state" / "lab.json").read_text())
        folder = tmp_path / "state" / "generated"
        assert info["inventory"] == str(folder / "inventory")
        truth = json.loads((folder / "ground-truth.json").read_text())
        assert sorted(truth["circuits"]) == info["circuits"]
        cid = next(c for c, t in truth["circuits"].items() if t["status"] != "healthy")
        run = subprocess.run(
            [
                diag,
                "circuit",
                cid,
                "--inventory",
                info["inventory"],
                "--json",
                "-",
                "--set",
                "crc_sample_interval_s=1",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        verdict = json.loads(run.stdout)["verdict"]
        assert (verdict["status"], verdict["segment"], verdict["owner"]) == (
            truth["circuits"][cid]["status"],
            truth["circuits"][cid]["segment"],
            truth["circuits"][cid]["owner"],
        )
    finally:
        subprocess.run([diag, "lab", "down"], env=env, capture_output=True, timeout=60)


def test_generate_refuses_scenarios(tmp_path: Path) -> None:
    env = {**os.environ, "DIAG_LAB_DIR": str(tmp_path / "state")}
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "diag"),
            "lab",
            "up",
            "--generate",
            "4",
            "--scenario",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and "--generate serves its own network" in run.stderr
