"""A sweep's metrics as a node-exporter textfile (Prometheus text exposition), docs/metrics.md.

Written with the official client (`prometheus_client`): a registry of gauges, then
`write_to_textfile`, which writes a temporary file beside the target and renames it over the
target, so node_exporter never reads half a file.  A rename replaces whatever the name points
to, so the target must be a regular file or not exist yet: a device node, FIFO, socket or
directory is refused (diag never replaces one, diag/output/files.py), and a symlink is written
through (the link stays, the file it points to is replaced).

Values are in base units (seconds, ratios 0–1).  A value that was not measured is absent, never
0: a circuit whose loss was not measured has no `diag_circuit_loss_ratio` sample.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from diag.model.findings import FindingsDocument
from diag.model.inventory import Inventory
from diag.model.observations import CrcGrowthObservation
from diag.output.files import OutputError, _kind
from diag.sweep.model import SweepDocument

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

CIRCUIT_STATUSES = ("healthy", "fault_localized", "fault_suspected", "inconclusive", "failed")
SWEEP_STATUSES = (*CIRCUIT_STATUSES, "not_run")
SWEEP_STATES = ("running", "complete", "partial")
OWNERS = ("carrier", "customer", "unknown")
CIRCUIT_LABELS = ("circuit", "customer", "region")


@dataclass(frozen=True)
class CircuitValues:
    """What one circuit contributes: None is not measured (no sample written)."""

    circuit: str
    customer: str
    region: str
    status: str
    owner: str | None = None  # the headline fault's owner, for a failing circuit
    loss_ratio: float | None = None
    rtt_seconds: float | None = None
    crc_errors_per_second: float | None = None
    diagnosed_at: float | None = None  # Unix time the diagnosis finished


def circuit_values(doc: FindingsDocument, region: str = "") -> CircuitValues:
    """Loss and RTT of the end-to-end test the customer is told (the document's customer
    summary: the routers' WAN-to-WAN ping, else a laptop test typed in, else this host's);
    the CRC rate of the worse end's two samples (a reset between them measures nothing)."""
    cs = doc.customer_summary
    rates = [
        o.per_min
        for o in doc.observations
        if isinstance(o, CrcGrowthObservation) and o.per_min is not None
    ]
    failing = doc.verdict.status in ("fault_localized", "fault_suspected") and doc.verdict.faults
    return CircuitValues(
        circuit=doc.circuit.id,
        customer=doc.circuit.customer,
        region=region,
        status=doc.verdict.status,
        owner=doc.verdict.owner if failing else None,
        loss_ratio=cs.loss_pct / 100 if cs and cs.loss_pct is not None else None,
        rtt_seconds=cs.latency_ms / 1000 if cs and cs.latency_ms is not None else None,
        crc_errors_per_second=max(rates) / 60 if rates else None,
        diagnosed_at=doc.run.finished.timestamp(),
    )


def _circuits(
    sweep: SweepDocument,
    docs: Sequence[FindingsDocument],
    inv: Inventory | None,
    values: Sequence[CircuitValues] = (),
) -> list[CircuitValues]:
    def region(cid: str) -> str:
        c = inv.circuits.get(cid) if inv is not None else None
        return (c.region or "") if c is not None else ""

    latest: dict[str, FindingsDocument] = {}
    for d in docs:
        have = latest.get(d.circuit.id)
        if have is None or d.run.started >= have.run.started:
            latest[d.circuit.id] = d
    out = {v.circuit: v for v in values}  # taken as each circuit finished (a sweep's engine)
    out.update({cid: circuit_values(d, region(cid)) for cid, d in latest.items()})
    for r in sweep.circuits:  # a circuit with no document: failed before it was diagnosed
        if r.circuit not in out:
            c = inv.circuits.get(r.circuit) if inv is not None else None
            out[r.circuit] = CircuitValues(
                circuit=r.circuit,
                customer=c.customer if c is not None else "",
                region=region(r.circuit),
                status=r.status,
            )
    return [out[k] for k in sorted(out)]


