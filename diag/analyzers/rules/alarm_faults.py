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
    return {"a-to-b": "A→B", "b-to-a": "B→A", None: "both directions"}[flow]


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
    many = n > 1
    return (
        f"; {n} other alarm{'s' if many else ''} on the path follow{'' if many else 's'} from it "
        "(consequences)"
    )


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
    port = f" port {root.lead.port}" if root.lead.port else ""
    nature = _span_nature(root)
    if nature == "customer":
        return [
            f"The signal from the customer side ({w}) does not reach {x}{port}: ask the customer "
            f"whether {w} is powered and its cable to {x} is seated, and what its lamps show "
            "(step 3.2, R-LED-4).",
            f"On site, check the signal {w} sends at {x}'s port with a BER tester, and swap the "
            "cable between them.",
        ]
    if nature == "optical":
        rx = _budget(link)
        expect = f" (the link budget says about {rx:g} dBm)" if rx is not None else ""
        return [
            f"Read {w}'s line port (alarms, launch power) in the NMS; at {x}{port} measure the "
            f"received power with an optical power meter{expect}.",
            f"If {w} launches but no light reaches {x}: OTDR from {x} towards {w} for the distance "
            "to the break, check the ODF jumpers and connectors at both stations, and ask about "
            "construction or rearranged cables along the route (R-OPT-1).",
            f"If {w} launches nothing, its optical board is faulty: bring a spare line board.",
        ]
    return [
        f"At the DDF between {w} and {x}, bridge a BER tester in high impedance (online test, no "
        f"interruption) on the E1 going into {x}: no signal there means {w}'s output or the "
        f"cable from it; a good signal means the jumper into {x} or its port{port}.",
        f"Bring spare E1 cables, DDF jumpers and a spare tributary board for {w} / {x}.",
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
    port = f" port {lead.port}" if lead.port else ""
    if lead.type == "LOS":
        what = f"the signal {w} sends to it does not arrive"
        causes = f"{w}'s transmitter, the link between them{over}, or {x}'s receiver"
        conf = CONF_LOS
    else:
        what = f"the signal from {w} arrives but cannot be framed"
        causes = (
            f"{w}'s output, the link{over}, {x}'s receiver, or a framing mismatch "
            "(CRC-4 / no CRC-4) between them"
        )
        conf = CONF_LOF
    if _corroborated(root, window_s):
        conf += CONF_CORROBORATED
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=f"{root.names()} at {x}: the span from {w} is broken ({arrow})",
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=conf,
        cause=(
            f"{x}{port} reports {root.names()} on its receive side ({arrow}): {what}, so the "
            f"fault is in the span {w} → {x}: {causes}{_follow(root)}"
        ),
        evidence=_evidence(root.head),
        next_steps=_span_steps(root, link),
    )


