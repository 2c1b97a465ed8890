"""The engineer's terminal summary: the path with the faulty segment marked, then the verdict,
the evidence behind it and the next steps."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from diag.i18n import mark, tr, tr_marked
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
    "healthy": (mark("HEALTHY"), "bold green"),
    "fault_localized": (mark("FAULT LOCALIZED"), "bold red"),
    "fault_suspected": (mark("FAULT SUSPECTED"), "bold yellow"),
    "inconclusive": (mark("INCONCLUSIVE"), "bold magenta"),
}
END_TAG = {"a": "A", "b": "B", "transport": "T"}
#: the words of the JSON's enumerations, as the reader sees them (the JSON keeps the values)
WORDS = {
    "carrier": mark("carrier"),
    "customer": mark("customer"),
    "unknown": mark("unknown"),
    "outage": mark("outage"),
    "degraded": mark("degraded"),
    "fault": mark("fault"),
    "consequence": mark("consequence"),
    "info": mark("info"),
    "unreachable": mark("unreachable"),
    "not_evaluated": mark("not_evaluated"),
    "healthy": mark("healthy"),
    "fault_localized": mark("fault_localized"),
    "fault_suspected": mark("fault_suspected"),
    "inconclusive": mark("inconclusive"),
}
#: device roles and link kinds named in the path drawing
PARTS = {
    "router": mark("router"),
    "switch": mark("switch"),
    "v35-converter": mark("v35-converter"),
    "ethernet-converter": mark("ethernet-converter"),
    "pdh": mark("pdh"),
    "sdh": mark("sdh"),
    "msap": mark("msap"),
    "fiber": mark("fiber"),
    "e1-cable": mark("e1-cable"),
    "ddf-jumper": mark("ddf-jumper"),
    "v35-cable": mark("v35-cable"),
    "ethernet": mark("ethernet"),
    "lan": mark("lan"),
    "sdh-line": mark("sdh-line"),
}


def word(value: str) -> str:
    """An enumeration value (owner, impact, kind, status) in the reader's language."""
    return tr_marked(WORDS[value]) if value in WORDS else value


def _part(value: str) -> str:
    return tr_marked(PARTS[value]) if value in PARTS else value


def _element_label(label: str, kind: str) -> str:
    """The drawing's label with its role word translated (`name (role, vendor model)`);
    LAN labels are `LAN site`."""
    if kind == "lan" and label.startswith("LAN "):
        return tr("LAN {site}", site=label[4:])
    if f" ({kind}, " in label:
        return label.replace(f" ({kind}, ", f" ({_part(kind)}, ", 1)
    return label


