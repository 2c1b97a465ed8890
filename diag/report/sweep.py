"""The sweep report: what one sweep found, incidents first, then every circuit worst first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from diag.report import plots
from diag.report.html import STATUS_RANK, esc, figure, page, status_badge, table, when

if TYPE_CHECKING:
    from diag.model.findings import FindingsDocument
    from diag.model.path import Segment
    from diag.sweep.model import Incident, SweepDocument


@dataclass(frozen=True)
class SweepLine:
    """One circuit's row of the status table (and of the CSV)."""

    circuit: str
    customer: str
    status: str
    segment: str
    owner: str
    summary: str
    duration_s: float
    error: str


def seg(s: Segment | None) -> str:
    return "" if s is None else s.from_ if s.from_ == s.to else f"{s.from_}..{s.to}"


def sweep_lines(
    sweep: SweepDocument, documents: Sequence[FindingsDocument] = ()
) -> list[SweepLine]:
    """Every circuit of the sweep, worst status first, then by id. A circuit's customer comes
    from its stored document, or from an incident that names it."""
    customer = {c.circuit: c.customer for i in sweep.incidents for c in i.circuits}
    customer.update({d.circuit.id: d.circuit.customer for d in documents})
    lines = [
        SweepLine(
            circuit=r.circuit,
            customer=customer.get(r.circuit, ""),
            status=r.status,
            segment=seg(r.segment),
            owner=r.owner or "",
            summary=r.summary,
            duration_s=r.duration_s,
            error=r.error or "",
        )
        for r in sweep.circuits
    ]
    return sorted(lines, key=lambda x: (STATUS_RANK.get(x.status, 9), x.circuit))


def sweep_frame(sweep: SweepDocument, documents: Sequence[FindingsDocument] = ()) -> Any:
    """The status table as a pandas DataFrame (one row per circuit), for --csv."""
    import pandas as pd

    cols = list(SweepLine.__dataclass_fields__)
    return pd.DataFrame([asdict(x) for x in sweep_lines(sweep, documents)], columns=cols)


def _header(sweep: SweepDocument) -> str:
    sel = sweep.selection
    chosen = [
        f"{name}: {', '.join(vals)}"
        for name, vals in (
            ("ids", sel.ids),
            ("groups", sel.groups),
            ("regions", sel.regions),
            ("NMS", sel.nms),
            ("customers", sel.customers),
        )
        if vals
    ]
    facts = [
        ("sweep", esc(sweep.id)),
        (
            "state",
            esc(sweep.state) + (f" ({esc(sweep.interrupted_by)})" if sweep.interrupted_by else ""),
        ),
        ("started", esc(when(sweep.started))),
        ("finished", esc(when(sweep.finished))),
        ("duration", "—" if sweep.duration_s is None else f"{sweep.duration_s:.1f} s"),
        ("resumed", esc(", ".join(when(t) for t in sweep.resumed)) or "—"),
        (
            "selection",
            esc("; ".join(chosen) or "all circuits") + f" ({len(sel.circuits)} circuits)",
        ),
        ("host / operator", f"{esc(sweep.host)} / {esc(sweep.operator)}"),
        ("diag", esc(sweep.tool_version)),
        ("inventory", esc(", ".join(sweep.inventory))),
    ]
    rows = [f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in facts]
    return f'<table class="facts"><tbody>{"".join(rows)}</tbody></table>'


def _counts(sweep: SweepDocument) -> str:
    c = sweep.counts
    counts = {
        "fault_localized": c.fault_localized,
        "fault_suspected": c.fault_suspected,
        "failed": c.failed,
        "inconclusive": c.inconclusive,
        "not_run": c.not_run,
        "healthy": c.healthy,
    }
    cells = [(status_badge(k), str(v)) for k, v in counts.items()]
    cells.append(("<b>total</b>", f"<b>{c.total}</b>"))
    return table(["status", "circuits"], cells, numeric=frozenset({1}), css_id="counts") + figure(
        plots.status_counts({k: v for k, v in counts.items() if v}),
        "circuits per status",
        "Circuits per status.",
        "counts-plot",
    )