def _optical_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, w, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    link = root.link
    lead = root.lead
    port = f" port {lead.port}" if lead.port else ""
    rx = _budget(link)
    conf = CONF_OPTICAL
    label = link.label if link is not None else f"the fiber from {w}"
    if lead.type == "OPTICAL_POWER_HIGH":
        what = (
            f"the light {x} receives from {w} is above its receiver's overload point, which "
            "gives bit errors without any other alarm (R-OPT-2)"
        )
        budget = ""
        if link is not None and rx is not None and link.overload_dbm is not None:
            budget = (
                f"; the inventory's budget agrees: launch {link.launch_power_dbm:g} dBm − "
                f"{link.attenuation_db:g} dB = {rx:g} dBm, above the {link.overload_dbm:g} "
                "dBm overload point"
            )
            if rx > link.overload_dbm:
                conf = CONF_OPTICAL_BUDGET
            else:
                budget = ""
        pad = (
            f"{rx - link.overload_dbm + margin_db:g} dB"
            if link is not None
            and rx is not None
            and link.overload_dbm is not None
            and rx > link.overload_dbm
            else f"enough to stay {margin_db:g} dB below overload"
        )
        steps = [
            f"Measure the received power at {x}{port} with an optical power meter and compare it "
            "with the receiver's overload point.",
            f"Insert a fixed optical attenuator at {x}'s receive side ({pad}); then run an E1 BER "
            "test to confirm the errors stop (R-OPT-2).",
        ]
        title = f"{lead.name} at {x}: optical overload on {label}"
    else:
        what = (
            f"the light {x} receives from {w} is too weak: fiber attenuation, a dirty or "
            f"damaged connector, or a failing transmitter at {w}"
        )
        budget = ""
        if (
            link is not None
            and rx is not None
            and link.sensitivity_dbm is not None
            and rx < link.sensitivity_dbm + margin_db
        ):
            conf = CONF_OPTICAL_BUDGET
            budget = (
                f"; the inventory's budget is already marginal: {rx:g} dBm against "
                f"{link.sensitivity_dbm:g} dBm sensitivity"
            )
        steps = [
            f"Measure {w}'s launch power and the power received at {x}{port} with an optical "
            "power meter: the difference is the span loss"
            + (
                f" (the inventory expects {link.attenuation_db:g} dB)"
                if link is not None and link.attenuation_db is not None
                else ""
            )
            + ".",
            "Clean or replace the connectors and jumpers at both ODFs; OTDR the fiber for "
            "bends, bad splices or a partial break (R-OPT-1).",
        ]
        title = f"{lead.name} at {x}: weak light on {label}"
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
        cause=f"{x}{port} reports {root.names()} ({arrow}): {what}{budget}{_follow(root)}",
        evidence=_evidence(root.head),
        next_steps=steps,
    )


def _equipment_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x = root.element
    lead = root.lead
    if lead.type == "POWER_FAIL":
        conf = CONF_POWER
        what = "has lost power"
        steps = [
            f"Dispatch to {x.label} first: check its mains / DC feed, rectifier, fuses "
            "and power board; bring a spare power board and a multimeter.",
        ]
    else:
        conf = root.board_confidence
        board = lead.port or "the alarmed board"
        what = f"has a board fault ({lead.name} on {board})"
        if conf < CONF_BOARD:
            what += ", on a board the inventory does not tie to this circuit's ports"
        steps = [
            f"In the NMS check board {board} of {x.id} (in position, running); on site reseat "
            "it, or swap it for a spare board of the same type (substitution, 3.4).",
        ]
    steps.append(
        "Once it is back, re-read the NMS: the LOS/AIS/RDI reported as consequences must clear; "
        "one that stays is a second fault."
    )
    if _corroborated(root, window_s):
        conf = min(conf + CONF_CORROBORATED, 0.95)
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=f"{root.names()} at {x.id}",
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=conf,
        cause=(
            f"{x.id} {what}: both directions of the circuit are interrupted at this "
            f"element{_follow(root)}"
        ),
        evidence=_evidence(root.head),
        next_steps=steps,
    )


def _ais_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, start, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    _, span_links = path.span(root.segment)
    carried = "; ".join(lk.label for lk in span_links)
    name = root.lead.name
    if root.bounded_by:
        bound = root.bounded_by[0]
        cause = (
            f"{x} reports {name} ({arrow}) and {start} reports {bound.name} for the signal it "
            f"sends that way: the signal leaves {start} and is broken before {x}"
            + (
                f", stations {', '.join(e.id for e in root.between)} included"
                if root.between
                else ""
            )
            + f" ({carried})"
        )
        conf = CONF_AIS_BRACKETED if not root.between else CONF_AIS_FURTHER
    elif root.first_station:
        cause = (
            f"{x} reports {name}: the E1 that {start} sends to it ({arrow}) is interrupted, "
            f"the link between them included ({carried})"
        )
        conf = CONF_AIS_FIRST
    else:
        cause = (
            f"{x} reports {name} and no station before it does: the E1 ({arrow}) is broken "
            f"somewhere from {start} to {x}, stations "
            f"{', '.join(e.id for e in root.between)} and the links between them included "
            f"({carried})"
        )
        conf = CONF_AIS_FURTHER
    seg = root.segment
    steps = [
        f"Read {start}'s tributary port and alarms in the NMS, then loop the E1 back at the "
        f"DDF nearest {x} to split the span.",
        "Bring a BER tester, spare E1 cables and DDF jumpers; test each E1 cable and jumper of "
        f"the span {seg.from_} … {seg.to} in the {arrow} direction.",
    ]
    if root.between:
        steps.insert(
            0,
            f"Check the NMS for {root.between[0].id}: it should see the same E1; if its "
            "port shows no alarm, the break is after it.",
        )
    return finding(
        rule=root.rule,
        procedure="R-AIS-1" if root.first_station else "R-AIS-2",
        title=f"E1 AIS first seen at {x} ({root.flow})",
        direction=root.flow,
        segment=seg,
        owner=path.owner_of(seg),
        confidence=conf,
        cause=cause + _follow(root),
        evidence=_evidence([*root.head, *root.bounded_by]),
        next_steps=steps,
    )


