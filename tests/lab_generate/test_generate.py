"""The generated lab's files: deterministic per seed, a valid inventory, a ground truth that
follows from what was injected and agrees with the inventory's paths."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from diag.lab.generate import GroundTruth, generate, load, read_truth
from diag.model.inventory import Inventory

FILES = (
    "inventory/nms.yaml",
    "inventory/network.yaml",
    "inventory/settings.yaml",
    "inventory/sweeps.yaml",
    "inventory/known_hosts",
    "lab-state.json",
    "ground-truth.json",
    "generated.json",
)


@pytest.fixture(scope="module")
def lab120(tmp_path_factory: pytest.TempPathFactory) -> tuple[Inventory, GroundTruth, Path]:
    folder = tmp_path_factory.mktemp("gen120")
    generate(120, fault_rate=0.2, seed=11, folder=folder, block=200)
    inv, _ = load(folder)
    return inv, read_truth(folder), folder


def test_same_seed_same_files(tmp_path: Path) -> None:
    a = generate(40, fault_rate=0.25, seed=3, folder=tmp_path / "a", block=77)
    b = generate(40, fault_rate=0.25, seed=3, folder=tmp_path / "b", block=77)
    for name in FILES:
        assert (a.folder / name).read_bytes() == (b.folder / name).read_bytes(), name
    c = generate(40, fault_rate=0.25, seed=4, folder=tmp_path / "c", block=77)
    assert (c.folder / "ground-truth.json").read_bytes() != (
        a.folder / "ground-truth.json"
    ).read_bytes()


def test_inventory_validates(lab120: tuple[Inventory, GroundTruth, Path]) -> None:
    _, _, folder = lab120
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "diag"),
            "inventory",
            "validate",
            "--inventory",
            str(folder / "inventory"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "120 circuits" in run.stdout


def test_network_shape(lab120: tuple[Inventory, GroundTruth, Path]) -> None:
    inv, _truth, _ = lab120
    drivers = {n.driver for n in inv.nms.values()}
    assert drivers == {"alarm-mib", "huawei-imap"}
    regions = {c.region for c in inv.circuits.values()}
    assert len(regions) >= 2 and all(c.group for c in inv.circuits.values())
    routers = [d for d in inv.devices.values() if d.role.value == "router"]
    assert len(routers) == 240
    addresses = {(d.mgmt.address, d.mgmt.port) for d in inv.devices.values() if d.mgmt}
    assert len(addresses) == len([d for d in inv.devices.values() if d.mgmt])
    assert all(a.startswith("127.200.") for a, _ in addresses)
    assert inv.settings_default["host_ping"] is False
    hosts = (Path(inv.sources[0]).parent / "known_hosts").read_text()
    assert all(f"diag-lab:{r.name}" in hosts for r in routers)


def _rides(inv: Inventory, cid: str, span: tuple[str, str]) -> bool:
    hops = [h.ne for h in inv.circuits[cid].transport]
    pairs = set(itertools.pairwise(hops))
    return span in pairs or span[::-1] in pairs


def test_ground_truth_follows_the_inventory(lab120: tuple[Inventory, GroundTruth, Path]) -> None:
    inv, truth, _ = lab120
    assert set(truth.circuits) == set(inv.circuits)
    cuts = [f for f in truth.faults if f.kind == "ring-cut"]
    assert cuts and truth.incidents == cuts
    assert any(len(f.circuits) > 1 for f in cuts)
    for cut in cuts:
        assert cut.span is not None
        riders = {cid for cid in inv.circuits if _rides(inv, cid, cut.span)}
        assert riders == set(cut.circuits), cut.id  # every rider is hit, and only riders
        for cid in cut.circuits:
            seg = truth.circuits[cid].segment
            assert seg is not None and {seg.from_, seg.to} == set(cut.span)
    hit = [cid for f in truth.faults for cid in f.circuits]
    assert len(hit) == len(set(hit))  # one injected fault per circuit at most
    for cid, t in truth.circuits.items():
        c = inv.circuits[cid]
        on_path = {c.a.router, c.a.cpe, *(h.ne for h in c.transport), c.b.cpe, c.b.router}
        if t.status == "healthy":
            assert t.segment is None and t.fault is None and cid not in hit
        else:
            assert t.segment is not None and {t.segment.from_, t.segment.to} <= on_path
            assert cid in next(f for f in truth.faults if f.id == t.fault).circuits
    assert abs(len(hit) - 0.2 * 120) <= 8


def test_refuses_bad_arguments(tmp_path: Path) -> None:
    from diag.errors import LabError

    with pytest.raises(LabError, match="between 0 and 1"):
        generate(10, fault_rate=1.5, seed=0, folder=tmp_path)
    with pytest.raises(LabError, match="at least 1"):
        generate(0, seed=0, folder=tmp_path)