def _snapshots(sweep: SweepDocument) -> str:
    if not sweep.snapshots:
        return '<p class="muted">No NMS snapshot was taken.</p>'
    rows = [
        (
            esc(s.nms),
            esc(s.driver),
            "ok" if s.ok and not s.partial else ("partial" if s.ok else "failed"),
            esc(when(s.started)),
            f"{s.duration_s:.1f}",
            str(s.alarms),
            str(s.nes),
            str(s.circuits),
            esc(s.completeness or ""),
            esc(s.error or ""),
        )
        for s in sweep.snapshots
    ]
    heads = ["NMS", "driver", "read", "started", "s", "alarms", "NEs", "circuits"]
    return table(
        [*heads, "completeness", "error"],
        rows,
        numeric=frozenset({4, 5, 6, 7}),
        css_id="snapshots",
    )


def _incident(inc: Incident) -> str:
    affected = table(
        ["circuit", "customer", "status"],
        [(esc(c.circuit), esc(c.customer), status_badge(c.status)) for c in inc.circuits],
    )
    where = ", ".join([*inc.elements, *inc.links])
    return (
        f'<div class="incident" id="{esc(inc.id)}"><h3>{esc(inc.id)}: span {esc(seg(inc.span))}'
        f" — owner {esc(inc.owner)}</h3>"
        f"<p>{esc(inc.summary)}</p>"
        f"<p>Shared: {esc(where) or '—'}; rules {esc(', '.join(inc.rules)) or '—'}; "
        f"confidence {inc.confidence:.2f}; {len(inc.circuits)} circuits, "
        f"{len(inc.customers)} customers: {esc('; '.join(inc.customers))}</p>"
        f"{affected}</div>"
    )


def render_sweep_report(
    sweep: SweepDocument,
    documents: Sequence[FindingsDocument] = (),
    *,
    generated: datetime | None = None,
) -> str:
    """One self-contained HTML page for a sweep. `documents` (the sweep's stored findings) give
    each circuit's customer; the page is whole without them."""
    lines = sweep_lines(sweep, documents)
    incidents = (
        "".join(_incident(i) for i in sweep.incidents)
        if sweep.incidents
        else '<p class="muted">No incident: no two failed circuits share a faulty span.</p>'
    )
    failures = (
        "<ul>" + "".join(f"<li>{esc(f)}</li>" for f in sweep.failures) + "</ul>"
        if sweep.failures
        else '<p class="muted">None.</p>'
    )
    status_rows = [
        (
            f'<a id="c-{esc(x.circuit)}"></a>{esc(x.circuit)}',
            esc(x.customer),
            status_badge(x.status),
            esc(x.segment),
            esc(x.owner),
            esc(x.summary) + (f' <span class="muted">({esc(x.error)})</span>' if x.error else ""),
            f"{x.duration_s:.1f}",
        )
        for x in lines
    ]
    heads = ["circuit", "customer", "status", "fault segment", "owner", "summary", "s"]
    body = (
        f"<h1>diag sweep report: {esc(sweep.id)}</h1>"
        f'<section id="header"><div class="row">{_header(sweep)}{_counts(sweep)}</div>'
        f"<h2>NMS snapshots</h2>{_snapshots(sweep)}"
        f"<h2>Failures outside a circuit</h2>{failures}</section>"
        f'<section id="incidents"><h2>Incidents ({len(sweep.incidents)})</h2>{incidents}</section>'
        f'<section id="status"><h2>Circuits ({len(lines)}), worst first</h2>'
        f"{table(heads, status_rows, numeric=frozenset({6}), css_id='status-table')}</section>"
    )
    return page(f"diag sweep {sweep.id}", body, generated=generated or datetime.now(UTC))
