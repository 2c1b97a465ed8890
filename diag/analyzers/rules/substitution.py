"""Step 3.4 of the procedure: substitution, one part at a time (R-SUB, article L561-563).

When the tests of 3.3 are clean (the channel BER below `ber_errors`, pings answered even if
intermittently) and the fault persists (CRC growth, loss, or the customer says so), replace the E1
line, the transmission equipment and the customer's equipment one at a time.  The order here
starts with the cheapest and most likely part: the E1 cable / DDF jumper at each end, then the
channel through the carrier (re-routed), the operator's converter / PDH, and last the customer
router; the end with the evidence (CRC growth, errored seconds) goes first within each kind.  A
swap reported `no-change` is skipped; a swap reported `fixed` names the part at fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from diag.analyzers.context import Context
from diag.analyzers.registry import by_inputs, finding, rule
from diag.analyzers.rules.tests import (
    E1_INTERFACES,
    channel_clean,
    cited,
    clauses,
    controller_evidence,
    controller_troubled,
    crc_evidence,
    crc_growing,
    listed,
    ping_bad,
    ping_evidence,
    relevant_pings,
    towards_lan,
)
from diag.i18n import mark, tr
from diag.model.findings import Evidence, Finding
from diag.model.path import Segment

# Confidence, and why.  LOCALIZED_AT in the engine is 0.7.
CONF_FIXED = 0.85  # the fault went away with the part; not higher: an intermittent fault can
#                    pause by itself (case 4.1 watched for months before calling it solved)
CONF_FIXED_END_GUESSED = 0.6  # a line-wide swap key, the end taken from where the evidence is
CONF_FIXED_END_UNKNOWN = 0.4  # a line-wide swap key and no evidence of which end
CONF_FIXED_SEVERAL = 0.5  # more than one swap reported as the fix: one at a time was not kept
CONF_PENDING = 0.3  # the tests excluded nothing that says which remaining part it is

SWAP_KEYS = (
    "{s}.swap.e1_cable",
    "swap.e1_line",
    "{s}.swap.transmission",
    "swap.transmission",
    "{s}.swap.customer_router",
    "swap.customer_router",
    "swap.customer_equipment",
)


@dataclass(frozen=True)
class Part:
    key: str  # the answer key that reports this swap: a.swap.e1_cable
    line_keys: tuple[str, ...]  # line-wide keys that also report it: swap.transmission
    what: str  # "the E1 cable / DDF jumper between pdh-1 and rtr-a (Branch 9)"
    how: str  # the concrete step
    segment: Segment
    side: str | None


def evidence_ends(ctx: Context) -> list[str]:
    """The ends where the routers see the fault (CRC growth, E1 alarms / errored seconds)."""
    sides = {s for s, _ in crc_growing(ctx)} | {s for s, _ in controller_troubled(ctx)}
    return sorted(sides)


def end_order(ctx: Context) -> list[str]:
    ends = evidence_ends(ctx)
    return ends + [s for s in ("a", "b") if s not in ends] if len(ends) == 1 else ["a", "b"]


def parts(ctx: Context) -> list[Part]:
    """Every part R-SUB can swap on this circuit, in the order to swap them."""
    order = end_order(ctx)
    out: list[Part] = []
    for s in order:
        end = ctx.path.end(s)
        near = towards_lan(ctx, s, end.cpe)
        if ctx.element(near).kind == "lan":
            continue
        # with a converter the CPE hands over E1 too; a native Ethernet / V.35 port its own cable
        e1 = end.interface in E1_INTERFACES or end.converter
        kind = (
            tr("E1 cable / DDF jumper")
            if e1
            else tr("{interface} cable", interface=end.interface.value)
        )
        out.append(
            Part(
                key=f"{s}.swap.e1_cable",
                line_keys=(),
                what=tr(
                    "the {kind} between {cpe} and {near} ({site})",
                    kind=kind,
                    cpe=end.cpe,
                    near=near,
                    site=end.site,
                ),
                how=tr(
                    "At {site}: replace the {kind} between {cpe} and {near} with a tested spare "
                    "(same impedance, a new DDF jumper)",
                    site=end.site,
                    kind=kind,
                    cpe=end.cpe,
                    near=near,
                ),
                segment=ctx.seg(end.cpe, near),
                side=s,
            )
        )
    a, b = ctx.path.end("a"), ctx.path.end("b")
    stations = [e.id for e in ctx.path.elements if e.end == "transport"]
    out.append(
        Part(
            key="swap.e1_line",
            line_keys=(),
            what=tr("the E1 channel {x} … {y}", x=a.cpe, y=b.cpe),
            how=(
                tr(
                    "Re-route the E1 channel through {stations} onto spare tributary ports / "
                    "timeslots and new DDF jumpers at each station",
                    stations=listed(stations),
                )
                if stations
                else tr(
                    "Re-route the E1 channel onto spare tributary ports / timeslots and new DDF "
                    "jumpers at each station"
                )
            ),
            segment=ctx.seg(a.cpe, b.cpe),
            side=None,
        )
    )
    for s in order:
        end = ctx.path.end(s)
        first = end.converter or end.cpe
        boxes = (
            tr("{converter} and {cpe}", converter=end.converter, cpe=end.cpe)
            if end.converter
            else end.cpe
        )
        out.append(
            Part(
                key=f"{s}.swap.transmission",
                line_keys=("swap.transmission",),
                what=tr("the operator's equipment at {site} ({boxes})", site=end.site, boxes=boxes),
                how=(
                    tr(
                        "At {site}: replace {boxes} with spares of the same model and settings "
                        "(the converter with its cable to the router)",
                        site=end.site,
                        boxes=boxes,
                    )
                    if end.converter
                    else tr(
                        "At {site}: replace {boxes} with a spare of the same model and settings",
                        site=end.site,
                        boxes=boxes,
                    )
                ),
                segment=ctx.seg(first, end.cpe),
                side=s,
            )
        )
    for s in order:
        end = ctx.path.end(s)
        if not end.router:
            continue
        out.append(
            Part(
                key=f"{s}.swap.customer_router",
                line_keys=("swap.customer_router", "swap.customer_equipment"),
                what=tr("the customer router {router} ({site})", router=end.router, site=end.site),
                how=tr(
                    "Ask the customer at {site} to put a spare router in place of {router}, "
                    "preferably another make (case 4.1: a Huawei-to-Cisco swap cleared a "
                    "channel/router mismatch)",
                    site=end.site,
                    router=end.router,
                ),
                segment=ctx.seg(end.router),
                side=s,
            )
        )
    return out


def status(ctx: Context, part: Part) -> str | None:
    """fixed / no-change / not-done / None, the end's own answer before a line-wide one."""
    own = ctx.answer(part.key)
    if own is not None:
        return own
    for k in part.line_keys:
        v = ctx.answer(k)
        if v is not None and v != "fixed":  # a line-wide "fixed" does not say which end
            return v
    return None


