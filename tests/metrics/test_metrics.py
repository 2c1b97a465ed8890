"""The metrics textfile: written from real findings documents and a sweep document, read back
with the official Prometheus client's parser; device nodes refused; the write atomic."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from diag.collectors.alarms.normalize import normalize
from diag.inventory import load_inventory
from diag.metrics import check_target, write_metrics
from diag.model.findings import FindingsDocument
from diag.model.inventory import Inventory
from diag.model.observations import (
    AlarmObservation,
    AnswerObservation,
    CrcGrowthObservation,
    NmsPollObservation,
    Observation,
    PingObservation,
)
from diag.model.path import build_path
from diag.output.files import OutputError
from diag.runner import Collected, build_document
from diag.sweep.incidents import group_incidents
from diag.sweep.model import (
    CircuitResult,
    Selection,
    SnapshotFacts,
    SweepCounts,
    SweepDocument,
)

RING = Path(__file__).resolve().parents[1] / "sweep_incidents" / "ring"
T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SWEEP = "SW-20261123T030000Z-c0de"


def inventory() -> Inventory:
    return load_inventory(RING)


def alarm(inv: Inventory, device: str, port: str, name: str, n: int) -> AlarmObservation:
    m = normalize(name)
    dev = inv.devices[device]
    assert dev.nms and dev.ne_name
    return AlarmObservation(
        id=f"alarm-{n}",
        collector="nms:nms-lab",
        at=T0,
        nms=dev.nms,
        ne=dev.ne_name,
        device=device,
        port=port,
        type=m.type,
        layer=m.layer,
        direction=m.direction,
        severity=m.severity,
        vendor_name=name,
        known=m.known,
    )


def ping(origin: str, target: str, loss: float, rtt_ms: float | None) -> PingObservation:
    return PingObservation(
        id=f"ping-{origin}",
        collector=f"router:{origin}",
        at=T0,
        origin=origin,
        origin_kind="router",
        target=target,
        engine="router-cli",
        count=100,
        size=100,
        sent=100,
        received=round(100 - loss),
        loss_pct=loss,
        rtt_mean_ms=rtt_ms,
    )


def crc(device: str, per_min: float) -> CrcGrowthObservation:
    return CrcGrowthObservation(
        id=f"crc-{device}",
        collector=f"router:{device}",
        at=T0,
        device=device,
        interface="Serial0/0/0:0",
        counter_source="cli:show interfaces",
        first=1000,
        second=1000 + int(per_min * 0.5),
        interval_s=30,
        delta=int(per_min * 0.5),
        per_min=per_min,
    )


def document(inv: Inventory, cid: str, obs: list[Observation]) -> FindingsDocument:
    c = inv.circuits[cid]
    path = build_path(c, inv)
    nes = sorted({e.ne_name for e in path.elements if e.ne_name})
    poll = NmsPollObservation(
        id="nms-poll-1", collector="nms:nms-lab", at=T0, nms="nms-lab", ok=True, nes=nes
    )
    return build_document(
        c,
        path,
        Collected(observations=[*obs, poll]),
        started=T0,
        finished=T0 + timedelta(seconds=40),
        ticket=None,
        operator="noc",
    )


@pytest.fixture(scope="module")
def sweep_docs() -> tuple[Inventory, SweepDocument, list[FindingsDocument]]:
    inv = inventory()
    docs = [
        # measured: loss 0, RTT 12.5 ms; CRC growing at both ends, 30/min at the worse
        document(
            inv,
            "RING-2",
            [
                ping("c2-rtr-a", "10.9.2.2", 0.0, 12.5),
                crc("c2-rtr-a", 6.0),
                crc("c2-rtr-b", 30.0),
            ],
        ),
        # the C → D cut: every probe lost, so loss 1 and no RTT
        document(
            inv,
            "RING-3",
            [
                alarm(inv, "r1-sdh-d", "4-SL4-1", "R_LOS", 1),
                alarm(inv, "r1-sdh-c", "5-SL4-1", "MS_RDI", 2),
                ping("c3-rtr-a", "10.9.3.2", 100.0, None),
            ],
        ),
        # nothing measured at all
        document(inv, "RING-1", []),
        # the customer's router: its run lamp is off
        document(
            inv,
            "RING-5",
            [
                AnswerObservation(
                    id="answer-1",
                    collector="answers:file",
                    at=T0,
                    key="b.router.lamp.run",
                    value="off",
                    source="file",
                )
            ],
        ),
    ]
    statuses = {d.circuit.id: d.verdict.status for d in docs}
    assert statuses["RING-3"] == "fault_localized" and statuses["RING-5"] == "fault_localized"
    results = [
        CircuitResult(
            circuit=d.circuit.id,
            status=d.verdict.status,
            segment=d.verdict.segment,
            owner=d.verdict.owner,
            summary=d.verdict.summary,
            duration_s=40.0,
        )
        for d in docs
    ] + [
        CircuitResult(
            circuit="RING-7",
            status="failed",
            summary="not diagnosed",
            duration_s=3.5,
            error="router pool: c7-rtr-a refused every login",
        )
    ]
    counts = SweepCounts(total=6, failed=1, not_run=1)
    for d in docs:
        setattr(counts, d.verdict.status, getattr(counts, d.verdict.status) + 1)
    sweep = SweepDocument(
        id=SWEEP,
        state="partial",
        started=T0,
        finished=T0 + timedelta(seconds=95.25),
        interrupted_by="SIGTERM",
        host="noc-1",
        operator="noc",
        tool_version="0.10.0",
        inventory=[str(RING / "inventory.yaml")],
        selection=Selection(circuits=sorted(inv.circuits)),
        counts=counts,
        snapshots=[
            SnapshotFacts(
                nms="nms-lab",
                driver="alarm-mib",
                ok=True,
                started=T0,
                duration_s=1.5,
                alarms=2,
                nes=9,
                circuits=5,
            ),
            SnapshotFacts(
                nms="nms-u2000",
                driver="huawei-imap",
                ok=False,
                started=T0,
                duration_s=10.0,
                alarms=0,
                nes=0,
                circuits=0,
                error="no QueryEnd",
            ),
        ],
        incidents=group_incidents(inv, docs, sweep_id=SWEEP),
        circuits=results,
        failures=["nms-u2000: no QueryEnd within 10 s"],
        duration_s=95.25,
    )
    return inv, sweep, docs


Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def read_back(path: Path) -> tuple[Samples, dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    samples: Samples = {}
    types: dict[str, str] = {}
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        got = samples.setdefault(fam.name, {})
        for s in fam.samples:
            assert s.name == fam.name and s.timestamp is None  # textfiles carry no timestamps
            key = tuple(sorted(s.labels.items()))
            assert key not in got, f"{fam.name}{key} twice"
            got[key] = s.value
    return samples, types


def lab(circuit: str, customer: str, region: str, **more: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted({"circuit": circuit, "customer": customer, "region": region, **more}.items())
    )


def test_every_family_label_and_value_read_back(
    tmp_path: Path, sweep_docs: tuple[Inventory, SweepDocument, list[FindingsDocument]]
) -> None:
    inv, sweep, docs = sweep_docs
    out = tmp_path / "diag.prom"
    write_metrics(out, sweep, docs, inv=inv)
    samples, types = read_back(out)
    assert set(types.values()) == {"gauge"}
    by_id = {d.circuit.id: d for d in docs}
    cust2 = inv.circuits["RING-2"].customer
    cust3 = inv.circuits["RING-3"].customer
    assert cust2 == "上海浦东发展银行 张江支行" and '"' in cust3 and "\\" in cust3

    # status: one series per status and circuit, 1 on the document's status
    status = samples["diag_circuit_status"]
    circuits = {
        "RING-1": (inv.circuits["RING-1"].customer, "south"),
        "RING-2": (cust2, "south"),
        "RING-3": (cust3, "south"),
        "RING-5": (inv.circuits["RING-5"].customer, "south"),
        "RING-7": ("Port Authority", "north"),  # no document: customer from the inventory
    }
    assert len(status) == 5 * len(circuits)
    for cid, (cust, region) in circuits.items():
        want = by_id[cid].verdict.status if cid in by_id else "failed"
        for s in ("healthy", "fault_localized", "fault_suspected", "inconclusive", "failed"):
            assert status[lab(cid, cust, region, status=s)] == (1.0 if s == want else 0.0)

    # owners of the failing circuits' headline faults only
    owner = samples["diag_circuit_fault_owner"]
    failing = [
        c for c, d in by_id.items() if d.verdict.status in ("fault_localized", "fault_suspected")
    ]
    assert {dict(k)["circuit"] for k in owner} == set(failing)
    assert owner[lab("RING-3", cust3, "south", owner="carrier")] == 1.0
    assert owner[lab("RING-5", *circuits["RING-5"], owner="customer")] == 1.0
    assert sum(owner.values()) == len(failing)

    # measured values in base units; the unmeasured absent, never 0
    assert samples["diag_circuit_loss_ratio"] == {
        lab("RING-2", cust2, "south"): 0.0,
        lab("RING-3", cust3, "south"): 1.0,
    }
    assert samples["diag_circuit_rtt_seconds"] == {lab("RING-2", cust2, "south"): 0.0125}
    assert samples["diag_circuit_crc_errors_per_second"] == {lab("RING-2", cust2, "south"): 0.5}
    when = samples["diag_circuit_diagnosis_timestamp_seconds"]
    assert set(when) == {lab(c, *circuits[c]) for c in by_id}
    assert set(when.values()) == {(T0 + timedelta(seconds=40)).timestamp()}

    # per sweep
    c = sweep.counts
    assert samples["diag_sweep_circuits"] == {
        (("status", s),): float(getattr(c, s))
        for s in (
            "healthy",
            "fault_localized",
            "fault_suspected",
            "inconclusive",
            "failed",
            "not_run",
        )
    }
    assert sum(samples["diag_sweep_circuits"].values()) == c.total
    assert samples["diag_sweep_state"] == {
        (("state", "running"),): 0.0,
        (("state", "complete"),): 0.0,
        (("state", "partial"),): 1.0,
    }
    assert samples["diag_sweep_info"] == {(("sweep", SWEEP), ("version", "0.10.0")): 1.0}
    assert samples["diag_sweep_failures"] == {(): 1.0}
    assert samples["diag_sweep_incidents"] == {(): float(len(sweep.incidents))}
    # one circuit on the cut (RING-3), the library's own router (RING-5): nothing two circuits
    # share, so no incident
    assert sweep.incidents == []
    assert samples["diag_sweep_duration_seconds"] == {(): 95.25}
    assert samples["diag_sweep_start_timestamp_seconds"] == {(): T0.timestamp()}
    assert samples["diag_sweep_last_timestamp_seconds"] == {(): T0.timestamp() + 95.25}
    assert samples["diag_sweep_snapshot_ok"] == {
        (("driver", "alarm-mib"), ("nms", "nms-lab")): 1.0,
        (("driver", "huawei-imap"), ("nms", "nms-u2000")): 0.0,
    }
    assert samples["diag_sweep_snapshot_partial"] == {
        (("nms", "nms-lab"),): 0.0,
        (("nms", "nms-u2000"),): 0.0,
    }
    # a snapshot that was not read has no alarm count (not 0)
    assert samples["diag_sweep_snapshot_alarms"] == {(("nms", "nms-lab"),): 2.0}


def test_label_values_escaped_in_the_file(
    tmp_path: Path, sweep_docs: tuple[Inventory, SweepDocument, list[FindingsDocument]]
) -> None:
    inv, sweep, docs = sweep_docs
    out = tmp_path / "diag.prom"
    write_metrics(out, sweep, docs, inv=inv)
    text = out.read_text(encoding="utf-8")
    # the exposition format's escapes: \\ for a backslash, \" for a quote; UTF-8 kept as is
    assert 'customer="Harbour \\"East\\" Logistics \\\\ Depot"' in text
    assert 'customer="上海浦东发展银行 张江支行"' in text
    assert text.endswith("\n")  # node_exporter wants the last line ended


def test_without_inventory_region_and_unknown_customer_are_empty(
    tmp_path: Path, sweep_docs: tuple[Inventory, SweepDocument, list[FindingsDocument]]
) -> None:
    _, sweep, docs = sweep_docs
    out = tmp_path / "diag.prom"
    write_metrics(out, sweep, docs)
    samples, _ = read_back(out)
    regions = {dict(k)["region"] for k in samples["diag_circuit_status"]}
    assert regions == {""}
    failed = lab("RING-7", "", "", status="failed")
    assert samples["diag_circuit_status"][failed] == 1.0


def test_atomic_replace_leaves_no_temporary(
    tmp_path: Path, sweep_docs: tuple[Inventory, SweepDocument, list[FindingsDocument]]
) -> None:
    inv, sweep, docs = sweep_docs
    out = tmp_path / "textfile" / "diag.prom"
    write_metrics(out, sweep, docs, inv=inv)  # the folder is made
    first = out.stat().st_ino
    out_text = out.read_text(encoding="utf-8")
    write_metrics(out, sweep, docs, inv=inv)
    # replaced by a rename (a new inode), not rewritten in place where a scrape could see half
    assert out.stat().st_ino != first
    assert out.read_text(encoding="utf-8") == out_text
    assert [p.name for p in out.parent.iterdir()] == ["diag.prom"]


def test_symlink_written_through(
    tmp_path: Path, sweep_docs: tuple[Inventory, SweepDocument, list[FindingsDocument]]
) -> None:
    inv, sweep, docs = sweep_docs
    real = tmp_path / "real.prom"
    real.write_text("old\n")
    link = tmp_path / "diag.prom"
    link.symlink_to(real)
    write_metrics(link, sweep, docs, inv=inv)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "diag_circuit_status" in real.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diag.prom", "real.prom"]


def test_fifo_and_directory_refused_and_left_alone(
    tmp_path: Path, sweep_docs: tuple[Inventory, SweepDocument, list[FindingsDocument]]
) -> None:
    inv, sweep, docs = sweep_docs
    fifo = tmp_path / "pipe.prom"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="is a FIFO, not a file"):
        write_metrics(fifo, sweep, docs, inv=inv)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    link = tmp_path / "via-link.prom"
    link.symlink_to(fifo)
    with pytest.raises(OutputError, match="is a FIFO"):
        write_metrics(link, sweep, docs, inv=inv)
    assert link.is_symlink() and stat.S_ISFIFO(fifo.stat().st_mode)
    folder = tmp_path / "dir.prom"
    folder.mkdir()
    with pytest.raises(OutputError, match="is a directory"):
        write_metrics(folder, sweep, docs, inv=inv)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.prom", "pipe.prom", "via-link.prom"]


def test_character_devices_refused() -> None:
    # /dev/null only through the check (a rename over it, as root, would replace the node)
    before = os.stat("/dev/null")
    with pytest.raises(OutputError, match="is a character device"):
        check_target(Path("/dev/null"))
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (
        before.st_ino,
        before.st_rdev,
    )


def test_a_pty_refused_by_write_metrics(
    sweep_docs: tuple[Inventory, SweepDocument, list[FindingsDocument]],
) -> None:
    inv, sweep, docs = sweep_docs
    master, slave = os.openpty()  # a character device this test owns
    name = os.ttyname(slave)
    try:
        before = os.stat(name)
        with pytest.raises(OutputError, match="is a character device"):
            write_metrics(Path(name), sweep, docs, inv=inv)
        after = os.stat(name)
        assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    finally:
        os.close(master)
        os.close(slave)


def test_metrics_module_imports_no_prometheus_client_until_used() -> None:
    import subprocess
    import sys

    code = "import sys, diag.metrics; print('prometheus_client' in sys.modules)"
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert got.stdout.strip() == "False"
