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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from diag.analyzers.context import Context
from diag.analyzers.registry import updated
from diag.analyzers.rules.tests import ping_bad, relevant_pings
from diag.i18n import mark, tr, tr_marked
from diag.model.findings import Fault, Finding, Verdict
from diag.model.observations import (
    AlarmObservation,
    DeviceAccessObservation,
    NmsPollObservation,
)
from diag.model.path import CircuitPath, Segment

OWNER_WORDS = {"carrier": mark("carrier"), "customer": mark("customer"), "unknown": mark("unknown")}
LOCALIZED_AT = 0.7  # a fault finding at or above this confidence localises the fault
CONF_CONTRADICTED = 0.45  # a break the clean service contradicts: suspected at most

# Findings that say the signal is interrupted (the service cannot run across their segment).
BREAK_RULES = frozenset(
    {
        "ais-upstream-localize",
        "signal-loss-localize",
        "equipment-fault-localize",
        "path-ais-localize",
        "remote-defect-localize",
        "e1-controller-los",
        "e1-controller-ais",
        "e1-controller-rai",
    }
)
# Faults whose kind interrupts the service (the rest degrade it).
OUTAGE_RULES = BREAK_RULES | frozenset(
    {
        "cpe-lamp-dead",
        "converter-lamp-dead",
        "optical-loss-of-light",
        "e1-los-converter-cable",
        "e1-los-customer-e1-cable",
        "ethernet-port-lamp-off",
        "v35-tx-lamp-off",
        "far-end-alarm-co-device",
        "customer-router-or-lan",
    }
)
# Symptom-level findings: a more specific rule that explains the symptom replaces them.
GENERIC_PING = frozenset({"ping-wan-to-wan", "ping-laptop-bypass"})
GENERIC_LAST_RESORT = frozenset({"substitution-order"})


# --------------------------------------------------------------------------- end-to-end tests


@dataclass
class EndToEnd:
    clean: list[str] = field(default_factory=list)  # what passed, in words
    bad: list[str] = field(default_factory=list)

    @property
    def state(self) -> Literal["clean", "bad", "none"]:
        if self.bad:
            return "bad"
        return "clean" if self.clean else "none"


def end_to_end(ctx: Context) -> EndToEnd:
    """The tests that cross the line: router WAN-to-WAN pings and the on-site ping answers.
    This host's pings to the WAN addresses test this host's reach, not the line."""
    t = ctx.thresholds
    out = EndToEnd()
    for p, _ in relevant_pings(ctx):
        if p.origin_kind != "router":
            continue
        words = tr(
            "{origin} → {target}: {loss} % loss",
            origin=p.origin,
            target=p.target,
            loss=f"{p.loss_pct:g}",
        )
        (out.bad if ping_bad(ctx, p) else out.clean).append(words)
    for key, what in (
        ("test.laptop_ping.loss_pct", mark("laptop-to-laptop ping")),
        ("test.wan_only_ping.loss_pct", mark("WAN-only ping")),
    ):
        v = ctx.answer_float(key)
        if v is None:
            continue
        (out.bad if v > t["loss_pct"] else out.clean).append(
            tr("{what}: {loss} % loss (reported)", what=tr_marked(what), loss=f"{v:g}")
        )
    return out


def routers_up(ctx: Context) -> bool:
    reached = {o.device for o in ctx.of(DeviceAccessObservation) if o.ok}
    routers = [r for s in ("a", "b") if (r := ctx.path.end(s).router)]
    return bool(routers) and all(r in reached for r in routers)


# --------------------------------------------------------------------------- sources


