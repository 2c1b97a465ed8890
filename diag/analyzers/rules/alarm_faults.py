"""Step 3.1: the fault findings of the alarm correlation's roots (one builder per kind of root), with
the confidence each kind earns and the next steps that split its span.  The registered rules
that report them are in rules/alarms.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from diag.analyzers.correlation import Consequence, Event, Flow, Root
from diag.analyzers.correlation.placement import CONF_BOARD, LINE_LAYERS
from diag.analyzers.registry import finding
from diag.i18n import tr
from diag.model.findings import Evidence, Finding
from diag.model.path import CircuitPath, PathLink

# ---------------------------------------------------------------------------- confidence
# A fault finding at >= 0.7 localises the fault (engine.LOCALIZED_AT); below it is suspected.
#
# R-AIS-1 is stated literally by the article: the reporter's own input span.
CONF_AIS_FIRST = 0.9
# R-AIS-2 widens the span to every station and cable back to the source CPE: still the
# article's rule, but more places to look.
CONF_AIS_FURTHER = 0.75
# An AIS whose span an RDI upstream narrows to a single span: two independent reports (the
# RDI's reporter sends a good signal, the AIS reporter receives a broken one) bracket one span.
CONF_AIS_BRACKETED = 0.85
# A LOS is detected at the receiver itself (G.775: no transitions on the port); the span feeding
# it holds every possible cause (upstream transmitter, the link, this receiver).  What is left
# is a misplaced port in the inventory or a spurious alarm: 0.85, and 0.9 when the consequent
# actions the standard predicts (AIS downstream, RDI upstream) are seen and in time.
CONF_LOS = 0.85
# LOF: the signal arrives but cannot be framed, which is also the span feeding the receiver,
# but a framing mismatch (CRC-4 / no CRC-4) between its two ends gives the same alarm.
CONF_LOF = 0.8
CONF_CORROBORATED = 0.05
# An NE that reports its own power failure is the fault; a board alarm on the board that carries
# the circuit's port too (correlation.placement.CONF_BOARD; one naming no board is suspected).
CONF_POWER = 0.9
# Optical power out of range at a receiver: the fiber/optics feeding it.  Confirmed by the
# inventory's link budget (launch - attenuation against overload point / sensitivity): 0.9.
CONF_OPTICAL = 0.8
CONF_OPTICAL_BUDGET = 0.9
# AIS / LOP of the SDH layers with nothing upstream.  Same reading as R-AIS, not stated by the
# article, and the VC path may be cross-connected through NEs the inventory does not list: one
# notch below R-AIS, and only suspected when the span is wider than one link.
CONF_PATH_AIS_SPAN = 0.75
CONF_PATH_AIS_WIDE = 0.65
# An RDI that no root explains: the reporter's transmit direction is broken downstream.  The
# section layers (MS/RS RDI) are returned by the very next NE: one span.  Path RDI/RAI come from
# the path's far end, so only an upper bound: suspected unless that is one span.
CONF_RDI_SPAN = 0.75
CONF_RDI_WIDE = 0.6
# Bit errors or lost multiframe at a receiver: a symptom, not an interruption; errors on a
# framed path may be inserted anywhere upstream.
CONF_ERRORS = 0.5
# An alarm of a type the normalisation table does not know, on the circuit's own port; or a
# DS1-MIB defect on a polled port the path does not place.
CONF_UNPLACED = 0.4
CONF_OTHER_ALARM = 0.5
# How sure a consequence is explained by its root: the topology says so (0.9); when the two were
# raised further apart than the correlation window, it may be an earlier, separate event.
CONF_CONSEQUENCE = 0.9
CONF_CONSEQUENCE_LATE = 0.7


def _arrow(flow: Flow | None) -> str:
    if flow == "a-to-b":
        return "A→B"
    if flow == "b-to-a":
        return "B→A"
    return tr("both directions")


def _at(element: str, port: str | None) -> str:
    """An element, with its port when the alarm names one."""
    return tr("{element} port {port}", element=element, port=port) if port else element


def _seconds_apart(a: Event, b: Event) -> float | None:
    if a.raised is None or b.raised is None:
        return None
    return abs((a.raised - b.raised).total_seconds())


def _in_time(c: Consequence, window_s: float) -> bool:
    apart = _seconds_apart(c.event, c.by)
    return apart is None or apart <= window_s


def _evidence(evs: Iterable[Event]) -> list[Evidence]:
    seen: set[tuple[str | None, str]] = set()
    out = []
    for e in evs:
        key = (e.evidence.observation, e.evidence.text)
        if key not in seen:
            seen.add(key)
            out.append(e.evidence)
    return out


def _follow(root: Root) -> str:
    n = sum(1 for c in root.consequences if c.why != "masked")
    if not n:
        return ""
    if n > 1:
        return tr("; {n} other alarms on the path follow from it (consequences)", n=n)
    return tr("; 1 other alarm on the path follows from it (consequences)")


def _span_nature(root: Root) -> Literal["optical", "electrical", "customer"]:
    up = root.upstream
    if up is not None and (up.owner == "customer" or up.kind in ("router", "lan")):
        return "customer"
    layer = root.lead.layer
    if layer in LINE_LAYERS:
        return "optical"
    if layer in ("E1", "VC12"):
        return "electrical"
    link = root.link
    return (
        "optical" if link is not None and link.kind.value in ("fiber", "sdh-line") else "electrical"
    )


def _budget(link: PathLink | None) -> float | None:
    if link is None or link.launch_power_dbm is None or link.attenuation_db is None:
        return None
    return link.launch_power_dbm - link.attenuation_db


def _span_steps(root: Root, link: PathLink | None) -> list[str]:
    x, w = root.element.id, root.upstream.id if root.upstream else "?"
    port = root.lead.port
    at = _at(x, port)
    nature = _span_nature(root)
    if nature == "customer":
        return [
            tr(
                "The signal from the customer side ({w}) does not reach {at}: ask the customer "
                "whether {w} is powered and its cable to {x} is seated, and what its lamps show "
                "(step 3.2, R-LED-4).",
                w=w,
                at=at,
                x=x,
            ),
            tr(
                "On site, check the signal {w} sends at {x}'s port with a BER tester, and swap the "
                "cable between them.",
                w=w,
                x=x,
            ),
        ]
    if nature == "optical":
        rx = _budget(link)
        return [
            tr(
                "Read {w}'s line port (alarms, launch power) in the NMS; at {at} measure the "
                "received power with an optical power meter (the link budget says about "
                "{rx:g} dBm).",
                w=w,
                at=at,
                rx=rx,
            )
            if rx is not None
            else tr(
                "Read {w}'s line port (alarms, launch power) in the NMS; at {at} measure the "
                "received power with an optical power meter.",
                w=w,
                at=at,
            ),
            tr(
                "If {w} launches but no light reaches {x}: OTDR from {x} towards {w} for the "
                "distance to the break, check the ODF jumpers and connectors at both stations, "
                "and ask about construction or rearranged cables along the route (R-OPT-1).",
                w=w,
                x=x,
            ),
            tr(
                "If {w} launches nothing, its optical board is faulty: bring a spare line board.",
                w=w,
            ),
        ]
    return [
        tr(
            "At the DDF between {w} and {x}, bridge a BER tester in high impedance (online test, "
            "no interruption) on the E1 going into {x}: no signal there means {w}'s output or "
            "the cable from it; a good signal means the jumper into {x} or its port port {port}.",
            w=w,
            x=x,
            port=port,
        )
        if port
        else tr(
            "At the DDF between {w} and {x}, bridge a BER tester in high impedance (online test, "
            "no interruption) on the E1 going into {x}: no signal there means {w}'s output or "
            "the cable from it; a good signal means the jumper into {x} or its port.",
            w=w,
            x=x,
        ),
        tr(
            "Bring spare E1 cables, DDF jumpers and a spare tributary board for {w} / {x}.",
            w=w,
            x=x,
        ),
    ]


def _fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    return _FAULTS[root.kind](path, root, window_s, margin_db)


def _corroborated(root: Root, window_s: float) -> bool:
    """Another NE saw the consequent action the standard predicts, in time (alarms at the same
    point or element are not independent evidence)."""
    return any(
        c.why not in ("masked", "same-element") and _in_time(c, window_s) for c in root.consequences
    )


def _loss_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, w, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    link = root.link
    over = f" ({link.label})" if link is not None else ""
    lead = root.lead
    if lead.type == "LOS":
        what = tr("the signal {w} sends to it does not arrive", w=w)
        causes = tr(
            "{w}'s transmitter, the link between them{over}, or {x}'s receiver", w=w, over=over, x=x
        )
        conf = CONF_LOS
    else:
        what = tr("the signal from {w} arrives but cannot be framed", w=w)
        causes = tr(
            "{w}'s output, the link{over}, {x}'s receiver, or a framing mismatch "
            "(CRC-4 / no CRC-4) between them",
            w=w,
            over=over,
            x=x,
        )
        conf = CONF_LOF
    if _corroborated(root, window_s):
        conf += CONF_CORROBORATED
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=tr(
            "{alarms} at {x}: the span from {w} is broken ({arrow})",
            alarms=root.names(),
            x=x,
            w=w,
            arrow=arrow,
        ),
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=conf,
        cause=tr(
            "{at} reports {alarms} on its receive side ({arrow}): {what}, so the fault is in the "
            "span {w} → {x}: {causes}{follow}",
            at=_at(x, lead.port),
            alarms=root.names(),
            arrow=arrow,
            what=what,
            w=w,
            x=x,
            causes=causes,
            follow=_follow(root),
        ),
        evidence=_evidence(root.head),
        next_steps=_span_steps(root, link),
    )


def _optical_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, w, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    link = root.link
    lead = root.lead
    at = _at(x, lead.port)
    rx = _budget(link)
    conf = CONF_OPTICAL
    label = link.label if link is not None else tr("the fiber from {w}", w=w)
    budget = ""
    if lead.type == "OPTICAL_POWER_HIGH":
        what = tr(
            "the light {x} receives from {w} is above its receiver's overload point, which "
            "gives bit errors without any other alarm (R-OPT-2)",
            x=x,
            w=w,
        )
        over_budget = (
            link is not None
            and rx is not None
            and link.overload_dbm is not None
            and rx > link.overload_dbm
        )
        if over_budget:
            assert link is not None and rx is not None and link.overload_dbm is not None
            budget = tr(
                "; the inventory's budget agrees: launch {launch:g} dBm − {attenuation:g} dB = "
                "{rx:g} dBm, above the {overload:g} dBm overload point",
                launch=link.launch_power_dbm,
                attenuation=link.attenuation_db,
                rx=rx,
                overload=link.overload_dbm,
            )
            conf = CONF_OPTICAL_BUDGET
            pad = f"{rx - link.overload_dbm + margin_db:g} dB"
        else:
            pad = tr("enough to stay {margin:g} dB below overload", margin=margin_db)
        steps = [
            tr(
                "Measure the received power at {at} with an optical power meter and compare it "
                "with the receiver's overload point.",
                at=at,
            ),
            tr(
                "Insert a fixed optical attenuator at {x}'s receive side ({pad}); then run an E1 "
                "BER test to confirm the errors stop (R-OPT-2).",
                x=x,
                pad=pad,
            ),
        ]
        title = tr("{alarm} at {x}: optical overload on {link}", alarm=lead.name, x=x, link=label)
    else:
        what = tr(
            "the light {x} receives from {w} is too weak: fiber attenuation, a dirty or "
            "damaged connector, or a failing transmitter at {w}",
            x=x,
            w=w,
        )
        if (
            link is not None
            and rx is not None
            and link.sensitivity_dbm is not None
            and rx < link.sensitivity_dbm + margin_db
        ):
            conf = CONF_OPTICAL_BUDGET
            budget = tr(
                "; the inventory's budget is already marginal: {rx:g} dBm against "
                "{sensitivity:g} dBm sensitivity",
                rx=rx,
                sensitivity=link.sensitivity_dbm,
            )
        steps = [
            tr(
                "Measure {w}'s launch power and the power received at {at} with an optical "
                "power meter: the difference is the span loss (the inventory expects "
                "{attenuation:g} dB).",
                w=w,
                at=at,
                attenuation=link.attenuation_db,
            )
            if link is not None and link.attenuation_db is not None
            else tr(
                "Measure {w}'s launch power and the power received at {at} with an optical "
                "power meter: the difference is the span loss.",
                w=w,
                at=at,
            ),
            tr(
                "Clean or replace the connectors and jumpers at both ODFs; OTDR the fiber for "
                "bends, bad splices or a partial break (R-OPT-1)."
            ),
        ]
        title = tr("{alarm} at {x}: weak light on {link}", alarm=lead.name, x=x, link=label)
    if _corroborated(root, window_s):
        conf = min(conf + CONF_CORROBORATED, 0.95)
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=title,
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=conf,
        cause=tr(
            "{at} reports {alarms} ({arrow}): {what}{budget}{follow}",
            at=at,
            alarms=root.names(),
            arrow=arrow,
            what=what,
            budget=budget,
            follow=_follow(root),
        ),
        evidence=_evidence(root.head),
        next_steps=steps,
    )


def _equipment_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x = root.element
    lead = root.lead
    if lead.type == "POWER_FAIL":
        conf = CONF_POWER
        what = tr("has lost power")
        steps = [
            tr(
                "Dispatch to {element} first: check its mains / DC feed, rectifier, fuses "
                "and power board; bring a spare power board and a multimeter.",
                element=x.label,
            ),
        ]
    else:
        conf = root.board_confidence
        board = lead.port or tr("the alarmed board")
        if conf < CONF_BOARD:
            what = tr(
                "has a board fault ({alarm} on {board}), on a board the inventory does not tie "
                "to this circuit's ports",
                alarm=lead.name,
                board=board,
            )
        else:
            what = tr("has a board fault ({alarm} on {board})", alarm=lead.name, board=board)
        steps = [
            tr(
                "In the NMS check board {board} of {x} (in position, running); on site reseat "
                "it, or swap it for a spare board of the same type (substitution, 3.4).",
                board=board,
                x=x.id,
            ),
        ]
    steps.append(
        tr(
            "Once it is back, re-read the NMS: the LOS/AIS/RDI reported as consequences must "
            "clear; one that stays is a second fault."
        )
    )
    if _corroborated(root, window_s):
        conf = min(conf + CONF_CORROBORATED, 0.95)
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=tr("{alarms} at {x}", alarms=root.names(), x=x.id),
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=conf,
        cause=tr(
            "{x} {what}: both directions of the circuit are interrupted at this element{follow}",
            x=x.id,
            what=what,
            follow=_follow(root),
        ),
        evidence=_evidence(root.head),
        next_steps=steps,
    )


def _ais_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, start, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    _, span_links = path.span(root.segment)
    carried = "; ".join(lk.label for lk in span_links)
    name = root.lead.name
    stations = ", ".join(e.id for e in root.between)
    if root.bounded_by:
        bound = root.bounded_by[0]
        if root.between:
            cause = tr(
                "{x} reports {alarm} ({arrow}) and {start} reports {bound} for the signal it "
                "sends that way: the signal leaves {start} and is broken before {x}, stations "
                "{stations} included ({carried})",
                x=x,
                alarm=name,
                arrow=arrow,
                start=start,
                bound=bound.name,
                stations=stations,
                carried=carried,
            )
        else:
            cause = tr(
                "{x} reports {alarm} ({arrow}) and {start} reports {bound} for the signal it "
                "sends that way: the signal leaves {start} and is broken before {x} ({carried})",
                x=x,
                alarm=name,
                arrow=arrow,
                start=start,
                bound=bound.name,
                carried=carried,
            )
        conf = CONF_AIS_BRACKETED if not root.between else CONF_AIS_FURTHER
    elif root.first_station:
        cause = tr(
            "{x} reports {alarm}: the E1 that {start} sends to it ({arrow}) is interrupted, "
            "the link between them included ({carried})",
            x=x,
            alarm=name,
            start=start,
            arrow=arrow,
            carried=carried,
        )
        conf = CONF_AIS_FIRST
    else:
        cause = tr(
            "{x} reports {alarm} and no station before it does: the E1 ({arrow}) is broken "
            "somewhere from {start} to {x}, stations {stations} and the links between them "
            "included ({carried})",
            x=x,
            alarm=name,
            arrow=arrow,
            start=start,
            stations=stations,
            carried=carried,
        )
        conf = CONF_AIS_FURTHER
    seg = root.segment
    steps = [
        tr(
            "Read {start}'s tributary port and alarms in the NMS, then loop the E1 back at the "
            "DDF nearest {x} to split the span.",
            start=start,
            x=x,
        ),
        tr(
            "Bring a BER tester, spare E1 cables and DDF jumpers; test each E1 cable and jumper "
            "of the span {a} … {b} in the {arrow} direction.",
            a=seg.from_,
            b=seg.to,
            arrow=arrow,
        ),
    ]
    if root.between:
        steps.insert(
            0,
            tr(
                "Check the NMS for {ne}: it should see the same E1; if its port shows no alarm, "
                "the break is after it.",
                ne=root.between[0].id,
            ),
        )
    return finding(
        rule=root.rule,
        procedure="R-AIS-1" if root.first_station else "R-AIS-2",
        title=tr("E1 AIS first seen at {x} ({flow})", x=x, flow=root.flow),
        direction=root.flow,
        segment=seg,
        owner=path.owner_of(seg),
        confidence=conf,
        cause=cause + _follow(root),
        evidence=_evidence([*root.head, *root.bounded_by]),
        next_steps=steps,
    )


def _layer_name(layer: str) -> str:
    if layer == "MS":
        return tr("multiplex section")
    if layer == "VC4":
        return tr("VC-4 (AU-4) path")
    if layer == "VC12":
        return tr("VC-12 (TU-12) path")
    return tr("{layer} layer", layer=layer)


def _path_ais_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, start, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    lead = root.lead
    one_span = not root.between
    what = _layer_name(lead.layer)
    bound = (
        tr(
            "; {where} reports {alarm}, so the signal left {start} intact",
            where=root.bounded_by[0].where(),
            alarm=root.bounded_by[0].name,
            start=start,
        )
        if root.bounded_by
        else ""
    )
    if root.between:
        cause = tr(
            "{x} receives {alarm} on the {what} ({arrow}) and nothing upstream reports a "
            "defect: the signal is broken between {start} and {x}, {stations} included",
            x=x,
            alarm=lead.name,
            what=what,
            arrow=arrow,
            start=start,
            stations=", ".join(e.id for e in root.between),
        )
    else:
        cause = tr(
            "{x} receives {alarm} on the {what} ({arrow}) and nothing upstream reports a "
            "defect: the signal is broken between {start} and {x}",
            x=x,
            alarm=lead.name,
            what=what,
            arrow=arrow,
            start=start,
        )
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=tr("{alarms} first seen at {x} ({flow})", alarms=root.names(), x=x, flow=root.flow),
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=CONF_PATH_AIS_SPAN if one_span else CONF_PATH_AIS_WIDE,
        cause=cause + bound + _follow(root),
        evidence=_evidence([*root.head, *root.bounded_by]),
        next_steps=[
            tr(
                "In the NMS, trace the {what} cross-connections from {start} to {x} and read "
                "each station's alarm history (one may be unmanaged or switched to protection).",
                what=what,
                start=start,
                x=x,
            ),
            tr(
                "Bridge a BER tester at the DDF nearest {x} on the {arrow} E1 (AIS / errors) and "
                "move towards the source until the signal is good.",
                x=x,
                arrow=arrow,
            ),
        ],
    )


def _remote_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, arrow = root.element.id, _arrow(root.flow)
    reach = root.reach.id if root.reach else "?"
    one_span = not root.between
    nxt = root.between[0].id if root.between else reach
    sink = root.reach
    steps = [
        tr(
            "In the NMS, read the alarm history of {next}: it is the first equipment after {x} "
            "in the {arrow} direction and should show when it lost the signal (it may be "
            "unmanaged, or report to another NMS).",
            next=nxt,
            x=x,
            arrow=arrow,
        ),
        tr(
            "Measure what {x} sends at {next}'s receive side: optical power meter on a fiber "
            "span, a BER tester bridged at the DDF on an E1.",
            x=x,
            next=nxt,
        ),
    ]
    if sink is not None and sink.owner == "customer":
        steps.append(
            tr(
                "Ask the customer to read {sink}'s E1 controller (LOS / AIS / RAI) and check its "
                "cable (step 3.2).",
                sink=sink.id,
            )
        )
    if root.between:
        cause = tr(
            "{x} reports {alarms} with no alarm that explains it: the equipment downstream in "
            "{arrow} does not receive what {x} sends, so the fault is between {x}'s output and "
            "{reach} ({stations} included)",
            x=x,
            alarms=root.names(),
            arrow=arrow,
            reach=reach,
            stations=", ".join(e.id for e in root.between),
        )
    else:
        cause = tr(
            "{x} reports {alarms} with no alarm that explains it: the equipment downstream in "
            "{arrow} does not receive what {x} sends, so the fault is between {x}'s output and "
            "{reach}",
            x=x,
            alarms=root.names(),
            arrow=arrow,
            reach=reach,
        )
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=tr(
            "{alarms} at {x}: its {arrow} output is not received",
            alarms=root.names(),
            x=x,
            arrow=arrow,
        ),
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=CONF_RDI_SPAN if one_span else CONF_RDI_WIDE,
        cause=cause + _follow(root),
        evidence=_evidence(root.head),
        next_steps=steps,
    )


def _errors_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, w, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=tr(
            "{alarms} at {x}: errors arriving from {w} ({arrow})",
            alarms=root.names(),
            x=x,
            w=w,
            arrow=arrow,
        ),
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=CONF_ERRORS,
        cause=tr(
            "{x} reports {alarms} on its receive side ({arrow}): bit errors on the signal from "
            "{w}; suspected in the span {w} → {x}, though errors on a framed path may come from "
            "further upstream{follow}",
            x=x,
            alarms=root.names(),
            arrow=arrow,
            w=w,
            follow=_follow(root),
        ),
        evidence=_evidence(root.head),
        next_steps=[
            tr(
                "Run an online E1 BER test (high-impedance bridging at the DDF) on the {arrow} E1 "
                "at {x} for at least 15 minutes, then at {w}: where the errors start is the span.",
                arrow=arrow,
                x=x,
                w=w,
            ),
            *_span_steps(root, root.link)[:1],
        ],
    )


_FAULTS = {
    "loss": _loss_fault,
    "optical": _optical_fault,
    "equipment": _equipment_fault,
    "ais": _ais_fault,
    "path-ais": _path_ais_fault,
    "remote": _remote_fault,
    "errors": _errors_fault,
}
