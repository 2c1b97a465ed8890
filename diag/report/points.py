"""One diagnosis of a circuit as the reports plot it: the history row's columns, plus the probe
RTTs of the same end-to-end ping read from the stored document (the SmokePing smoke)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from diag.model.observations import PingObservation

if TYPE_CHECKING:
    from diag.history import HistoryRow
    from diag.model.findings import FindingsDocument


@dataclass(frozen=True)
class Point:
    started: datetime
    finished: datetime | None
    status: str
    segments: tuple[str, ...]
    owners: tuple[str, ...]
    rules: tuple[str, ...]
    headline: str
    sweep_id: str | None
    ticket: str | None
    loss_pct: float | None
    rtt_ms: float | None = None
    rtt_min_ms: float | None = None
    rtt_max_ms: float | None = None
    probes_ms: tuple[float, ...] = ()
    crc_per_min: float | None = None


def e2e_ping(doc: FindingsDocument) -> PingObservation | None:
    """The end-to-end test whose loss and RTT the history row holds: the same choice as
    `diag.history.extract.end_to_end` (the routers' WAN-to-WAN pings, else this host's; the
    worst loss), so the smoke drawn around the row's RTT is that test's own spread."""
    pings = [o for o in doc.observations if isinstance(o, PingObservation)]
    chosen = [p for p in pings if p.origin_kind == "router"] or pings
    return max(chosen, key=lambda p: (p.loss_pct, p.origin, p.target)) if chosen else None


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def to_points(
    rows: Sequence[HistoryRow], documents: Sequence[FindingsDocument] = ()
) -> list[Point]:
    """Rows oldest first; a document found for a row (same start time) adds the probes' spread."""
    by_start = {(d.circuit.id, _utc(d.run.started)): d for d in documents}
    out = []
    for r in sorted(rows, key=lambda r: r.started):
        doc = by_start.get((r.circuit, _utc(r.started)))
        ping = e2e_ping(doc) if doc is not None else None
        probes: tuple[float, ...] = ()
        lo = hi = None
        if ping is not None:
            probes = tuple(sorted(x for x in ping.rtts_ms if x is not None))
            lo = ping.rtt_min_ms if ping.rtt_min_ms is not None else min(probes, default=None)
            hi = ping.rtt_max_ms if ping.rtt_max_ms is not None else max(probes, default=None)
        out.append(
            Point(
                started=r.started,
                finished=r.finished,
                status=r.status,
                segments=tuple(r.segments),
                owners=tuple(r.owners),
                rules=tuple(r.rules),
                headline=r.headline,
                sweep_id=r.sweep_id,
                ticket=r.ticket,
                loss_pct=r.loss_pct,
                rtt_ms=r.rtt_ms,
                rtt_min_ms=lo,
                rtt_max_ms=hi,
                probes_ms=probes,
                crc_per_min=r.crc_per_min,
            )
        )
    return out