def unread_sources(ctx: Context) -> list[str]:
    """The sources a healthy verdict needs that were not read, in words."""
    out = []
    polls = ctx.of(NmsPollObservation)
    read_nes: set[str] = set()
    failed = False  # an NMS not read, or read in part: its NEs' state is unknown, not unpolled
    for p in polls:
        if not p.ok:
            out.append(tr("NMS {nms}: {error}", nms=p.nms, error=p.error or tr("no answer")))
            failed = True
        elif p.partial:
            out.append(
                tr(
                    "NMS {nms}: alarm list incomplete ({error})",
                    nms=p.nms,
                    error=p.error or tr("partial resync"),
                )
            )
            failed = True
        else:
            read_nes.update(p.nes)
    managed, routers = ctx.shaped("verdict.sources", lambda: _sources(ctx.path))
    for el_id, ne in managed:
        if ne is None:
            out.append(
                tr("{ne}: no NMS in the inventory manages it, its alarms are unknown", ne=el_id)
            )
        elif ne not in read_nes and not failed:
            out.append(tr("{ne}: its NMS was not polled", ne=el_id))
    if not routers:
        return out
    access: dict[str, list[DeviceAccessObservation]] = {}
    for o in ctx.of(DeviceAccessObservation):
        access.setdefault(o.device, []).append(o)
    for r in routers:
        if r not in access:
            continue
        if not any(o.ok for o in access[r]):
            why = "; ".join(f"{o.via}: {o.error}" for o in access[r] if o.error)
            out.append(
                tr(
                    "router {router}: could not be read ({why})",
                    router=r,
                    why=why or tr("no answer"),
                )
            )
    return out


def _sources(path: CircuitPath) -> tuple[list[tuple[str, str | None]], list[str]]:
    """The path's transmission NEs (id, NMS name) and its ends' routers, A first."""
    managed = [(e.id, e.ne_name) for e in path.elements if e.kind in ("pdh", "sdh", "msap")]
    return managed, [r for s in ("a", "b") if (r := path.end(s).router) is not None]


# --------------------------------------------------------------------------- faults


def _span(path: CircuitPath, seg: Segment) -> tuple[int, int]:
    i, j = path.index(seg.from_), path.index(seg.to)
    return (i, j) if i <= j else (j, i)


def _inside(path: CircuitPath, inner: Segment, outer: Segment) -> bool:
    lo, hi = _span(path, inner)
    lo2, hi2 = _span(path, outer)
    return lo2 <= lo and hi <= hi2


def _overlaps(path: CircuitPath, x: Segment, y: Segment) -> bool:
    lo, hi = _span(path, x)
    lo2, hi2 = _span(path, y)
    return lo <= hi2 and lo2 <= hi


def _contradict(ctx: Context, findings: list[Finding], e2e: EndToEnd) -> list[Finding]:
    if e2e.state != "clean" or not routers_up(ctx):
        return findings
    ra, rb = ctx.path.end("a").router, ctx.path.end("b").router
    assert ra and rb
    line = Segment(from_=ra, to=rb)
    out = []
    for f in findings:
        if (
            f.kind == "fault"
            and f.rule in BREAK_RULES
            and f.segment is not None
            and _inside(ctx.path, f.segment, line)
            and f.confidence > CONF_CONTRADICTED
        ):
            f = updated(
                f,
                confidence=CONF_CONTRADICTED,
                cause=f.cause
                + tr(
                    "; but the service crosses this span cleanly ({tests}), which a break "
                    "cannot explain: a stale alarm, a protection switch or a wrong port in the "
                    "inventory",
                    tests=tr("; ").join(e2e.clean),
                ),
                next_steps=[
                    tr(
                        "Check in the NMS whether the circuit runs on a protection path and "
                        "whether this alarm is current; correct the inventory's ports if not."
                    ),
                    *f.next_steps,
                ],
            )
        out.append(f)
    return out


_GENERIC = GENERIC_PING | GENERIC_LAST_RESORT


def _demote(path: CircuitPath, findings: list[Finding]) -> list[Finding]:
    specific = []
    generic = []  # positions of the generic faults
    for i, f in enumerate(findings):
        if f.kind == "fault" and f.segment is not None:
            if f.rule in _GENERIC:
                generic.append(i)
            else:
                specific.append(f)
    if not (specific and generic):  # nothing to demote: every finding stays as it is
        return findings
    out = list(findings)
    for i in generic:
        f = findings[i]
        by: Finding | None = None
        if f.rule in GENERIC_LAST_RESORT:
            by = specific[0]
        elif f.rule in GENERIC_PING:
            seg = f.segment
            by = next((g for g in specific if _overlaps(path, g.segment, seg)), None)  # type: ignore[arg-type]
        if by is not None:
            out[i] = updated(
                f,
                kind="info",
                title=tr("{title} (explained by {rule})", title=f.title, rule=by.rule),
                cause=tr(
                    "{cause}; explained more specifically by {rule}: {title}",
                    cause=f.cause,
                    rule=by.rule,
                    title=by.title,
                ),
            )
    return out


