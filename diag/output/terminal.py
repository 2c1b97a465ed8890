"""The engineer's terminal summary: the path with the faulty segment marked, then the verdict,
the evidence behind it and the next steps."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from diag.model.findings import FindingsDocument
from diag.model.observations import AlarmObservation, NmsPollObservation

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

    seg = doc.verdict.segment
    ids = [e.id for e in c.path]
    lo = hi = -1
    if seg is not None:
        lo, hi = sorted((ids.index(seg.from_), ids.index(seg.to)))
    alarms: dict[str, list[AlarmObservation]] = {}
    for o in doc.observations:
        if isinstance(o, AlarmObservation) and o.device:
            alarms.setdefault(o.device, []).append(o)
    width = max(len(e.label) for e in c.path) + 2
    for i, el in enumerate(c.path):
        inside = lo <= i <= hi
        mark = Text("▶ " if inside else "  ", style="bold red")
        line = Text.assemble(mark, (f"{END_TAG[el.end]} ", "dim"), ("● ", "red" if inside else ""))
        line.append(el.label.ljust(width), style="bold red" if inside else "")
        line.append(el.owner, style="dim")
        for al in alarms.get(el.id, []):
            port = f" {al.port}" if al.port else ""
            line.append(f"  [{al.vendor_name}{port}]", style="yellow")
        console.print(line)
        if i < len(c.links):
            link = c.links[i]
            in_link = lo <= i < hi
            lk = Text("▶ " if in_link else "  ", style="bold red")
            lk.append("  │ ", style="red" if in_link else "dim")
            lk.append(link.label, style="red" if in_link else "dim")
            console.print(lk)

    label, style = STATUS_STYLE[doc.verdict.status]
    v = Text("\nVerdict: ")
    v.append(label, style=style)
    if seg is not None:
        v.append(f"  {seg.from_} … {seg.to}  owner: {doc.verdict.owner}")
    console.print(v)
    console.print(f"  {doc.verdict.summary}", highlight=False)

    shown = [f for f in doc.findings if f.kind in ("fault", "consequence", "not_evaluated")]
    if verbose:
        shown = doc.findings
    if shown:
        console.print("\nEvidence", style="bold")
        for f in shown:
            conf = f" {f.confidence:.0%}" if f.kind == "fault" else ""
            console.print(f"  [{f.procedure}] {f.title} ({f.kind}{conf})", highlight=False)
            for ev in f.evidence:
                console.print(f"    - {ev.text}", highlight=False)
        steps = [s for f in shown for s in f.next_steps]
        if steps:
            console.print("\nNext steps", style="bold")
            for n, s in enumerate(dict.fromkeys(steps), 1):
                console.print(f"  {n}. {s}", highlight=False)
    polls = [o for o in doc.observations if isinstance(o, NmsPollObservation)]
    console.print("\nCollectors", style="bold")
    for r in doc.collectors:
        state = Text("ok", style="green") if r.ok else Text("FAILED", style="bold red")
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
            "\nInterrupted: the findings hold only what was collected before Ctrl-C.",
            style="bold yellow",
        )
