"""The engineer's terminal summary: the path with the faulty segment marked, then the verdict,
the evidence behind it and the next steps."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from diag.model.findings import FindingsDocument
from diag.model.observations import (
    AlarmObservation,
    ConsoleObservation,
    CpuObservation,
    CrcGrowthObservation,
    DeviceAccessObservation,
    E1ControllerObservation,
    InterfaceObservation,
    NeE1LineObservation,
    NmsPollObservation,
    Observation,
    PingObservation,
)

STATUS_STYLE = {
    "healthy": ("HEALTHY", "bold green"),
    "fault_localized": ("FAULT LOCALIZED", "bold red"),
    "fault_suspected": ("FAULT SUSPECTED", "bold yellow"),
    "inconclusive": ("INCONCLUSIVE", "bold magenta"),
}
END_TAG = {"a": "A", "b": "B", "transport": "T"}


def render(doc: FindingsDocument, console: Console, *, verbose: bool = False) -> None:
    c = doc.circuit
    head = Text()
    head.append(c.id, style="bold")
    head.append(f"  {c.customer}  {c.a_site} ⇄ {c.b_site}  {c.service.value} {c.bandwidth}")
    if doc.ticket:
        head.append(f"  ticket {doc.ticket.number}", style="cyan")
    console.print(head)

    ids = [e.id for e in c.path]
    faults = doc.verdict.faults
    spans = []
    for f in faults:
        i, j = sorted((ids.index(f.segment.from_), ids.index(f.segment.to)))
        spans.append((f.number, i, j))
    if not faults and doc.verdict.segment is not None:  # a document older than faults[]
        i, j = sorted((ids.index(doc.verdict.segment.from_), ids.index(doc.verdict.segment.to)))
        spans.append((1, i, j))
    counted: dict[str, list[AlarmObservation]] = {}
    not_counted = {x.observation for x in doc.context} | {
        n.observation for n in doc.inventory_notes
    }
    context_at: dict[str, int] = {}
    for o in doc.observations:
        if isinstance(o, AlarmObservation) and o.device:
            if o.id in not_counted:
                context_at[o.device] = context_at.get(o.device, 0) + 1
            else:
                counted.setdefault(o.device, []).append(o)
    width = max(len(e.label) for e in c.path) + 2
    tag_w = len(_tags([n for n, *_ in spans])) + 2
    for i, el in enumerate(c.path):
        here = [n for n, lo, hi in spans if lo <= i <= hi]
        inside = bool(here)
        mark = Text(_tags(here).rjust(tag_w - 2) + ("▶ " if inside else "  "), style="bold red")
        line = Text.assemble(mark, (f"{END_TAG[el.end]} ", "dim"), ("● ", "red" if inside else ""))
        line.append(el.label.ljust(width), style="bold red" if inside else "")
        line.append(el.owner, style="dim")
        for al in counted.get(el.id, []):
            port = f" {al.port}" if al.port else ""
            line.append(f"  [{al.vendor_name}{port}]", style="yellow")
        if context_at.get(el.id):
            line.append(f"  (+{context_at[el.id]} not counted)", style="dim")
        console.print(line)
        if i < len(c.links):
            link = c.links[i]
            on = [n for n, lo, hi in spans if lo <= i < hi]
            in_link = bool(on)
            lk = Text(_tags(on).rjust(tag_w - 2) + ("▶ " if in_link else "  "), style="bold red")
            lk.append("  │ ", style="red" if in_link else "dim")
            lk.append(link.label, style="red" if in_link else "dim")
            console.print(lk)

    label, style = STATUS_STYLE[doc.verdict.status]
    v = Text("\nVerdict: ")
    v.append(label, style=style)
    seg = doc.verdict.segment
    if seg is not None:
        v.append(f"  {seg.from_} … {seg.to}  owner: {doc.verdict.owner}")
    console.print(v)
    console.print(f"  {doc.verdict.summary}", highlight=False, markup=False)
    for f in faults:
        span = (
            f.segment.from_
            if f.segment.from_ == f.segment.to
            else (f"{f.segment.from_} … {f.segment.to}")
        )
        console.print(
            f"  ({f.number}) {span}  owner {f.owner}, {f.impact}, {f.confidence:.0%}  "
            f"[{', '.join(f.procedure)}] {', '.join(f.rules)}",
            highlight=False,
            markup=False,
            style="red" if f.confidence >= 0.7 else "yellow",
        )
    for u in doc.verdict.unread:
        console.print(f"  not read: {u}", highlight=False, markup=False, style="magenta")

    if doc.customer_summary is not None:
        console.print(
            f"  For the customer: {doc.customer_summary.text}",
            highlight=False,
            markup=False,
            style="cyan",
        )
    if doc.comparison is not None:
        cmp = doc.comparison
        console.print(
            f"\nCompared with {cmp.previous_started:%Y-%m-%d %H:%M} "
            f"({cmp.previous_status}): {cmp.summary}",
            style="bold",
            markup=False,
        )
        for label, items in (
            ("cleared", cmp.cleared),
            ("persisting", cmp.persisting),
            ("new", cmp.new),
        ):
            for item in items:
                console.print(f"  {label:10} {item}", markup=False)
    pending = [f for f in doc.findings if f.kind == "not_evaluated"]
    order = {"fault": 0, "unreachable": 1, "consequence": 2, "info": 3, "not_evaluated": 4}
    shown = sorted(
        (f for f in doc.findings if f.kind in ("fault", "consequence", "unreachable")),
        key=lambda f: (order[f.kind], -f.confidence),
    )
    # next steps of findings demoted to info because a specific rule explains them (the swap
    # order, the generic ping advice) still belong to the plan
    demoted = [f for f in doc.findings if f.kind == "info" and f.segment is not None]
    if verbose:
        shown = doc.findings
    if shown:
        console.print("\nEvidence", style="bold")
        for fd in shown:
            conf = f" {fd.confidence:.0%}" if fd.kind == "fault" else ""
            console.print(f"  [{fd.procedure}] {fd.title} ({fd.kind}{conf})", highlight=False)
            for ev in fd.evidence:
                console.print(f"    - {ev.text}", highlight=False, markup=False)
        steps = [s for fd in [*shown, *demoted] for s in fd.next_steps]
        if steps:
            console.print("\nNext steps", style="bold")
            for n, s in enumerate(dict.fromkeys(steps), 1):
                console.print(f"  {n}. {s}", highlight=False, markup=False)
    if pending and not verbose:
        console.print(
            f"\nNot evaluated yet: {len(pending)} rule(s) wait for answers from site "
            "(`--ask`, `--observe KEY=VALUE`; `diag questions ID` lists them)",
            style="dim",
            markup=False,
        )
    if doc.inventory_notes:
        console.print("\nInventory notes (alarms diag cannot place)", style="bold")
        for note in doc.inventory_notes:
            console.print(f"  - {note.text}", highlight=False, markup=False)
            console.print(f"    → {note.next_step}", highlight=False, markup=False, style="cyan")
    if doc.context:
        console.print(
            f"\nNot counted: {len(doc.context)} alarm(s) on the path's NEs that are not this "
            "circuit's",
            style="bold",
        )
        shown_ctx = doc.context if verbose else doc.context[:8]
        for x in shown_ctx:
            console.print(f"  - {x.text}", highlight=False, markup=False, style="dim")
        if len(shown_ctx) < len(doc.context):
            console.print(
                f"  … {len(doc.context) - len(shown_ctx)} more (-v lists them)", style="dim"
            )
    readings = [rd for o in doc.observations if (rd := reading(o))]
    if readings:
        console.print("\nReadings", style="bold")
        for rd in readings:
            console.print(f"  {rd}", highlight=False, markup=False)
    polls = [o for o in doc.observations if isinstance(o, NmsPollObservation)]
    console.print("\nCollectors", style="bold")
    for r in doc.collectors:
        state = (
            Text("ok", style="green")
            if r.ok
            else Text("INTERRUPTED", style="bold yellow")
            if (r.error or "").startswith("interrupted")
            else Text("FAILED", style="bold red")
        )
        line = Text(f"  {r.name}  {r.target}  ")
        line.append_text(state)
        line.append(f"  {r.duration_s:.2f} s")
        if r.error:
            line.append(f"  {r.error}", style="red")
        console.print(line)
    if not doc.collectors and not polls:
        console.print("  none: no NMS manages the network elements of this path")
    if doc.run.interrupted:
        console.print(
            "\nInterrupted: the findings hold what was collected and answered before the "
            "interruption (Ctrl-C, SIGTERM or the end of the questions' input).",
            style="bold yellow",
        )


def _tags(numbers: list[int]) -> str:
    return ",".join(str(n) for n in numbers)


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def reading(o: Observation) -> str | None:
    """One line per observation worth showing an engineer, as read (no interpretation); a
    reading not read whole says so."""
    from diag.analyzers.quality import label

    line = _reading(o)
    tag = label(o)
    return f"{line}  [{tag}]" if line and tag else line


def _reading(o: Observation) -> str | None:
    if isinstance(o, InterfaceObservation):
        state = "/".join(
            "up" if x else "down" if x is not None else "?" for x in (o.line_up, o.protocol_up)
        )
        leads = ""
        if o.v35_leads:
            down = [k.upper() for k, up in o.v35_leads.items() if not up]
            leads = f", V.35 leads down: {' '.join(down)}" if down else ", V.35 leads all up"
        return (
            f"{o.device} {o.interface}: {state}{' (looped)' if o.looped else ''}, "
            f"CRC {o.crc if o.crc is not None else '-'}, input errors "
            f"{o.input_errors if o.input_errors is not None else '-'}, carrier transitions "
            f"{o.carrier_transitions if o.carrier_transitions is not None else '-'}{leads}"
            f" [{o.source}]"
        )
    if isinstance(o, CrcGrowthObservation):
        if o.reset:
            return f"{o.device} {o.interface}: CRC counter reset between samples ({o.note})"
        rate = f"{o.per_min:.1f}/min" if o.per_min is not None else "-"
        return (
            f"{o.device} {o.interface}: CRC +{o.delta} in {o.interval_s:.0f} s = {rate}"
            f"{' (counter wrapped)' if o.wrapped else ''}"
        )
    if isinstance(o, E1ControllerObservation):
        alarms = ", ".join(o.alarms) or "no alarms"
        return (
            f"{o.device} {o.controller}: {o.status or '?'}, {alarms}, PCV "
            f"{o.path_code_violations if o.path_code_violations is not None else '-'}, ES "
            f"{o.errored_secs if o.errored_secs is not None else '-'}, SES "
            f"{o.severely_err_secs if o.severely_err_secs is not None else '-'} [{o.source}]"
        )
    if isinstance(o, NeE1LineObservation):
        return f"{o.device} {o.port or o.if_index}: {', '.join(o.line_status)} (DS1-MIB)"
    if isinstance(o, CpuObservation):
        peak = f", 72 h peak {o.peak_72h:.0f}%" if o.peak_72h is not None else ""
        if o.peak_72h is None and o.peak_72h_min is not None:
            peak = f", 72 h peak at least {o.peak_72h_min:.0f}% (graph read in part)"
        return (
            f"{o.device} CPU: {_pct(o.five_sec)} 5 s, {_pct(o.one_min)} 1 min, "
            f"{_pct(o.five_min)} 5 min{peak}"
        )
    if isinstance(o, PingObservation):
        return (
            f"ping {o.origin} → {o.target}: {o.sent} sent, {o.loss_pct:.1f}% loss, rtt "
            f"min/mean/max {_ms(o.rtt_min_ms)}/{_ms(o.rtt_mean_ms)}/{_ms(o.rtt_max_ms)} ms"
        )
    if isinstance(o, ConsoleObservation):
        return (
            f"{o.device} console {o.port}: login {'ok' if o.login_ok else 'FAILED'}, "
            f"{o.answered}/{o.probes} probes answered, median rtt {_ms(o.rtt_median_ms)} ms"
            f"{', ' + str(o.dropped_sessions) + ' dropped' if o.dropped_sessions else ''}"
        )
    if isinstance(o, DeviceAccessObservation) and not o.ok:
        return f"{o.device} over {o.via}: FAILED at {o.stage}: {o.error}"
    return None


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}%"
