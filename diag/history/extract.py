"""What the store indexes from a findings document.  Pure functions, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from diag.model.findings import Fault, FindingsDocument
from diag.model.observations import CrcGrowthObservation, PingObservation


def utc_naive(t: datetime) -> datetime:
    """How times are stored: UTC, no zone (a naive time is taken as UTC already)."""
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t


def utc_aware(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def segment_key(seg_from: str, seg_to: str) -> str:
    return f"{seg_from}..{seg_to}"


def counted_faults(doc: FindingsDocument) -> list[Fault]:
    """The faults that count for recurrence: every fault of a localized verdict; the headline
    candidate of a suspected one (its other candidates are alternatives, not more faults)."""
    faults = doc.verdict.faults
    if doc.verdict.status == "fault_localized":
        return list(faults)
    if doc.verdict.status == "fault_suspected":
        return faults[:1]
    return []


def rule_set(faults: list[Fault]) -> list[str]:
    return sorted({r for f in faults for r in f.rules})


def segment_kind(doc: FindingsDocument, fault: Fault) -> tuple[str, str]:
    """The element kinds at the fault segment's ends ("pdh", "sdh", ...), "?" if not on the path."""
    kinds = {e.id: e.kind for e in doc.circuit.path}
    return kinds.get(fault.segment.from_, "?"), kinds.get(fault.segment.to, "?")


def end_to_end(doc: FindingsDocument) -> tuple[float | None, float | None]:
    """Loss and RTT of the end-to-end test: the routers' WAN-to-WAN pings (the test customers
    accept, article 3.3(3)), else this host's; the worst loss, its median RTT (else mean); else
    the customer summary's figures (e.g. a laptop test typed in)."""
    pings = [o for o in doc.observations if isinstance(o, PingObservation)]
    chosen = [p for p in pings if p.origin_kind == "router"] or pings
    if chosen:
        worst = max(chosen, key=lambda p: (p.loss_pct, p.origin, p.target))
        rtt = worst.rtt_median_ms if worst.rtt_median_ms is not None else worst.rtt_mean_ms
        return worst.loss_pct, rtt
    cs = doc.customer_summary
    return (cs.loss_pct, cs.latency_ms) if cs else (None, None)


def crc_per_min(doc: FindingsDocument) -> float | None:
    """The worst end's CRC growth per minute (a reset sample has none)."""
    rates = [
        o.per_min
        for o in doc.observations
        if isinstance(o, CrcGrowthObservation) and o.per_min is not None
    ]
    return max(rates) if rates else None


@dataclass(frozen=True)
class FaultRow:
    number: int
    seg_from: str
    seg_to: str
    from_kind: str
    to_kind: str
    owner: str
    impact: str
    confidence: float
    counted: bool
    summary: str
    rules: tuple[str, ...]


def fault_rows(doc: FindingsDocument) -> list[FaultRow]:
    counted = {f.number for f in counted_faults(doc)}
    out = []
    for f in doc.verdict.faults:
        fk, tk = segment_kind(doc, f)
        out.append(
            FaultRow(
                number=f.number,
                seg_from=f.segment.from_,
                seg_to=f.segment.to,
                from_kind=fk,
                to_kind=tk,
                owner=f.owner,
                impact=f.impact,
                confidence=f.confidence,
                counted=f.number in counted,
                summary=f.summary,
                rules=tuple(sorted(set(f.rules))),
            )
        )
    return out


def diagnosis_values(
    doc: FindingsDocument, sweep_id: str | None, region: str | None
) -> dict[str, object]:
    """The diagnoses table's columns for one document."""
    loss, rtt = end_to_end(doc)
    return {
        "circuit": doc.circuit.id,
        "customer": doc.circuit.customer,
        "region": region,
        "started": utc_naive(doc.run.started),
        "finished": utc_naive(doc.run.finished),
        "sweep_id": sweep_id,
        "status": doc.verdict.status,
        "owner": doc.verdict.owner,
        "headline": doc.verdict.summary,
        "rule_set": " ".join(rule_set(counted_faults(doc))),
        "loss_pct": loss,
        "rtt_ms": rtt,
        "crc_per_min": crc_per_min(doc),
        "ticket": doc.ticket.number if doc.ticket else None,
        "mode": doc.run.mode,
        "interrupted": doc.run.interrupted,
        "schema_version": doc.schema_version,
        "document": doc.model_dump_json(by_alias=True),
    }
