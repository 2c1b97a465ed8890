"""The status decision's faults: a clean end-to-end test contradicts a break (`_contradict`),
generic findings give way to specific ones (`_demote`), fault findings are grouped by span
(`_groups`) and each group becomes a `Fault`.  diag.analyzers.verdict re-exports the public
names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from diag.analyzers.context import Context
from diag.analyzers.registry import updated
from diag.analyzers.verdict_sources import EndToEnd, routers_up
from diag.i18n import mark, tr
from diag.model.findings import Fault, Finding
from diag.model.observations import AlarmObservation
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
    assert ra
    assert rb
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
