"""The status decision table, in one function (`decide`).  Documented in docs/verdict.md.

Inputs: the findings of every rule, each evaluated on its own evidence, and the observations.

1. **Contradiction.**  A clean end-to-end test (a router-originated WAN-to-WAN ping, a laptop
   ping bypassing the routers, or a WAN-only ping) on a circuit whose routers answered weighs
   against every *break* in the carrier path between them: such a finding keeps its place but
   its confidence drops to at most CONF_CONTRADICTED, and its cause says why.
2. **Next steps are not faults.**  Generic findings (a ping across the whole line, the
   substitution order) become `info` when a more specific fault explains the symptom: a ping
   finding when a specific fault lies inside its segment, the substitution order as soon as any
   specific fault exists.
3. **Faults.**  The remaining fault findings are grouped by segment (one fault, several rules);
   of two nested faults the more specific stays: the narrower when both are as strong, the
   strong one when only one is.  Disjoint or overlapping faults are never merged.
4. **Status.**
   - `fault_localized`: at least one fault at confidence >= LOCALIZED_AT.  Every fault is
     listed; the headline is the one with the most service impact (an outage before a
     degradation), then the most certain, then the narrowest.
   - `fault_suspected`: faults, none strong.  They are listed as ranked candidates, the most
     specific (narrowest) first, then the most certain; the owner follows the first.
   - `healthy`: no fault, every NMS that manages the path's NEs was read completely, every
     transmission NE is managed, and an end-to-end test is clean.
   - `inconclusive`: no fault, and a source the decision needs could not be read (an NMS, an
     unmanaged NE, no end-to-end test because the routers could not be reached); the summary
     says what was read and passed.
   Management unreachability (an NMS, a router's SSH, this host's pings) is its own evidence
   class (`unreachable` findings): never a line fault.

The end-to-end tests and the unread sources are in diag.analyzers.verdict_sources, the faults
(contradiction, demotion, groups) in diag.analyzers.verdict_faults; this module keeps `decide`
and re-exports both.
"""

from __future__ import annotations

from typing import Literal

from diag.analyzers.context import Context
from diag.analyzers.verdict_faults import (
    _NEVER,
    BREAK_RULES,
    CONF_CONTRADICTED,
    GENERIC_LAST_RESORT,
    GENERIC_PING,
    LOCALIZED_AT,
    OUTAGE_RULES,
    OWNER_WORDS,
    _contradict,
    _demote,
    _fault,
    _first_raised,
    _groups,
)
from diag.analyzers.verdict_sources import EndToEnd, end_to_end, routers_up, unread_sources
from diag.i18n import tr, tr_marked
from diag.model.findings import Fault, Finding, Verdict
from diag.model.observations import NmsPollObservation

__all__ = [
    "BREAK_RULES",
    "CONF_CONTRADICTED",
    "GENERIC_LAST_RESORT",
    "GENERIC_PING",
    "LOCALIZED_AT",
    "OUTAGE_RULES",
    "OWNER_WORDS",
    "EndToEnd",
    "decide",
    "end_to_end",
    "routers_up",
    "unread_sources",
]


def _verdict(**fields: object) -> Verdict:
    """Verdict(**fields), validated from the dict without the keyword-argument overhead."""
    return Verdict.__pydantic_validator__.validate_python(fields)  # type: ignore[no-any-return]


def _where(f: Fault) -> str:
    s = f.segment
    span = s.from_ if s.from_ == s.to else f"{s.from_} … {s.to}"
    return tr("{span} ({owner})", span=span, owner=tr_marked(OWNER_WORDS[f.owner]))


# --------------------------------------------------------------------------- the decision