def _path_ais_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, start, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    lead = root.lead
    one_span = not root.between
    layer = {"MS": "multiplex section", "VC4": "VC-4 (AU-4) path", "VC12": "VC-12 (TU-12) path"}
    what = layer.get(lead.layer, f"{lead.layer} layer")
    bound = (
        f"; {root.bounded_by[0].where()} reports {root.bounded_by[0].name}, so the signal "
        f"left {start} intact"
        if root.bounded_by
        else ""
    )
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=f"{root.names()} first seen at {x} ({root.flow})",
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=CONF_PATH_AIS_SPAN if one_span else CONF_PATH_AIS_WIDE,
        cause=(
            f"{x} receives {lead.name} on the {what} ({arrow}) and nothing upstream reports a "
            f"defect: the signal is broken between {start} and {x}"
            + (f", {', '.join(e.id for e in root.between)} included" if root.between else "")
            + bound
            + _follow(root)
        ),
        evidence=_evidence([*root.head, *root.bounded_by]),
        next_steps=[
            f"In the NMS, trace the {what} cross-connections from {start} to {x} and read each "
            "station's alarm history (one may be unmanaged or switched to protection).",
            f"Bridge a BER tester at the DDF nearest {x} on the {arrow} E1 (AIS / errors) and "
            "move towards the source until the signal is good.",
        ],
    )


def _remote_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, arrow = root.element.id, _arrow(root.flow)
    reach = root.reach.id if root.reach else "?"
    one_span = not root.between
    nxt = root.between[0].id if root.between else reach
    sink = root.reach
    steps = [
        f"In the NMS, read the alarm history of {nxt}: it is the first equipment after {x} in the "
        f"{arrow} direction and should show when it lost the signal (it may be unmanaged, or "
        "report to another NMS).",
        f"Measure what {x} sends at {nxt}'s receive side: optical power meter on a fiber span, "
        "a BER tester bridged at the DDF on an E1.",
    ]
    if sink is not None and sink.owner == "customer":
        steps.append(
            f"Ask the customer to read {sink.id}'s E1 controller (LOS / AIS / RAI) and check its "
            "cable (step 3.2)."
        )
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=f"{root.names()} at {x}: its {arrow} output is not received",
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=CONF_RDI_SPAN if one_span else CONF_RDI_WIDE,
        cause=(
            f"{x} reports {root.names()} with no alarm that explains it: the equipment "
            f"downstream in {arrow} does not receive what {x} sends, so the fault is between "
            f"{x}'s output and {reach}"
            + (f" ({', '.join(e.id for e in root.between)} included)" if root.between else "")
            + _follow(root)
        ),
        evidence=_evidence(root.head),
        next_steps=steps,
    )


def _errors_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, w, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=f"{root.names()} at {x}: errors arriving from {w} ({arrow})",
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=CONF_ERRORS,
        cause=(
            f"{x} reports {root.names()} on its receive side ({arrow}): bit errors on the "
            f"signal from {w}; suspected in the span {w} → {x}, though errors on a framed path "
            f"may come from further upstream{_follow(root)}"
        ),
        evidence=_evidence(root.head),
        next_steps=[
            f"Run an online E1 BER test (high-impedance bridging at the DDF) on the {arrow} E1 at "
            f"{x} for at least 15 minutes, then at {w}: where the errors start is the span.",
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