def persists(ctx: Context) -> bool:
    """Whether anything says the fault is still there (what `persisting` cites)."""
    if crc_growing(ctx) or controller_troubled(ctx):
        return True
    if any(ping_bad(ctx, p) for p, _ in relevant_pings(ctx)):
        return True
    loss = ctx.answer_float("test.laptop_ping.loss_pct")
    if loss is not None and loss > ctx.thresholds["loss_pct"]:
        return True
    return ctx.answer("fault.persists") == "yes"


def persisting(ctx: Context) -> list[Evidence]:
    """What says the fault is still there: CRC growth, ping loss, errored controllers, the
    customer's word."""
    out = [cited(ctx, crc_evidence, g) for _, g in crc_growing(ctx)]
    out += [cited(ctx, controller_evidence, c) for _, c in controller_troubled(ctx)]
    out += [cited(ctx, ping_evidence, p) for p, _ in relevant_pings(ctx) if ping_bad(ctx, p)]
    loss = ctx.answer_float("test.laptop_ping.loss_pct")
    if loss is not None and loss > ctx.thresholds["loss_pct"]:
        out.append(ctx.cite("test.laptop_ping.loss_pct"))
    if ctx.answer("fault.persists") == "yes":
        out.append(ctx.cite("fault.persists"))
    return out


