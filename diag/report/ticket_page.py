"""The page for the fault ticket: one diagnosis as one self-contained HTML file.

What a ticket needs from it (DOMAIN.md §4): the path with each fault marked, the verdict (status,
segment, owner, confidence) with the evidence beside each fault, the next steps, the customer
summary, the ticket number, and — first-contact ownership (首问责任) — who ran it, when, with
which diag and rule set, and what was checked and what could not be read, so that the next
person need not ask the customer again.  What could not be read is always shown.

The page's own labels go through `tr()` in the document's language (its `lang`): the text
fields come already rendered in it.  Inline CSS and SVG only, no script, nothing fetched; every
value from an inventory, a device or an operator goes through `esc`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from diag.i18n import Lang, lang, tr, using
from diag.model.findings import Fault, Finding, FindingsDocument
from diag.model.path import Segment
from diag.report.html import CSP, FONT_STACK, STATUS_COLOUR, esc, when
from diag.report.path_svg import LOCALIZED, SUSPECTED, path_svg
from diag.report.ticket_record import checked, comparison, finding, ownership

_CSS = f"""
body {{ font-family: {FONT_STACK}; margin: 24px; color: #212121; background: #fff;
  max-width: 1100px; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
h2 {{ font-size: 18px; margin: 26px 0 8px; border-bottom: 1px solid #ccc; }}
h3 {{ font-size: 15px; margin: 14px 0 4px; }}
table {{ border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }}
th, td {{ border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f2f2f2; }}
td.num {{ text-align: right; white-space: nowrap; }}
.facts td:first-child {{ font-weight: bold; white-space: nowrap; }}
.status {{ color: #fff; padding: 2px 8px; border-radius: 3px; white-space: nowrap;
  font-weight: bold; }}
.muted {{ color: #616161; font-size: 13px; }}
.fault {{ border-left: 5px solid {LOCALIZED}; padding: 4px 12px; margin: 10px 0;
  background: #fff8f8; }}
.fault.suspected {{ border-left-color: {SUSPECTED}; background: #fffaf3; }}
.num-badge {{ display: inline-block; min-width: 20px; text-align: center; border: 2px solid;
  border-radius: 12px; font-weight: bold; margin-right: 6px; }}
.unread {{ border: 2px dashed #6a1b9a; padding: 4px 12px; background: #faf5fc; }}
.ok {{ color: #2e7d32; }}
.failed {{ color: #c62828; font-weight: bold; }}
.owner-note {{ border: 1px solid #90a4ae; background: #f5f8fa; padding: 6px 12px; }}
.cite {{ color: #757575; font-size: 12px; }}
.customer {{ font-size: 15px; border: 1px solid #b0bec5; padding: 8px 12px; }}
li {{ margin: 2px 0; }}
@media print {{ body {{ margin: 0; }} * {{ print-color-adjust: exact;
  -webkit-print-color-adjust: exact; }} }}
"""


def page_lang(doc: FindingsDocument) -> Lang:
    """The document's language (its text fields are in it), else the current one."""
    value = getattr(doc, "lang", None)
    return value if value in ("en", "zh") else lang()


def _status(status: str) -> str:
    """The status as a badge whose text (a symbol and words) survives black-and-white print."""
    label = {
        "healthy": "✔ " + tr("Healthy"),
        "fault_localized": "✖ " + tr("Fault localized"),
        "fault_suspected": "⚠ " + tr("Fault suspected"),
        "inconclusive": "? " + tr("Inconclusive"),
    }.get(status, status)
    colour = STATUS_COLOUR.get(status, "#424242")
    return (
        f'<span class="status" id="status" data-status="{esc(status)}" '
        f'style="background:{colour}">{esc(label)}</span>'
    )


def _owner(owner: str) -> str:
    return {
        "carrier": tr("the carrier"),
        "customer": tr("the customer"),
        "unknown": tr("not yet known"),
    }.get(owner, owner)


def _span(seg: Segment | None) -> str:
    if seg is None:
        return "—"
    return seg.from_ if seg.from_ == seg.to else f"{seg.from_} … {seg.to}"


def fault_findings(doc: FindingsDocument, fault: Fault) -> list[Finding]:
    """The fault findings that make `fault`: its rules, on its span of the path."""
    where = {e.id: i for i, e in enumerate(doc.circuit.path)}

    def key(seg: Segment) -> tuple[int, int] | None:
        if seg.from_ not in where or seg.to not in where:
            return None
        i, j = where[seg.from_], where[seg.to]
        return (i, j) if i <= j else (j, i)

    want = key(fault.segment)
    return [
        f
        for f in doc.findings
        if f.kind == "fault"
        and f.rule in fault.rules
        and f.segment is not None
        and key(f.segment) == want
    ]


def _head(doc: FindingsDocument) -> str:
    c = doc.circuit
    ticket = " — " + tr("ticket {number}", number=doc.ticket.number) if doc.ticket else ""
    byline = tr(
        "Run by {operator} at {time} (diag {version})",
        operator=doc.run.operator,
        time=when(doc.run.started),
        version=doc.run.tool_version,
    )
    return (
        f"<h1>{esc(c.id)}{esc(ticket)}</h1>"
        f'<p id="circuit">{esc(c.customer)} · {esc(c.a_site)} ⇄ {esc(c.b_site)} · '
        f"{esc(c.service.value)} {esc(c.bandwidth)}</p>"
        f'<p id="byline" class="muted">{esc(byline)}</p>'
    )


def _verdict(doc: FindingsDocument) -> str:
    v = doc.verdict
    head = v.faults[0] if v.faults else None
    rows = [
        [esc(tr("Status")), _status(v.status)],
        [esc(tr("Faulty segment")), esc(_span(v.segment))],
        [esc(tr("Owner")), esc(_owner(v.owner)) if v.segment is not None else "—"],
        [esc(tr("Confidence")), esc(f"{head.confidence:.0%}") if head else "—"],
    ]
    body = "".join(f"<tr><td>{k}</td><td>{val}</td></tr>" for k, val in rows)
    # the decision-table row applied and what it read: the evidence behind the verdict itself
    basis = "".join(f"<li>{esc(b)}</li>" for b in v.basis)
    basis_html = (
        f'<div class="muted">{esc(tr("Basis of the verdict"))}:<ul id="basis">{basis}</ul></div>'
        if basis
        else ""
    )
    return (
        f'<section id="verdict"><h2>{esc(tr("Verdict"))}</h2>'
        f'<table class="facts"><tbody>{body}</tbody></table>'
        f'<p id="verdict-summary"><b>{esc(v.summary)}</b></p>{basis_html}</section>'
    )


def _faults(doc: FindingsDocument) -> str:
    v = doc.verdict
    if not v.faults:
        return ""
    suspected = v.status == "fault_suspected"
    title = tr("Candidates, most specific first") if suspected else tr("Faults and their evidence")
    out = [f'<section id="faults"><h2>{esc(title)}</h2>']
    colour = SUSPECTED if suspected else LOCALIZED
    for f in v.faults:
        impact = tr("service interrupted") if f.impact == "outage" else tr("service degraded")
        facts = tr(
            "segment {segment}, owner {owner}, {impact}, confidence {confidence}",
            segment=_span(f.segment),
            owner=_owner(f.owner),
            impact=impact,
            confidence=f"{f.confidence:.0%}",
        )
        evidence = "".join(finding(x, f.summary) for x in fault_findings(doc, f))
        out.append(
            f'<div class="fault{" suspected" if suspected else ""}" id="fault-{f.number}" '
            f'data-fault="{f.number}"><h3><span class="num-badge" style="color:{colour}">'
            f"{f.number}</span>{esc(tr('fault {numbers}', numbers=f.number))}: "
            f"{esc(_span(f.segment))}</h3>"
            f"<div>{esc(facts)}</div><div><b>{esc(f.summary)}</b></div>"
            f'<div class="cite">{esc(tr("procedure"))} {esc(", ".join(f.procedure))} · '
            f"{esc(tr('rules'))} {esc(', '.join(f.rules))}</div>"
            f"<h4>{esc(tr('Evidence'))}</h4>{evidence or esc('—')}</div>"
        )
    out.append("</section>")
    return "".join(out)


def _unread(doc: FindingsDocument) -> str:
    """Every source that could not be read, and an interruption: never hidden."""
    items = [f"<li>{esc(u)}</li>" for u in doc.verdict.unread]
    for r in doc.collectors:
        # a collector the verdict already names as unread ("router x: ...") is listed once
        named = r.name.split(":", 1)[-1]
        if not r.ok and not any(named in u for u in doc.verdict.unread):
            items.append(
                f'<li class="collector-failed">{esc(r.name)} ({esc(r.target)}): '
                f"{esc(r.error or tr('failed'))}</li>"
            )
    for sk in doc.run.skipped:  # --quick: not read on purpose, still not read
        why = tr(
            "not read on purpose: CRC growth on {device} ({reason})",
            device=sk.device,
            reason=sk.reason,
        )
        items.append(f'<li class="skipped">{esc(why)}</li>')
    if doc.run.provisional:
        why = tr("Provisional verdict: made before the CRC window closed, CRC growth not measured.")
        items.append(f"<li>{esc(why)}</li>")
    if doc.run.interrupted:
        items.append(
            f"<li>{esc(tr('The diagnosis was interrupted: it holds what was read before.'))}</li>"
        )
    title = f"<h2>{esc(tr('What could not be read'))}</h2>"
    if not items:
        every = tr("Every source was read.")
        return f'<section id="unread">{title}<p class="ok">{esc(every)}</p></section>'
    return f'<section id="unread" class="unread">{title}<ul>{"".join(items)}</ul></section>'


def next_steps(doc: FindingsDocument) -> list[str]:
    """The next steps, as the terminal lists them: faults, consequences and unreachable sources
    first, then the steps of findings demoted to information; each once."""
    order = {"fault": 0, "unreachable": 1, "consequence": 2}
    shown = sorted(
        (f for f in doc.findings if f.kind in order), key=lambda f: (order[f.kind], -f.confidence)
    )
    demoted = [f for f in doc.findings if f.kind == "info" and f.segment is not None]
    return list(dict.fromkeys(s for f in [*shown, *demoted] for s in f.next_steps))


def _next_steps(doc: FindingsDocument) -> str:
    steps = next_steps(doc)
    body = (
        "<ol>" + "".join(f"<li>{esc(s)}</li>" for s in steps) + "</ol>"
        if steps
        else f"<p>{esc(tr('None.'))}</p>"
    )
    return f'<section id="next-steps"><h2>{esc(tr("Next steps"))}</h2>{body}</section>'


def _customer(doc: FindingsDocument) -> str:
    cs = doc.customer_summary
    if cs is None:
        return ""
    figures = []
    if cs.loss_pct is not None:
        figures.append(tr("loss {loss} %", loss=f"{cs.loss_pct:g}"))
    if cs.latency_ms is not None:
        figures.append(tr("latency {latency} ms", latency=f"{cs.latency_ms:g}"))
    if cs.measured_by:
        figures.append(tr("measured by {test}", test=cs.measured_by))
    extra = f'<p class="muted">{esc(" · ".join(figures))}</p>' if figures else ""
    return (
        f'<section id="customer-summary"><h2>{esc(tr("For the customer"))}</h2>'
        f'<p class="customer">{esc(cs.text)}</p>{extra}</section>'
    )


def _path(doc: FindingsDocument) -> str:
    legend = tr(
        "Marked faults: hatched and outlined elements, dashed links with ✖, numbered brackets "
        "(the numbers of the fault list)."
    )
    note = f'<p class="muted">{esc(legend)}</p>' if doc.verdict.faults else ""
    return (
        f'<section id="path"><h2>{esc(tr("Path, A end to B end"))}</h2>'
        f"<figure>{path_svg(doc)}</figure>{note}</section>"
    )


def render_ticket_page(doc: FindingsDocument, *, generated: datetime | None = None) -> str:
    """The whole page for `doc`, in the document's language."""
    language = page_lang(doc)
    generated = generated or datetime.now(UTC)
    with using(language):
        title = tr(
            "Diagnosis of {circuit} for ticket {ticket}",
            circuit=doc.circuit.id,
            ticket=doc.ticket.number if doc.ticket else "—",
        )
        body = "".join(
            (
                _head(doc),
                _verdict(doc),
                _unread(doc),
                _path(doc),
                _faults(doc),
                _next_steps(doc),
                _customer(doc),
                comparison(doc),
                ownership(doc, generated),
                checked(doc),
            )
        )
    html_lang = "zh-CN" if language == "zh" else "en"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def write_ticket_page(doc: FindingsDocument, dest: str) -> None:
    """Write the page to `dest` (`-` is stdout), atomically; a device node is written through."""
    from diag.output.files import write_output

    write_output(dest, render_ticket_page(doc))
