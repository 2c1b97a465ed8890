"""Real findings documents over time, for a real history store.

A recorded capture (fixtures/captures/) is analysed again by the real analyzer at several times,
its end-to-end pings and CRC counters set to what the line did then (a clean line, a dirty one,
a cut): each document is what `diag circuit --replay` builds from such a reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

from diag.capture import load_capture
from diag.model.findings import FindingsDocument
from diag.model.inventory import Inventory
from diag.model.observations import CrcGrowthObservation, Observation, PingObservation
from diag.model.path import build_path
from diag.runner import Collected, build_document
from diag.sweep.model import (
    CircuitResult,
    Incident,
    Selection,
    SnapshotFacts,
    SweepCounts,
    SweepDocument,
)

TESTS = Path(__file__).resolve().parents[1]
CAPTURES = TESTS.parent / "fixtures" / "captures"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _ping(o: PingObservation, loss: float, rtt_add: float) -> PingObservation:
    lost = round(o.sent * loss / 100)
    base = [x for x in o.rtts_ms if x is not None] or [9.0]
    probes: list[float | None] = [
        None if i < lost else base[i % len(base)] + rtt_add + (i % 5) for i in range(o.sent)
    ]
    got = sorted(x for x in probes if x is not None)
    return o.model_copy(
        update={
            "received": o.sent - lost,
            "loss_pct": 100.0 * lost / o.sent,
            "rtts_ms": probes if o.rtts_ms else [],
            "rtt_min_ms": got[0] if got else None,
            "rtt_max_ms": got[-1] if got else None,
            "rtt_mean_ms": sum(got) / len(got) if got else None,
            "rtt_median_ms": got[len(got) // 2] if got else None,
        }
    )


def _crc(o: CrcGrowthObservation, per_min: float) -> CrcGrowthObservation:
    delta = round(per_min * o.interval_s / 60)
    return o.model_copy(
        update={"second": o.first + delta, "delta": delta, "per_min": 60.0 * delta / o.interval_s}
    )


def rerun(
    capture: str,
    started: datetime,
    *,
    loss: float | None = None,
    crc: float | None = None,
    rtt_add: float = 0.0,
    customer: str | None = None,
) -> FindingsDocument:
    """The capture analysed at `started` with its pings at `loss` % (RTTs shifted by `rtt_add`)
    and the CRC counters that grew in it growing at `crc` per minute; `customer` renames the
    inventory's customer (as an inventory could name it)."""
    cap = load_capture(CAPTURES / capture)
    circuit = cap.circuit
    if customer is not None:
        circuit = circuit.model_copy(update={"customer": customer})
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={circuit.id: circuit})
    observations: list[Observation] = []
    for o in cap.observations:
        if isinstance(o, PingObservation) and loss is not None:
            o = _ping(o, loss, rtt_add)
        if isinstance(o, CrcGrowthObservation) and crc is not None and (o.per_min or 0) > 0:
            o = _crc(o, crc)
        observations.append(o)
    return build_document(
        circuit,
        build_path(circuit, inv),
        Collected(observations=observations, collectors=list(cap.collectors)),
        started=started,
        ticket=cap.ticket,
        operator=cap.operator,
        mode="replay",
        finished=started + timedelta(seconds=61),
    )


def replayed(capture: str, started: datetime) -> FindingsDocument:
    """The capture as recorded, analysed at `started`."""
    return rerun(capture, started)


def sweep_of(
    sweep_id: str,
    started: datetime,
    docs: Sequence[FindingsDocument],
    *,
    incidents: Sequence[Incident] = (),
    failed: Sequence[tuple[str, str]] = (),
    failures: Sequence[str] = (),
) -> SweepDocument:
    """The sweep document a sweep of these diagnoses writes (plus circuits that failed)."""
    results = [
        CircuitResult(
            circuit=d.circuit.id,
            status=d.verdict.status,
            segment=d.verdict.segment,
            owner=d.verdict.owner if d.verdict.segment else None,
            summary=d.verdict.summary,
            duration_s=(d.run.finished - d.run.started).total_seconds(),
        )
        for d in docs
    ]
    results += [
        CircuitResult(circuit=c, status="failed", summary="no diagnosis", duration_s=0.5, error=e)
        for c, e in failed
    ]
    counts = SweepCounts(total=len(results))
    for r in results:
        setattr(counts, r.status, getattr(counts, r.status) + 1)
    ids = sorted(r.circuit for r in results)
    return SweepDocument(
        id=sweep_id,
        state="complete",
        started=started,
        finished=started + timedelta(seconds=75),
        host="noc-1",
        operator="noc",
        tool_version="test",
        inventory=["inventory/lab.yaml"],
        selection=Selection(regions=["east"], circuits=ids),
        counts=counts,
        snapshots=[
            SnapshotFacts(
                nms="u2000-east",
                driver="huawei-imap",
                ok=True,
                started=started,
                duration_s=4.2,
                alarms=137,
                nes=12,
                circuits=len(results),
                completeness="read twice, same 137 alarms",
            )
        ],
        incidents=list(incidents),
        circuits=results,
        failures=list(failures),
        duration_s=75.0,
    )


def _ring_network() -> ModuleType:
    """tests/sweep_incidents' ring network, the real analyzer over one NMS snapshot."""
    from tests.sweep_incidents import incident_network

    return incident_network


def ring() -> Inventory:
    inv: Inventory = _ring_network().ring()
    return inv


def ring_cut() -> list[FindingsDocument]:
    """Every circuit of the ring network diagnosed while a shared ring's fibre is cut (and
    another ring's span, and a customer router off): tests/sweep_incidents' first case."""
    import yaml

    net = _ring_network()
    case_file = TESTS / "sweep_incidents" / "cases" / "ring-cut-one-incident.yaml"
    case = net.Case.model_validate(yaml.safe_load(case_file.read_text(encoding="utf-8")))
    docs: list[FindingsDocument] = net.diagnose(net.ring(), case.alarms, case.answers)
    return docs