def build_registry(
    sweep: SweepDocument,
    docs: Sequence[FindingsDocument],
    inv: Inventory | None = None,
    values: Sequence[CircuitValues] = (),
) -> CollectorRegistry:
    """The gauges of docs/metrics.md, filled from the sweep and its documents."""
    from prometheus_client import CollectorRegistry, Gauge

    reg = CollectorRegistry()

    def gauge(name: str, doc: str, labels: Sequence[str] = ()) -> Gauge:
        return Gauge(name, doc, list(labels), registry=reg)

    status = gauge(
        "diag_circuit_status",
        "The circuit's status in the sweep: 1 for its status, 0 for the others",
        (*CIRCUIT_LABELS, "status"),
    )
    owner = gauge(
        "diag_circuit_fault_owner",
        "Who owns the failing circuit's headline fault: 1 for the owner, 0 for the others",
        (*CIRCUIT_LABELS, "owner"),
    )
    loss = gauge(
        "diag_circuit_loss_ratio",
        "Packet loss of the end-to-end line test, 0-1 (absent when not measured)",
        CIRCUIT_LABELS,
    )
    rtt = gauge(
        "diag_circuit_rtt_seconds",
        "Mean round-trip time of the end-to-end line test (absent when not measured)",
        CIRCUIT_LABELS,
    )
    crc = gauge(
        "diag_circuit_crc_errors_per_second",
        "CRC error growth at the worse end's WAN interface over the sweep's sample window",
        CIRCUIT_LABELS,
    )
    when = gauge(
        "diag_circuit_diagnosis_timestamp_seconds",
        "When the circuit's diagnosis finished, Unix time",
        CIRCUIT_LABELS,
    )
    for cv in _circuits(sweep, docs, inv, values):
        key = (cv.circuit, cv.customer, cv.region)
        for s in CIRCUIT_STATUSES:
            status.labels(*key, s).set(1 if cv.status == s else 0)
        if cv.owner is not None:
            for o in OWNERS:
                owner.labels(*key, o).set(1 if cv.owner == o else 0)
        for g, value in (
            (loss, cv.loss_ratio),
            (rtt, cv.rtt_seconds),
            (crc, cv.crc_errors_per_second),
            (when, cv.diagnosed_at),
        ):
            if value is not None:
                g.labels(*key).set(value)

    counts = sweep.counts
    circuits = gauge("diag_sweep_circuits", "Circuits of the sweep by status", ("status",))
    for s in SWEEP_STATUSES:
        circuits.labels(s).set(getattr(counts, s))
    state = gauge(
        "diag_sweep_state", "The sweep's state: 1 for its state, 0 for the others", ("state",)
    )
    for st in SWEEP_STATES:
        state.labels(st).set(1 if sweep.state == st else 0)
    gauge("diag_sweep_info", "The sweep's id and diag's version", ("sweep", "version")).labels(
        sweep.id, sweep.tool_version
    ).set(1)
    gauge(
        "diag_sweep_failures",
        "Failures outside one circuit (an NMS, a pool), as the sweep document lists them",
    ).set(len(sweep.failures))
    gauge("diag_sweep_incidents", "Incidents the sweep's failing circuits form").set(
        len(sweep.incidents)
    )
    gauge("diag_sweep_start_timestamp_seconds", "When the sweep started, Unix time").set(
        sweep.started.timestamp()
    )
    last = gauge("diag_sweep_last_timestamp_seconds", "When the sweep finished, Unix time")
    if sweep.finished is not None:
        last.set(sweep.finished.timestamp())
    duration = gauge("diag_sweep_duration_seconds", "Wall time of the sweep")
    if sweep.duration_s is not None:
        duration.set(sweep.duration_s)
    elif sweep.finished is not None:
        duration.set((sweep.finished - sweep.started).total_seconds())
    ok = gauge(
        "diag_sweep_snapshot_ok",
        "1 if the NMS's alarm snapshot was read (whole or partial), 0 if not",
        ("nms", "driver"),
    )
    partial = gauge(
        "diag_sweep_snapshot_partial", "1 if the NMS's alarm list is incomplete", ("nms",)
    )
    alarms = gauge("diag_sweep_snapshot_alarms", "Alarms in the NMS's snapshot", ("nms",))
    for snap in sweep.snapshots:
        ok.labels(snap.nms, snap.driver).set(1 if snap.ok else 0)
        partial.labels(snap.nms).set(1 if snap.partial else 0)
        if snap.ok:
            alarms.labels(snap.nms).set(snap.alarms)
    return reg


def check_target(path: Path) -> Path:
    """The file the rename will replace: refused unless a regular file or nothing yet."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        st = target.stat()
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            f"{path}: is {_kind(st.st_mode)}, not a file; the metrics file is replaced by a "
            "rename, which diag never does to a device node: give a file path ending in .prom "
            "in node_exporter's --collector.textfile.directory"
        )
    return target


def write_metrics(
    path: Path,
    sweep: SweepDocument,
    docs: Sequence[FindingsDocument],
    *,
    inv: Inventory | None = None,
    values: Sequence[CircuitValues] = (),
) -> None:
    """Write the sweep's metrics to `path` atomically (temporary file + rename).  `inv` gives
    each circuit's region, and the customer of a circuit that failed with no document;
    `values`: circuits' values taken as they finished (a sweep need not keep every document)."""
    from prometheus_client import write_to_textfile

    target = check_target(Path(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(target), build_registry(sweep, docs, inv, values))