# SWAP_KEYS with `{s}` filled with each end, in order
_SWAP_ANSWERS = tuple(
    key for k in SWAP_KEYS for key in ([k.format(s=s) for s in ("a", "b")] if "{s}" in k else [k])
)


def _fixed_keys(ctx: Context) -> list[str]:
    answers = ctx.answers
    if answers.keys().isdisjoint(_SWAP_ANSWERS):
        return []
    return [k for k in _SWAP_ANSWERS if k in answers and answers[k].value == "fixed"]


def _applies_order(ctx: Context) -> bool:
    return persists(ctx) and ctx.answer("fault.persists") != "no" and not _fixed_keys(ctx)


@rule(
    "substitution-order",
    ("R-SUB",),
    "3.4",
    mark(
        "tests clean, fault persists: the parts to swap one at a time, cheapest and likeliest first"
    ),
    ("test.e1.ber", "test.v35.ber"),
    applies=_applies_order,
)
def substitution_order(ctx: Context) -> list[Finding]:
    if channel_clean(ctx) is not True:
        return []  # the channel shows errors: the BER finding leads, substitution waits
    if any(ctx.answer(k) in ("a", "b") for k in ("test.ddf.ais_from", "test.ddf.errors_from")):
        return []  # the online test points at an end: dispatch there first (R-TEST-4)
    dead = [p for p, _ in relevant_pings(ctx) if p.received == 0 and p.origin_kind == "router"]
    if dead:
        return []  # a line that answers no ping at all is not "tests normal": 3.1-3.3 lead
    evidence = persisting(ctx)
    cited = [ctx.cite(k) for k in ("test.e1.ber", "test.v35.ber") if k in ctx.answers]
    all_parts = parts(ctx)
    done = [p for p in all_parts if status(ctx, p) == "no-change"]
    todo = [p for p in all_parts if status(ctx, p) != "no-change"]
    swapped = [
        ctx.cite(k)
        for k in {
            k
            for p in done
            for k in (p.key, *p.line_keys)
            if k in ctx.answers and ctx.answer(k) == "no-change"
        }
    ]
    tried = (
        tr(" Swapped without change: {parts}.", parts=clauses(p.what for p in done)) if done else ""
    )
    if not todo:
        return [
            finding(
                rule="substitution-order",
                procedure="R-SUB",
                kind="info",
                title=tr("Every part was swapped and the fault remains"),
                segment=None,
                owner="unknown",
                confidence=0.8,
                cause=tr(
                    "The tests are clean, the fault persists and every part of the line was "
                    "replaced without change: the cause is outside the equipment.{tried}",
                    tried=tried,
                ),
                evidence=cited + evidence + sorted(swapped, key=lambda e: e.text),
                next_steps=[
                    tr(
                        "Eliminate the ancillary facilities: E1 cables run within 20 cm of AC/DC "
                        "power cables or across them, poor grounding of the customer room (case "
                        "4.3: move the E1 cable, put the AC cable in metal conduit)."
                    ),
                    tr(
                        "Ask the manufacturers of the equipment to analyse the specific cause "
                        "and reply to the customer."
                    ),
                ],
            )
        ]
    seg = todo[0].segment
    for p in todo[1:]:
        seg = _union(ctx, seg, p.segment)
    steps = [
        tr(
            "Swap {n} of {total}: {how}; re-test (CRC counter and the ping test), then report "
            "{key}=fixed|no-change.",
            n=n,
            total=len(todo),
            how=p.how,
            key=p.key,
        )
        for n, p in enumerate(todo, 1)
    ]
    steps.append(
        tr(
            "One swap at a time; when one clears the fault, have that part's manufacturer "
            "analyse the specific cause and reply to the customer (R-SUB)."
        )
    )
    ber = clauses(e.text for e in cited)
    answered = [p for p, _ in relevant_pings(ctx) if p.origin_kind == "router" and p.received]
    pinged = (
        tr("; pings across the line answered") if answered else tr("; no ping across the line read")
    )
    return [
        finding(
            rule="substitution-order",
            procedure="R-SUB",
            title=tr("Tests clean, fault persists: swap {part} first", part=todo[0].what),
            segment=seg,
            owner=ctx.owner(seg),
            confidence=CONF_PENDING,
            cause=tr(
                "The tests are normal ({ber}{pinged}) yet the fault persists: one of the parts "
                "not yet swapped is at fault ({left} left).{tried}",
                ber=ber,
                pinged=pinged,
                left=len(todo),
                tried=tried,
            ),
            evidence=cited + evidence + sorted(swapped, key=lambda e: e.text),
            next_steps=steps,
        )
    ]


