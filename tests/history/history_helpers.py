"""Findings documents for the history tests, built by the analyzer from the shipped captures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from diag.model.findings import FindingsDocument, Verdict

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "fixtures" / "captures"
NOW = datetime.now(UTC).replace(microsecond=0)


def doc_at(circuit: str, at: datetime, ticket: str | None = None) -> FindingsDocument:
    """The analyzer's document for a shipped capture, as if the run started at `at` (the runner
    takes the start time and the ticket as inputs: nothing else is changed)."""
    from diag.capture import load_capture
    from diag.model.inventory import Inventory
    from diag.model.path import build_path
    from diag.runner import Collected, build_document
    from diag.ticket import parse_ticket

    cap = load_capture(CAPTURES / circuit)
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    return build_document(
        cap.circuit,
        build_path(cap.circuit, inv),
        Collected(observations=list(cap.observations), collectors=list(cap.collectors)),
        started=at,
        finished=at + timedelta(seconds=40),
        ticket=parse_ticket(ticket) if ticket else None,
        operator="noc",
        mode="replay",
    )


def with_status(doc: FindingsDocument, status: str) -> FindingsDocument:
    """The same circuit's document with another verdict: `healthy` stands for the re-run after
    repair, `inconclusive` for a run that could not read the NMS (no capture holds either for a
    faulty circuit).  The faults go, everything else stays."""
    verdict = Verdict(
        status=status,
        segment=None,
        owner="unknown",
        summary=f"{status.capitalize()}: the re-run of {doc.circuit.id}.",
        faults=[],
    )
    findings = [f for f in doc.findings if f.kind != "fault"]
    return doc.model_copy(update={"verdict": verdict, "findings": findings})