def render(doc: FindingsDocument, console: Console, *, verbose: bool = False) -> None:
    c = doc.circuit
    head = Text()
    head.append(c.id, style="bold")
    head.append(f"  {c.customer}  {c.a_site} ⇄ {c.b_site}  {c.service.value} {c.bandwidth}")
    if doc.ticket:
        head.append(tr("  ticket {number}", number=doc.ticket.number), style="cyan")
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
    labels = [_element_label(e.label, e.kind) for e in c.path]
    width = max(len(x) for x in labels) + 2
    tag_w = len(_tags([n for n, *_ in spans])) + 2
    for i, el in enumerate(c.path):
        here = [n for n, lo, hi in spans if lo <= i <= hi]
        inside = bool(here)
        mark = Text(_tags(here).rjust(tag_w - 2) + ("▶ " if inside else "  "), style="bold red")
        line = Text.assemble(mark, (f"{END_TAG[el.end]} ", "dim"), ("● ", "red" if inside else ""))
        line.append(labels[i].ljust(width), style="bold red" if inside else "")
        line.append(word(el.owner), style="dim")
        for al in counted.get(el.id, []):
            port = f" {al.port}" if al.port else ""
            line.append(f"  [{al.vendor_name}{port}]", style="yellow")
        if context_at.get(el.id):
            line.append(tr("  (+{n} not counted)", n=context_at[el.id]), style="dim")
        console.print(line)
        if i < len(c.links):
            link = c.links[i]
            on = [n for n, lo, hi in spans if lo <= i < hi]
            in_link = bool(on)
            lk = Text(_tags(on).rjust(tag_w - 2) + ("▶ " if in_link else "  "), style="bold red")
            lk.append("  │ ", style="red" if in_link else "dim")
            link_label = _part(link.label) if link.label == link.kind else link.label
            lk.append(link_label, style="red" if in_link else "dim")
            console.print(lk)

    label, style = STATUS_STYLE[doc.verdict.status]
    v = Text(tr("\nVerdict: "))
    v.append(tr_marked(label), style=style)
    seg = doc.verdict.segment
    if seg is not None:
        v.append(
            tr(
                "  {start} … {end}  owner: {owner}",
                start=seg.from_,
                end=seg.to,
                owner=word(doc.verdict.owner),
            )
        )
    console.print(v)
    console.print(f"  {doc.verdict.summary}", highlight=False, markup=False)
    for f in faults:
        span = (
            f.segment.from_
            if f.segment.from_ == f.segment.to
            else (f"{f.segment.from_} … {f.segment.to}")
        )
        console.print(
            tr(
                "  ({number}) {span}  owner {owner}, {impact}, {confidence}  [{refs}] {rules}",
                number=f.number,
                span=span,
                owner=word(f.owner),
                impact=word(f.impact),
                confidence=f"{f.confidence:.0%}",
                refs=", ".join(f.procedure),
                rules=", ".join(f.rules),
            ),
            highlight=False,
            markup=False,
            style="red" if f.confidence >= 0.7 else "yellow",
        )
    for u in doc.verdict.unread:
        console.print(
            tr("  not read: {what}", what=u), highlight=False, markup=False, style="magenta"
        )

    if doc.customer_summary is not None:
        console.print(
            tr("  For the customer: {text}", text=doc.customer_summary.text),
            highlight=False,
            markup=False,
            style="cyan",
        )
    if doc.comparison is not None:
        cmp = doc.comparison
        console.print(
            tr(
                "\nCompared with {when} ({status}): {summary}",
                when=f"{cmp.previous_started:%Y-%m-%d %H:%M}",
                status=word(cmp.previous_status),
                summary=cmp.summary,
            ),
            style="bold",
            markup=False,
        )
        for label, items in (
            (tr("cleared"), cmp.cleared),
            (tr("persisting"), cmp.persisting),
            (tr("new"), cmp.new),
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
        console.print(tr("\nEvidence"), style="bold")
        for fd in shown:
            conf = f" {fd.confidence:.0%}" if fd.kind == "fault" else ""
            console.print(f"  [{fd.procedure}] {fd.title} ({word(fd.kind)}{conf})", highlight=False)
            for ev in fd.evidence:
                console.print(f"    - {ev.text}", highlight=False, markup=False)
        steps = [s for fd in [*shown, *demoted] for s in fd.next_steps]
        if steps:
            console.print(tr("\nNext steps"), style="bold")
            for n, s in enumerate(dict.fromkeys(steps), 1):
                console.print(f"  {n}. {s}", highlight=False, markup=False)
    if pending and not verbose:
        console.print(
            tr(
                "\nNot evaluated yet: {n} rule(s) wait for answers from site "
                "(`--ask`, `--observe KEY=VALUE`; `diag questions ID` lists them)",
                n=len(pending),
            ),
            style="dim",
            markup=False,
        )
    if doc.inventory_notes:
        console.print(tr("\nInventory notes (alarms diag cannot place)"), style="bold")
        for note in doc.inventory_notes:
            console.print(f"  - {note.text}", highlight=False, markup=False)
            console.print(f"    → {note.next_step}", highlight=False, markup=False, style="cyan")
    if doc.context:
        console.print(
            tr(
                "\nNot counted: {n} alarm(s) on the path's NEs that are not this circuit's",
                n=len(doc.context),
            ),
            style="bold",
        )
        shown_ctx = doc.context if verbose else doc.context[:8]
        for x in shown_ctx:
            console.print(f"  - {x.text}", highlight=False, markup=False, style="dim")
        if len(shown_ctx) < len(doc.context):
            console.print(
                tr("  … {n} more (-v lists them)", n=len(doc.context) - len(shown_ctx)),
                style="dim",
            )
    readings = [rd for o in doc.observations if (rd := reading(o))]
    if readings:
        console.print(tr("\nReadings"), style="bold")
        for rd in readings:
            console.print(f"  {rd}", highlight=False, markup=False)
    polls = [o for o in doc.observations if isinstance(o, NmsPollObservation)]
    console.print(tr("\nCollectors"), style="bold")
    for r in doc.collectors:
        state = (
            Text(tr("ok"), style="green")
            if r.ok
            else Text(tr("INTERRUPTED"), style="bold yellow")
            if (r.error or "").startswith("interrupted")
            else Text(tr("FAILED"), style="bold red")
        )
        line = Text(f"  {r.name}  {r.target}  ")
        line.append_text(state)
        line.append(f"  {r.duration_s:.2f} s")
        if r.error:
            line.append(f"  {r.error}", style="red")
        console.print(line)
    if not doc.collectors and not polls:
        console.print(tr("  none: no NMS manages the network elements of this path"))
    if doc.run.interrupted:
        console.print(
            tr(
                "\nInterrupted: the findings hold what was collected and answered before the "
                "interruption (Ctrl-C, SIGTERM or the end of the questions' input)."
            ),
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
            tr("up") if x else tr("down") if x is not None else "?"
            for x in (o.line_up, o.protocol_up)
        )
        leads = ""
        if o.v35_leads:
            down = [k.upper() for k, up in o.v35_leads.items() if not up]
            leads = (
                tr(", V.35 leads down: {leads}", leads=" ".join(down))
                if down
                else tr(", V.35 leads all up")
            )
        return tr(
            "{device} {interface}: {state}{looped}, CRC {crc}, input errors {errors}, "
            "carrier transitions {transitions}{leads} [{source}]",
            device=o.device,
            interface=o.interface,
            state=state,
            looped=tr(" (looped)") if o.looped else "",
            crc=o.crc if o.crc is not None else "-",
            errors=o.input_errors if o.input_errors is not None else "-",
            transitions=o.carrier_transitions if o.carrier_transitions is not None else "-",
            leads=leads,
            source=o.source,
        )
    if isinstance(o, CrcGrowthObservation):
        if o.reset:
            return tr(
                "{device} {interface}: CRC counter reset between samples ({note})",
                device=o.device,
                interface=o.interface,
                note=o.note,
            )
        rate = tr("{rate}/min", rate=f"{o.per_min:.1f}") if o.per_min is not None else "-"
        return tr(
            "{device} {interface}: CRC +{delta} in {seconds} s = {rate}{wrapped}",
            device=o.device,
            interface=o.interface,
            delta=o.delta,
            seconds=f"{o.interval_s:.0f}",
            rate=rate,
            wrapped=tr(" (counter wrapped)") if o.wrapped else "",
        )
    if isinstance(o, E1ControllerObservation):
        alarms = ", ".join(o.alarms) or tr("no alarms")
        return (
            f"{o.device} {o.controller}: {o.status or '?'}, {alarms}, PCV "
            f"{o.path_code_violations if o.path_code_violations is not None else '-'}, ES "
            f"{o.errored_secs if o.errored_secs is not None else '-'}, SES "
            f"{o.severely_err_secs if o.severely_err_secs is not None else '-'} [{o.source}]"
        )
    if isinstance(o, NeE1LineObservation):
        return f"{o.device} {o.port or o.if_index}: {', '.join(o.line_status)} (DS1-MIB)"
    if isinstance(o, CpuObservation):
        peak = tr(", 72 h peak {pct}%", pct=f"{o.peak_72h:.0f}") if o.peak_72h is not None else ""
        if o.peak_72h is None and o.peak_72h_min is not None:
            peak = tr(
                ", 72 h peak at least {pct}% (graph read in part)", pct=f"{o.peak_72h_min:.0f}"
            )
        return tr(
            "{device} CPU: {five_sec} 5 s, {one_min} 1 min, {five_min} 5 min{peak}",
            device=o.device,
            five_sec=_pct(o.five_sec),
            one_min=_pct(o.one_min),
            five_min=_pct(o.five_min),
            peak=peak,
        )
    if isinstance(o, PingObservation):
        return tr(
            "ping {origin} → {target}: {sent} sent, {loss}% loss, rtt min/mean/max "
            "{rtt_min}/{rtt_mean}/{rtt_max} ms",
            origin=o.origin,
            target=o.target,
            sent=o.sent,
            loss=f"{o.loss_pct:.1f}",
            rtt_min=_ms(o.rtt_min_ms),
            rtt_mean=_ms(o.rtt_mean_ms),
            rtt_max=_ms(o.rtt_max_ms),
        )
    if isinstance(o, ConsoleObservation):
        return tr(
            "{device} console {port}: login {login}, {answered}/{probes} probes answered, "
            "median rtt {rtt} ms{dropped}",
            device=o.device,
            port=o.port,
            login=tr("ok") if o.login_ok else tr("FAILED"),
            answered=o.answered,
            probes=o.probes,
            rtt=_ms(o.rtt_median_ms),
            dropped=tr(", {n} dropped", n=o.dropped_sessions) if o.dropped_sessions else "",
        )
    if isinstance(o, DeviceAccessObservation) and not o.ok:
        return tr(
            "{device} over {via}: FAILED at {stage}: {error}",
            device=o.device,
            via=o.via,
            stage=o.stage,
            error=o.error,
        )
    return None


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}%"
