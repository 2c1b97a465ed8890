"""The circuit report: one circuit's history from the store, plotted and tabulated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from diag.report import plots
from diag.report.html import esc, figure, page, status_badge, table, when
from diag.report.points import Point, to_points

if TYPE_CHECKING:
    from diag.history import HistoryRow
    from diag.model.findings import FindingsDocument


@dataclass(frozen=True)
class DiagnosisLine:
    """One diagnosis of the table (and of the CSV), oldest first like the plots."""

    time: datetime
    sweep: str
    status: str
    segments: str
    owner: str
    loss_pct: float | None
    rtt_ms: float | None
    crc_per_min: float | None
    ticket: str
    rules: str
    headline: str


def _lines(points: Sequence[Point]) -> list[DiagnosisLine]:
    return [
        DiagnosisLine(
            time=p.started,
            sweep=p.sweep_id or "",
            status=p.status,
            segments=", ".join(p.segments),
            owner=", ".join(dict.fromkeys(p.owners)),
            loss_pct=p.loss_pct,
            rtt_ms=p.rtt_ms,
            crc_per_min=p.crc_per_min,
            ticket=p.ticket or "",
            rules=", ".join(p.rules),
            headline=p.headline,
        )
        for p in points
    ]


def circuit_frame(rows: Sequence[HistoryRow]) -> Any:
    """The table of diagnoses as a pandas DataFrame (one row per diagnosis), for --csv."""
    import pandas as pd

    cols = list(DiagnosisLine.__dataclass_fields__)
    frame = pd.DataFrame([vars(x) for x in _lines(to_points(rows))], columns=cols)
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def _num(v: float | None, fmt: str) -> str:
    return "—" if v is None else format(v, fmt)


def render_circuit_report(
    circuit: str,
    rows: Sequence[HistoryRow],
    documents: Sequence[FindingsDocument] = (),
    *,
    generated: datetime | None = None,
) -> str:
    """One self-contained HTML page for a circuit's history. `rows` are the store's timeline;
    `documents` (the stored findings of the same diagnoses) add each test's probe spread to the
    RTT plot and the circuit's sites; the page is whole without them."""
    points = to_points(rows, documents)
    latest_doc = max(documents, key=lambda d: d.run.started, default=None)
    facts: list[tuple[str, str]] = [("circuit", esc(circuit))]
    if rows:
        last = max(rows, key=lambda r: r.started)
        facts += [("customer", esc(last.customer)), ("region", esc(last.region or "—"))]
    if latest_doc is not None:
        c = latest_doc.circuit
        facts += [
            ("sites", f"{esc(c.a_site)} ⇄ {esc(c.b_site)}"),
            ("service", f"{esc(c.service.value)} {esc(c.bandwidth)}"),
        ]
    if points:
        facts += [
            ("diagnoses", str(len(points))),
            ("from", esc(when(points[0].started))),
            ("to", esc(when(points[-1].started))),
            ("latest", f"{status_badge(points[-1].status)} {esc(points[-1].headline)}"),
        ]
    head = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in facts)
    if points:
        plots_html = (
            figure(
                plots.smokeping(points),
                "RTT and loss over time",
                "RTT over time, SmokePing-style: the line is each test's median RTT, the grey "
                "smoke its min–max spread (darker: the middle half of the probes), each point "
                "coloured by its loss; the strip below is the loss. ▼ on top: everything lost.",
                "smokeping",
            )
            + figure(
                plots.crc_growth(points),
                "CRC growth over time",
                "CRC errors per minute on the WAN interface, the worse end, at each diagnosis.",
                "crc",
            )
            + figure(
                plots.verdicts(points),
                "verdict over time",
                "The verdict of each diagnosis, until the next one.",
                "verdicts",
            )
        )
    else:
        plots_html = '<p class="muted">No diagnosis of this circuit is stored.</p>'
    lines = _lines(points)
    table_rows = [
        (
            esc(when(x.time)),
            esc(x.sweep),
            status_badge(x.status),
            esc(x.segments),
            esc(x.owner),
            _num(x.loss_pct, ".1f"),
            _num(x.rtt_ms, ".1f"),
            _num(x.crc_per_min, ".1f"),
            esc(x.ticket),
            esc(x.rules),
            esc(x.headline),
        )
        for x in lines
    ]
    heads = ["time", "sweep", "status", "fault segments", "owner", "loss %", "RTT ms", "CRC/min"]
    body = (
        f"<h1>diag circuit report: {esc(circuit)}</h1>"
        f'<table class="facts"><tbody>{head}</tbody></table>'
        f'<section id="plots"><h2>Over time</h2>{plots_html}</section>'
        f'<section id="diagnoses"><h2>Diagnoses ({len(lines)}), oldest first</h2>'
        + table(
            [*heads, "ticket", "rules", "headline"],
            table_rows,
            numeric=frozenset({5, 6, 7}),
            css_id="diagnoses-table",
        )
        + "</section>"
    )
    return page(f"diag circuit {circuit}", body, generated=generated or datetime.now(UTC))
