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

from diag import __version__
from diag.i18n import Lang, lang, tr, using
from diag.model.findings import Fault, Finding, FindingsDocument
from diag.model.path import Segment
from diag.report.html import CSP, FONT_STACK, STATUS_COLOUR, esc, table, when
from diag.report.path_svg import LOCALIZED, SUSPECTED, path_svg

PROCEDURE = "e1-fault-handling"  # diag/playbooks/procedure.yaml's name: the rule set diag walks

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
    return f'<span class="status" id="status" data-status="{esc(status)}" style="background:{colour}">{esc(label)}</span>'


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


def _ticket_kind(kind: str) -> str:
    return {
        "complaint": tr("complaint"),
        "suggestion": tr("suggestion"),
        "enquiry": tr("enquiry"),
    }.get(kind, kind)


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


def _evidence(f: Finding) -> str:
    items = []
    for ev in f.evidence:
        cite = (
            f' <span class="cite">[{esc(tr("observation"))} {esc(ev.observation)}]</span>'
            if ev.observation
            else ""
        )
        items.append(f"<li>{esc(ev.text)}{cite}</li>")
    return f'<ul class="evidence">{"".join(items)}</ul>' if items else ""


def _finding(f: Finding, said: str = "") -> str:
    """A finding with its evidence; its cause unless `said` (the fault's summary) has it."""
    conf = f" {f.confidence:.0%}" if f.kind == "fault" else ""
    cause = "" if f.cause in said else f"<div>{esc(f.cause)}</div>"
    return (
        f'<div class="finding" data-rule="{esc(f.rule)}"><b>[{esc(f.procedure)}]</b> '
        f'{esc(f.title)} <span class="cite">({esc(f.rule)}{esc(conf)})</span>'
        f"{cause}{_evidence(f)}</div>"
    )


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
    return (
        f'<section id="verdict"><h2>{esc(tr("Verdict"))}</h2>'
        f'<table class="facts"><tbody>{body}</tbody></table>'
        f'<p id="verdict-summary"><b>{esc(v.summary)}</b></p></section>'
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
        evidence = "".join(_finding(x, f.summary) for x in fault_findings(doc, f))
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
    if doc.run.interrupted:
        items.append(
            f"<li>{esc(tr('The diagnosis was interrupted: it holds what was read before.'))}</li>"
        )
    title = f"<h2>{esc(tr('What could not be read'))}</h2>"
    if not items:
        return f'<section id="unread">{title}<p class="ok">{esc(tr("Every source was read."))}</p></section>'
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


def _ownership(doc: FindingsDocument, generated: datetime) -> str:
    run = doc.run
    rules = {f.rule for f in doc.findings}
    ticket = (
        f"{doc.ticket.number} ({_ticket_kind(doc.ticket.kind)})"
        if doc.ticket
        else tr("none given (diag circuit --ticket)")
    )
    mode = tr("live") if run.mode == "live" else tr("replay of a recorded capture")
    rows = [
        (tr("Ticket"), ticket),
        (tr("Accepted and run by"), run.operator),
        (tr("Diagnosis started"), when(run.started)),
        (tr("Diagnosis finished"), when(run.finished)),
        (tr("Host"), run.host),
        (tr("Mode"), mode),
        (tr("diag version"), run.tool_version),
        (
            tr("Rule set"),
            tr(
                "procedure {procedure}, {rules} rules evaluated",
                procedure=PROCEDURE,
                rules=len(rules),
            ),
        ),
        (
            tr("Page generated"),
            tr("{time} by diag {version}", time=when(generated), version=__version__),
        ),
    ]
    body = "".join(
        f'<tr data-field="{i}"><td>{esc(k)}</td><td>{esc(val)}</td></tr>'
        for i, (k, val) in enumerate(rows)
    )
    note = tr(
        "First-contact ownership: {operator} took this report and owns the ticket until it is "
        "closed: records it, follows it and confirms the result with the customer. This page "
        "says what was checked, so that the next person need not ask the customer again.",
        operator=run.operator,
    )
    return (
        f'<section id="ownership"><h2>{esc(tr("Ticket and ownership"))}</h2>'
        f'<table class="facts"><tbody>{body}</tbody></table>'
        f'<p class="owner-note">{esc(note)}</p></section>'
    )


def _checked(doc: FindingsDocument) -> str:
    from diag.output.terminal import reading

    rows = []
    for r in doc.collectors:
        state = (
            f'<span class="ok">{esc(tr("read"))}</span>'
            if r.ok
            else f'<span class="failed">{esc(tr("not read"))}</span>'
        )
        rows.append(
            [esc(r.name), esc(r.target), state, esc(f"{r.duration_s:.1f} s"), esc(r.error or "")]
        )
    headers = [tr("Collector"), tr("Target"), tr("Result"), tr("Time"), tr("Error")]
    coll = (
        table(headers, rows, numeric=frozenset({3}), css_id="collectors")
        if rows
        else f"<p>{esc(tr('No collector ran: no NMS or router of this path is managed.'))}</p>"
    )
    readings = [rd for o in doc.observations if (rd := reading(o))]
    read = "".join(f"<li>{esc(rd)}</li>" for rd in readings)
    others = [f for f in doc.findings if f.kind in ("consequence", "unreachable")]
    other = "".join(_finding(f) for f in others)
    pending = [f for f in doc.findings if f.kind == "not_evaluated"]
    waiting = "".join(f"<li>[{esc(f.procedure)}] {esc(f.title)}</li>" for f in pending)
    out = [f'<section id="checked"><h2>{esc(tr("What was checked"))}</h2>{coll}']
    if read:
        out.append(f'<h3>{esc(tr("Readings"))}</h3><ul id="readings">{read}</ul>')
    if other:
        out.append(f'<h3>{esc(tr("Other findings"))}</h3><div id="other-findings">{other}</div>')
    if pending:
        out.append(
            f"<h3>{esc(tr('Not evaluated yet: {count} rules wait for answers from site', count=len(pending)))}</h3>"
            f'<ul id="not-evaluated" class="muted">{waiting}</ul>'
        )
    out.append("</section>")
    return "".join(out)


def _comparison(doc: FindingsDocument) -> str:
    cmp = doc.comparison
    if cmp is None:
        return ""
    items = [
        f"<li>{esc(label)}: {esc(x)}</li>"
        for label, xs in (
            (tr("cleared since"), cmp.cleared),
            (tr("still there"), cmp.persisting),
            (tr("new since"), cmp.new),
        )
        for x in xs
    ]
    title = tr("Compared with the diagnosis of {time}", time=when(cmp.previous_started))
    return (
        f'<section id="comparison"><h2>{esc(title)}</h2><p>{esc(cmp.summary)}</p>'
        f"<ul>{''.join(items)}</ul></section>"
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
                _comparison(doc),
                _ownership(doc, generated),
                _checked(doc),
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