class _Group:
    """The fault findings on one span of the path (filled by `_groups`, then read only)."""

    __slots__ = ("confidence", "findings", "hi", "impact", "lead", "lo", "segment", "strong")

    def __init__(self, lo: int, hi: int, segment: Segment, first: Finding) -> None:
        self.lo, self.hi, self.segment = lo, hi, segment
        self.findings = [first]

    def close(self) -> None:
        """Work out what the decision reads of the group, once its findings are all in."""
        self.lead = max(self.findings, key=lambda f: f.confidence)
        self.confidence = self.lead.confidence
        self.strong = self.confidence >= LOCALIZED_AT
        self.impact: Literal["outage", "degraded"] = (
            "outage" if any(f.rule in OUTAGE_RULES for f in self.findings) else "degraded"
        )

    @property
    def width(self) -> int:
        return self.hi - self.lo


def _groups(path: CircuitPath, faults: Sequence[Finding]) -> list[_Group]:
    groups: dict[tuple[int, int], _Group] = {}
    for f in faults:
        assert f.segment is not None
        seg = f.segment
        i, j = path.index(seg.from_), path.index(seg.to)
        key = (i, j) if i <= j else (j, i)
        g = groups.get(key)
        if g is None:
            lo, hi = key
            if i > j or seg.from_ != path.elements[lo].id or seg.to != path.elements[hi].id:
                seg = Segment(from_=path.elements[lo].id, to=path.elements[hi].id)
            groups[key] = _Group(lo, hi, seg, f)
        else:
            g.findings.append(f)
    items = list(groups.values())
    for g in items:
        g.close()
    if len(items) == 1:
        return items
    return [g for g in items if not any(_more_specific(h, g) for h in items if h is not g)]


def _more_specific(h: _Group, g: _Group) -> bool:
    """h makes g redundant: nested with it, and strong where g is weak, or as strong and
    narrower."""
    if not ((g.lo <= h.lo and h.hi <= g.hi) or (h.lo <= g.lo and g.hi <= h.hi)):
        return False
    if h.strong != g.strong:
        return h.strong
    return h.width < g.width


_NEVER = datetime.max.replace(tzinfo=UTC)


def _first_raised(ctx: Context, groups: list[_Group]) -> dict[int, datetime]:
    """The earliest alarm each fault cites: of two faults alike in impact, certainty and width,
    the one that started first is the headline (the later may be its consequence or a second
    event); then the one nearer the A end, so the order never depends on rule order."""
    raised = {
        o.id: o.raised if o.raised.tzinfo else o.raised.replace(tzinfo=UTC)
        for o in ctx.of(AlarmObservation)
        if o.raised is not None
    }
    out: dict[int, datetime] = {}
    if not raised:
        return out
    for g in groups:
        times = [
            raised[e.observation] for f in g.findings for e in f.evidence if e.observation in raised
        ]
        if times:
            out[id(g)] = min(times)
    return out


def _fault(ctx: Context, n: int, g: _Group) -> Fault:
    lead = g.lead
    if len(g.findings) == 1:
        rules = [lead.rule]
        refs = list(dict.fromkeys(r for r in lead.procedure.split(",") if r.strip()))
        direction = lead.direction
    else:
        rules = list(dict.fromkeys(f.rule for f in sorted(g.findings, key=lambda f: -f.confidence)))
        refs = list(
            dict.fromkeys(r for f in g.findings for r in f.procedure.split(",") if r.strip())
        )
        dirs = {f.direction for f in g.findings}
        direction = dirs.pop() if len(dirs) == 1 else None
    return Fault.__pydantic_validator__.validate_python(  # type: ignore[no-any-return]
        {
            "number": n,
            "segment": g.segment,
            "owner": ctx.owner(g.segment),
            "confidence": round(g.confidence, 2),
            "rules": rules,
            "procedure": refs,
            "direction": direction,
            "impact": g.impact,
            "summary": tr("{title}: {cause}", title=lead.title, cause=lead.cause),
        }
    )


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
