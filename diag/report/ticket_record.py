"""The ticket page's record of the run: who ran it, when, with which diag and rule set
(first-contact ownership, DOMAIN.md §4), what was checked, and the findings with their evidence
as the page cites them.  Every value goes through `esc`."""

from __future__ import annotations

from datetime import datetime

from diag import __version__
from diag.i18n import tr
from diag.model.findings import Finding, FindingsDocument
from diag.report.html import esc, table, when

PROCEDURE = "e1-fault-handling"  # diag/playbooks/procedure.yaml's name: the rule set diag walks


def _ticket_kind(kind: str) -> str:
    return {
        "complaint": tr("complaint"),
        "suggestion": tr("suggestion"),
        "enquiry": tr("enquiry"),
    }.get(kind, kind)


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


def finding(f: Finding, said: str = "") -> str:
    """A finding with its evidence; its cause unless `said` (the fault's summary) has it."""
    conf = f" {f.confidence:.0%}" if f.kind == "fault" else ""
    cause = "" if f.cause in said else f"<div>{esc(f.cause)}</div>"
    return (
        f'<div class="finding" data-rule="{esc(f.rule)}"><b>[{esc(f.procedure)}]</b> '
        f'{esc(f.title)} <span class="cite">({esc(f.rule)}{esc(conf)})</span>'
        f"{cause}{_evidence(f)}</div>"
    )


def ownership(doc: FindingsDocument, generated: datetime) -> str:
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


def checked(doc: FindingsDocument) -> str:
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
    other = "".join(finding(f) for f in others)
    pending = [f for f in doc.findings if f.kind == "not_evaluated"]
    waiting = "".join(f"<li>[{esc(f.procedure)}] {esc(f.title)}</li>" for f in pending)
    out = [f'<section id="checked"><h2>{esc(tr("What was checked"))}</h2>{coll}']
    if read:
        out.append(f'<h3>{esc(tr("Readings"))}</h3><ul id="readings">{read}</ul>')
    if other:
        out.append(f'<h3>{esc(tr("Other findings"))}</h3><div id="other-findings">{other}</div>')
    if pending:
        out.append(
            "<h3>"
            + esc(
                tr(
                    "Not evaluated yet: {count} rules wait for answers from site",
                    count=len(pending),
                )
            )
            + "</h3>"
            f'<ul id="not-evaluated" class="muted">{waiting}</ul>'
        )
    out.append("</section>")
    return "".join(out)


def comparison(doc: FindingsDocument) -> str:
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