def _union(ctx: Context, x: Segment, y: Segment) -> Segment:
    idx = [ctx.path.index(e) for e in (x.from_, x.to, y.from_, y.to)]
    return Segment(from_=ctx.path.elements[min(idx)].id, to=ctx.path.elements[max(idx)].id)


@by_inputs
def _applies_fixed(ctx: Context) -> bool:
    return not ctx.answers.keys().isdisjoint(_SWAP_ANSWERS)


@rule(
    "substitution-fixed",
    ("R-SUB",),
    "3.4",
    mark("a swap cleared the fault: that part is at fault"),
    SWAP_KEYS,
    applies=_applies_fixed,
)
def substitution_fixed(ctx: Context) -> list[Finding]:
    fixed = _fixed_keys(ctx)
    if not fixed:
        return []
    all_parts = parts(ctx)
    ends = evidence_ends(ctx)
    found: list[tuple[str, list[Part], float]] = []  # key, the part(s) it names, confidence
    for key in fixed:
        own = [p for p in all_parts if p.key == key]
        if own:
            found.append((key, own, CONF_FIXED))
            continue
        cands = [p for p in all_parts if key in p.line_keys]
        sides = {p.side for p in cands}
        if len(sides) == 1:  # only one end has such a part (one router on the circuit)
            found.append((key, cands, CONF_FIXED))
        elif len(ends) == 1:
            found.append((key, [p for p in cands if p.side == ends[0]], CONF_FIXED_END_GUESSED))
        else:
            found.append((key, cands, CONF_FIXED_END_UNKNOWN))
    several = len(found) > 1
    still = ctx.answer("fault.persists") == "yes"
    out = []
    for key, cands, conf in found:
        seg = cands[0].segment
        for p in cands[1:]:
            seg = _union(ctx, seg, p.segment)
        what = tr(" or ").join(p.what for p in cands)
        note = ""
        if several:
            conf = min(conf, CONF_FIXED_SEVERAL)
            note = tr(
                "; {n} swaps are reported as the fix, so they were not done one at a time: swap "
                "back one to confirm",
                n=len(found),
            )
        if still:
            conf = min(conf, CONF_FIXED_SEVERAL)
            note += tr("; yet the customer still reports the fault")
        if len(cands) > 1:
            note += tr("; {key} does not say which end: report the end's own key", key=key)
        steps = [
            tr(
                "Keep the replaced part ({what}) out of service and have its manufacturer "
                "analyse the specific cause; reply to the customer with the result (R-SUB).",
                what=what,
            ),
            tr(
                "Watch the line before closing: the WAN CRC counters and a {count}-probe ping "
                "test daily for some weeks (case 4.1 watched for several months).",
                count=int(ctx.thresholds["ping_test_count"]),
            ),
        ]
        if len(cands) > 1:
            steps.insert(
                0,
                tr(
                    "Report at which end the swap was made ({key_a} or {key_b}).",
                    key_a=cands[0].key,
                    key_b=cands[-1].key,
                ),
            )
        out.append(
            finding(
                rule="substitution-fixed",
                procedure="R-SUB",
                title=tr("Swapping {what} cleared the fault", what=what),
                segment=seg,
                owner=ctx.owner(seg),
                confidence=conf,
                cause=tr(
                    "The fault went away when {what} was replaced: that part is at fault{note}",
                    what=what,
                    note=note,
                ),
                evidence=[ctx.cite(key)],
                next_steps=steps,
            )
        )
    return out