def decide(ctx: Context, findings: list[Finding]) -> tuple[list[Finding], Verdict]:
    path = ctx.path
    e2e = end_to_end(ctx)
    findings = _contradict(ctx, findings, e2e)
    findings = _demote(path, findings)
    faults = [f for f in findings if f.kind == "fault" and f.segment is not None]
    unread = unread_sources(ctx)
    groups = _groups(path, faults)
    if groups:
        strong = any(g.strong for g in groups)
        if strong:
            first = _first_raised(ctx, groups) if len(groups) > 1 else {}
            groups.sort(
                key=lambda g: (
                    not g.strong,
                    g.impact != "outage",
                    -g.confidence,
                    g.width,
                    first.get(id(g), _NEVER),
                    (g.lo, g.hi),
                )
            )
            status: Literal["fault_localized", "fault_suspected"] = "fault_localized"
            row = tr("fault_localized: a fault at confidence >= 0.7")
        else:
            groups.sort(key=lambda g: (g.width, -g.confidence))
            status = "fault_suspected"
            row = tr("fault_suspected: faults found, none at confidence >= 0.7")
        out = [_fault(ctx, n, g) for n, g in enumerate(groups, 1)]
        head = out[0]
        lead = groups[0].lead
        if status == "fault_localized":
            rest = "".join(
                tr(
                    "; ({number}) {where} [{refs}]",
                    number=f.number,
                    where=_where(f),
                    refs=", ".join(f.procedure),
                )
                for f in out[1:]
            )
            summary = tr(
                "{many} localized: ({number}) {where}: {cause} [{refs}]{rest}.",
                many=tr("{n} faults", n=len(out)) if len(out) > 1 else tr("Fault"),
                number=head.number,
                where=_where(head),
                cause=lead.cause,
                refs=", ".join(head.procedure),
                rest=rest,
            )
        else:
            rest = "".join(
                tr("; ({number}) {where}", number=f.number, where=_where(f)) for f in out[1:]
            )
            summary = tr(
                "Fault suspected{candidates}: ({number}) {where}: {cause} [{refs}]{rest}.",
                candidates=tr(", candidates most specific first") if len(out) > 1 else "",
                number=head.number,
                where=_where(head),
                cause=lead.cause,
                refs=", ".join(head.procedure),
                rest=rest,
            )
        basis = [row, *(tr("end-to-end: {test}", test=x) for x in e2e.clean + e2e.bad)]
        return findings, _verdict(
            status=status,
            segment=head.segment,
            owner=head.owner,
            summary=summary,
            faults=out,
            basis=basis,
            unread=unread,
        )

    passed = [tr("end-to-end test clean: {test}", test=x) for x in e2e.clean]
    polls = [p for p in ctx.of(NmsPollObservation) if p.ok and not p.partial]
    nes = sum(len(p.nes) for p in polls)
    if nes:
        passed.append(
            tr("no alarm counts against the circuit on the {n} NEs read from the NMS", n=nes)
            if nes != 1
            else tr("no alarm counts against the circuit on the 1 NE read from the NMS")
        )
    if not unread and e2e.state == "clean":
        pending = sum(1 for f in findings if f.kind == "not_evaluated")
        tail = tr("; {n} check(s) still need answers from site", n=pending) if pending else ""
        return findings, _verdict(
            status="healthy",
            segment=None,
            owner="unknown",
            summary=tr("No fault found: {passed}{tail}.", passed=tr("; ").join(passed), tail=tail),
            basis=[tr("healthy: every required source read, nothing counted, end-to-end clean")],
            unread=[],
        )
    missing = [u.rstrip(". ") for u in unread]
    if e2e.state == "none":
        missing.append(
            tr("no end-to-end test: no router ping across the line and no on-site ping answer")
        )
    said = (
        tr(" Read and passed: {passed}.", passed=tr("; ").join(passed))
        if passed
        else tr(" Nothing could be read.")
    )
    return findings, _verdict(
        status="inconclusive",
        segment=None,
        owner="unknown",
        summary=tr(
            "Inconclusive: no fault found, but {missing}.{said}",
            missing=tr("; ").join(missing),
            said=said,
        ),
        basis=[tr("inconclusive: a source the decision needs could not be read")],
        unread=missing,
    )
