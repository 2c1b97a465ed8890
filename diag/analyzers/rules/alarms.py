"""Step 3.1 of the procedure: localise from the NMS's alarms, before going on site.

DOMAIN.md §1.2 (3.1, R-AIS-1/R-AIS-2), §2.2 and §2.4 (consequent actions, alarm precedence and
the "rule-engine implication").  The alarms of one circuit are read per signal direction, A→B
and B→A separately, in three stages:

1. *Placement* (`events`).  Each active NMS alarm, and each defect bit of a DS1-MIB line polled
   directly on an NE (NeE1LineObservation), becomes an `Event` at its element, on the direction
   of flow it speaks of: a receive-side defect (LOS, LOF, AIS, optical power, errors) concerns
   the signal *arriving* at the port; an RDI/RAI concerns the signal the port *sends*; POWER_FAIL
   and BD_STATUS concern the whole element, both directions.
2. *Precedence* (`rank`).  At one point (element, direction, receive or remote side) only the
   highest alarm is read; the lower ones are reported as masked (§2.4: LOS > LOF > MS-AIS >
   AU-AIS > TU-AIS ...).
3. *Roots and consequences* (`correlate`).  Walking each direction from its source, the first
   defect is a root.  Downstream of it, AIS, LOF and errors are its consequences (the sink that
   loses the signal inserts AIS downstream); a LOS or an optical-power alarm downstream is a
   *second, independent* root, because AIS keeps the line alive: a receiver further on loses the
   signal only if its own span is broken.  RDI/RAI are consequences of the nearest root
   downstream of their reporter; an RDI that no root explains is itself the evidence that the
   reporter's transmit direction is broken downstream.  An AIS with nothing upstream is the
   article's R-AIS-1/R-AIS-2; an RDI upstream of it narrows the span.

Every alarm on the path ends in exactly one place: a fault (root), a consequence of one, or, when
its port does not tie it to the circuit, a suspected fault at its element (`alarm-on-path`,
`ais-direction-unknown`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from diag.analyzers.context import Context
from diag.analyzers.registry import rule
from diag.model.findings import Evidence, Finding
from diag.model.observations import (
    AlarmDirection,
    AlarmObservation,
    NeE1LineObservation,
    NmsPollObservation,
    Severity,
)
from diag.model.path import CircuitPath, PathElement, PathLink, Segment

Flow = Literal["a-to-b", "b-to-a"]
Side = Literal["a", "b"]
Role = Literal["input", "remote", "equipment", "other"]
FLOWS: tuple[Flow, Flow] = ("a-to-b", "b-to-a")
TRANSMISSION = ("pdh", "sdh", "msap")

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
# the circuit's port too.  A board alarm that does not name its board, or names one that may
# carry the side of the circuit the inventory does not list, reaches the localisation threshold
# only just.
CONF_POWER = 0.9
CONF_BOARD = 0.85
CONF_BOARD_UNTIED = 0.7
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
# Alarms the inventory does not tie to this circuit (port not on its path, type unknown).
CONF_UNPLACED = 0.4
CONF_OTHER_ALARM = 0.5
# How sure a consequence is explained by its root: the topology says so (0.9); when the two were
# raised further apart than the correlation window, it may be an earlier, separate event.
CONF_CONSEQUENCE = 0.9
CONF_CONSEQUENCE_LATE = 0.7

# ---------------------------------------------------------------------------- alarm classes
FAIL_TYPES = frozenset({"LOS", "LOF", "AIS", "LOP"})
OPTICAL_TYPES = frozenset({"OPTICAL_POWER_LOW", "OPTICAL_POWER_HIGH"})
ERROR_TYPES = frozenset({"EXC", "DEG", "LOMF"})
REMOTE_TYPES = frozenset({"RDI", "RAI"})
EQUIPMENT_TYPES = frozenset({"POWER_FAIL", "BOARD_FAULT"})

# Layers carried by an NE's line (aggregate) port, not by one tributary: an alarm of these layers
# on a port the hop does not list is on the line port of the side the hop does not list.
LINE_LAYERS = frozenset({"RS", "MS", "OPTICAL", "VC4"})
# VC-12 path alarms (TU_AIS, TU_LOP, LP_RDI, BIP_*) are raised by the tributary board that maps
# the E1 into its VC-12 and back (Huawei OptiX reports them on the PQ1/SP1 path, not on the line
# board) [vendor practice, verify per vendor]: they speak of the VC-12 on the network side of
# that tributary, i.e. the side opposite the one the port faces.
NETWORK_SIDE_LAYERS = frozenset({"VC12"})

_ARRIVING = frozenset({AlarmDirection.up, AlarmDirection.receive, AlarmDirection.none})

# DS1-MIB dsx1LineStatus bits (RFC 4805) read like the equivalent NMS alarms:
# bit name -> (canonical type, role, arriving at the port?)
DS1_BITS: dict[str, tuple[str, Role, bool]] = {
    "LossOfSignal": ("LOS", "input", True),
    "LossOfFrame": ("LOF", "input", True),
    "RcvAIS": ("AIS", "input", True),
    "XmtAIS": ("AIS", "input", False),  # the NE sends AIS out of this port: broken upstream
    "RcvFarEndLOF": ("RAI", "remote", True),  # yellow alarm: the far end lost our frame
}


def rank(ev: Event) -> int:
    """Precedence at one point (§2.4, GR-253 as in the Cisco ONS SDH tables): higher masks lower.

    Adaptations, each for a reason:
    - optical power sits between LOS and LOF: it names the physical cause of a LOF on the same
      receiver (R-OPT-2: overload gives errors), and is redundant once there is no light (LOS);
    - for a 2 Mbit/s E1, AIS ranks *above* LOF: the E1 AIS is itself the unframed all-ones signal
      (G.775: <= 2 zeros in 512 bits), so a framer reporting both received AIS.  On SDH lines LOF
      stays above MS-AIS: an unframed STM-N carries no AIS to see;
    - RDI/RAI only compete with each other (they are remote indications, not near-end defects).
    """
    t, layer = ev.type, ev.layer
    if t == "LOS":
        return 100
    if t in OPTICAL_TYPES:
        return 95
    if t == "LOF":
        return 38 if layer == "E1" else 90
    if t == "AIS":
        return {"MS": 80, "VC4": 70, "VC12": 50}.get(layer, 40)
    if t == "LOP":
        return 65 if layer == "VC4" else 45
    if t == "EXC":
        return {"MS": 75, "RS": 75, "VC4": 62}.get(layer, 35)
    if t == "DEG":
        return {"MS": 72, "RS": 72, "VC4": 61}.get(layer, 34)
    if t == "LOMF":
        return 30
    if t in REMOTE_TYPES:
        return {"MS": 20, "RS": 20, "VC4": 18, "VC12": 16}.get(layer, 15)
    if t == "POWER_FAIL":
        return 200
    if t == "BOARD_FAULT":
        return 190
    return 0


# ---------------------------------------------------------------------------- placement


@dataclass(frozen=True)
class Event:
    """One defect indication placed on the path (an NMS alarm or a DS1-MIB status bit)."""

    obs: str  # observation id, for evidence
    element: PathElement
    port: str | None
    type: str  # canonical type (names.yaml)
    layer: str
    name: str  # the vendor's alarm name, or the DS1-MIB bit name
    role: Role
    flow: Flow | None  # None: the port does not tie it to a direction of this circuit
    raised: datetime | None
    evidence: Evidence

    @property
    def is_e1_ais(self) -> bool:
        return self.type == "AIS" and self.layer == "E1"

    def where(self) -> str:
        port = f" port {self.port}" if self.port else ""
        return f"{self.element.id}{port}"


def _norm_port(p: str) -> str:
    return re.sub(r"[\s_/:.-]+", "-", p.strip().lower())


def _same_port(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and _norm_port(a) == _norm_port(b)


def _other(side: Side) -> Side:
    return "b" if side == "a" else "a"


def facing(el: PathElement, port: str | None, layer: str) -> Side | None:
    """The side of the path the alarmed port faces, if the inventory says.

    The hop's a_port / b_port first.  A line-layer alarm on a port the hop does not list, on an
    element that lists only one side (a CPE lists its customer port; a hop may list only its
    tributary), is on the line port of the other side.  Otherwise unknown: an E1/VC-12 alarm on
    another tributary most likely belongs to another circuit.
    """
    if _same_port(port, el.a_port):
        return "a"
    if _same_port(port, el.b_port):
        return "b"
    if port is None or layer not in LINE_LAYERS:
        return None
    if el.a_port and not el.b_port:
        return "b"
    if el.b_port and not el.a_port:
        return "a"
    return None


def _flow(side: Side, arriving: bool) -> Flow:
    """Signal arriving from side a, or leaving towards side b, flows A→B."""
    from_a = (side == "a") == arriving
    return "a-to-b" if from_a else "b-to-a"


def _role(ctype: str) -> Role:
    if ctype in EQUIPMENT_TYPES:
        return "equipment"
    if ctype in REMOTE_TYPES:
        return "remote"
    if ctype in FAIL_TYPES or ctype in OPTICAL_TYPES or ctype in ERROR_TYPES:
        return "input"
    return "other"


def _place(
    el: PathElement, port: str | None, ctype: str, layer: str, arriving: bool
) -> tuple[Role, Flow | None]:
    role = _role(ctype)
    if role not in ("input", "remote"):
        return role, None
    side = facing(el, port, layer)
    if side is None:
        return role, None
    if layer in NETWORK_SIDE_LAYERS:
        side = _other(side)
    # An RDI arrives from `side` and speaks of the signal this element sends towards it.
    return role, _flow(side, arriving and role == "input")


def _alarm_evidence(al: AlarmObservation) -> Evidence:
    port = f" port {al.port}" if al.port else ""
    when = f", raised {al.raised.isoformat()}" if al.raised else ""
    return Evidence(
        observation=al.id,
        text=f"{al.nms}: {al.ne}{port} reports {al.vendor_name} ({al.severity.value}{when})",
    )


def _ds1_evidence(o: NeE1LineObservation) -> Evidence:
    port = f" port {o.port}" if o.port else f" ifIndex {o.if_index}"
    return Evidence(
        observation=o.id,
        text=(
            f"DS1-MIB on {o.device}{port}: dsx1LineStatus = {o.line_status_bits} "
            f"({', '.join(o.line_status)})"
        ),
    )


def events(
    path: CircuitPath,
    alarms: Iterable[AlarmObservation],
    lines: Iterable[NeE1LineObservation] = (),
) -> list[Event]:
    """Every alarm and DS1-MIB defect bit of the path's elements, placed."""
    by_id = {e.id: e for e in path.elements}
    out: list[Event] = []
    for al in alarms:
        el = by_id.get(al.device or "")
        if el is None or al.severity is Severity.cleared:
            continue
        ctype = al.type if al.known else "UNKNOWN"
        role, flow = _place(el, al.port, ctype, al.layer, al.direction in _ARRIVING)
        out.append(
            Event(
                al.id,
                el,
                al.port,
                ctype,
                al.layer,
                al.vendor_name,
                role,
                flow,
                al.raised,
                _alarm_evidence(al),
            )
        )
    for o in lines:
        el = by_id.get(o.device)
        if el is None:
            continue
        for bit in o.line_status:
            if bit not in DS1_BITS:
                continue
            ctype, _, arriving = DS1_BITS[bit]
            role, flow = _place(el, o.port, ctype, "E1", arriving)
            out.append(
                Event(o.id, el, o.port, ctype, "E1", bit, role, flow, None, _ds1_evidence(o))
            )
    return out


# ---------------------------------------------------------------------------- correlation


@dataclass
class Point:
    """The alarms at one point: element, direction, and receive (input) or remote side."""

    element: PathElement
    flow: Flow
    role: Role
    events: list[Event] = field(default_factory=list)

    def sort(self) -> None:
        self.events.sort(key=lambda e: -rank(e))

    @property
    def head(self) -> list[Event]:
        top = rank(self.events[0])
        return [e for e in self.events if rank(e) == top]

    @property
    def masked(self) -> list[Event]:
        top = rank(self.events[0])
        return [e for e in self.events if rank(e) < top]

    @property
    def fails(self) -> bool:
        return any(e.type in FAIL_TYPES for e in self.events)


Why = Literal["downstream", "upstream", "forwarded", "dead-neighbour", "same-element", "masked"]


@dataclass(frozen=True)
class Consequence:
    event: Event
    why: Why
    by: Event  # the alarm that explains it (the root's, or the masking one)


RootKind = Literal["loss", "optical", "ais", "path-ais", "equipment", "remote", "errors"]


@dataclass
class Root:
    """A defect that explains itself: a fault on `segment`, with what follows from it."""

    kind: RootKind
    rule: str  # the registered rule that reports it
    element: PathElement  # where it is reported
    flow: Flow | None  # None: the whole element, both directions
    segment: Segment
    head: list[Event]
    fails: bool  # the signal is lost (not only errored) from here on
    upstream: PathElement | None = None  # the span's other end (loss, optical, errors, AIS start)
    reach: PathElement | None = None  # remote: how far downstream the defect may be
    between: list[PathElement] = field(default_factory=list)  # AIS: stations inside the span
    first_station: bool = True  # AIS: R-AIS-1 (True) or R-AIS-2
    bounded_by: list[Event] = field(default_factory=list)  # AIS: RDIs that narrow the span
    board_confidence: float = CONF_BOARD
    link: PathLink | None = None  # the link between `upstream` and `element`, if adjacent
    consequences: list[Consequence] = field(default_factory=list)

    @property
    def lead(self) -> Event:
        return self.head[0]

    def names(self) -> str:
        return " + ".join(dict.fromkeys(e.name for e in self.head))


@dataclass
class Correlation:
    roots: list[Root]
    unplaced: list[Event]  # receive/remote alarms whose port is not this circuit's
    other: list[Event]  # unknown types; board alarms on a board that does not carry the circuit


def _order(path: CircuitPath, flow: Flow) -> list[PathElement]:
    return list(path.elements) if flow == "a-to-b" else list(reversed(path.elements))


def _seg(path: CircuitPath, x: str, y: str) -> Segment:
    i, j = sorted((path.index(x), path.index(y)))
    return Segment(from_=path.elements[i].id, to=path.elements[j].id)


def _tokens(port: str) -> list[str]:
    return [t for t in re.split(r"[\s_/:.-]+", port.strip().lower()) if t]


def _on_board(alarm_port: str, circuit_port: str) -> bool:
    """'2-PQ1' or '2-PQ1-7' is on the board of '2-PQ1-5' (slot-board-port naming)."""
    a, c = _tokens(alarm_port), _tokens(circuit_port)
    if a and a == c[: len(a)]:
        return True
    return len(a) >= 2 and len(c) >= 2 and a[:-1] == c[:-1]


def board_confidence(ev: Event) -> float | None:
    """How surely a board alarm concerns this circuit; None: a board that does not carry it."""
    el = ev.element
    ports = [p for p in (el.a_port, el.b_port) if p]
    if ev.port is None:
        return CONF_BOARD_UNTIED
    if any(_on_board(ev.port, p) for p in ports):
        return CONF_BOARD
    if len(ports) < 2:  # the side the inventory does not list may be on this board
        return CONF_BOARD_UNTIED
    return None


def _independent(ev: Event) -> bool:
    """A defect a receiver shows only if its own span is broken, whatever happens upstream:
    consequent AIS keeps the line's light and framing (G.806), so an upstream failure never
    makes a downstream receiver lose signal, light level or SDH framing."""
    return (
        ev.type == "LOS"
        or ev.type in OPTICAL_TYPES
        or (ev.type == "LOF" and ev.layer in ("RS", "MS"))
    )


def _ais_span(
    order: list[PathElement], i: int, flow: Flow, points: dict[tuple[str, Flow, Role], Point]
) -> tuple[int, int, list[Event]]:
    """R-AIS: (the article's start, the start after narrowing, the RDIs that narrow it)."""
    source = "a" if flow == "a-to-b" else "b"
    anchor = next(
        (k for k, e in enumerate(order) if e.end == source and e.kind in TRANSMISSION), None
    )
    start = anchor if anchor is not None and anchor < i else max(i - 1, 0)
    # An RDI returned to a station between the start and the reporter means that station's
    # output was not received: the signal left it already (it has no input alarm) and broke
    # after it.  The most downstream such station bounds the span.
    for k in range(i - 1, start, -1):
        pt = points.get((order[k].id, flow, "remote"))
        if pt is not None:
            return start, k, list(pt.events)
    return start, start, []


def _section_bound(
    order: list[PathElement], i: int, p: Point, points: dict[tuple[str, Flow, Role], Point]
) -> tuple[int, Point] | None:
    """For an AIS/LOP root at order[i]: the station k whose section RDI pins the break to the
    span k → k+1, when that is tighter than the AIS span."""
    lead = p.events[0]
    if lead.type not in ("AIS", "LOP") or (lead.type == "AIS" and lead.layer == "MS"):
        return None
    _, k, bounds = _ais_span(order, i, p.flow, points)
    if not bounds or bounds[0].layer not in ("MS", "RS") or k + 1 >= i:
        return None
    return k, points[(order[k].id, p.flow, "remote")]


def _input_root(
    path: CircuitPath,
    order: list[PathElement],
    i: int,
    p: Point,
    points: dict[tuple[str, Flow, Role], Point],
) -> Root:
    lead = p.events[0]
    el = order[i]
    prev = order[max(i - 1, 0)]
    if lead.type in ("AIS", "LOP"):
        if lead.type == "AIS" and lead.layer == "MS":
            # MS-AIS is inserted inside the multiplex section (by a regenerator) feeding X.
            start = bounded = i - 1
            bounds: list[Event] = []
        else:
            start, bounded, bounds = _ais_span(order, i, p.flow, points)
        # ZTE's plain "AIS" names no layer: on the circuit's own port it is read as the E1's.
        e1 = lead.is_e1_ais or (lead.type == "AIS" and lead.layer == "UNSPECIFIED")
        return Root(
            kind="ais" if e1 else "path-ais",
            rule="ais-upstream-localize" if e1 else "path-ais-localize",
            element=el,
            flow=p.flow,
            segment=_seg(path, order[bounded].id, el.id),
            head=p.head,
            fails=True,
            upstream=order[bounded],
            between=order[bounded + 1 : i],
            first_station=(i - start) == 1,
            bounded_by=bounds,
        )
    if lead.type in ("LOS", "LOF"):
        kind: RootKind = "loss"
        rid = "signal-loss-localize"
    elif lead.type in OPTICAL_TYPES:
        kind, rid = "optical", "optical-power-alarm"
    else:
        kind, rid = "errors", "alarm-on-path"
    return Root(
        kind=kind,
        rule=rid,
        element=el,
        flow=p.flow,
        segment=_seg(path, prev.id, el.id),
        head=p.head,
        fails=p.fails,
        upstream=prev,
        link=_link(path, prev.id, el.id),
    )


def _remote_root(path: CircuitPath, order: list[PathElement], j: int, p: Point) -> Root:
    lead = p.events[0]
    if lead.layer in ("MS", "RS"):
        k = j + 1  # a section's RDI comes from the next NE that terminates the section
    elif lead.type == "RAI" or lead.layer == "E1":
        # the E1's far end: the customer's router or converter (the element before the LAN)
        k = max(x for x, e in enumerate(order) if e.kind != "lan")
    else:
        # a VC path's far end: the last transmission NE in this direction
        k = max((x for x, e in enumerate(order) if e.kind in TRANSMISSION), default=j + 1)
    k = min(max(k, j + 1), len(order) - 1)
    el = order[j]
    return Root(
        kind="remote",
        rule="remote-defect-localize",
        element=el,
        flow=p.flow,
        segment=_seg(path, el.id, order[k].id),
        head=p.head,
        fails=True,
        reach=order[k],
        between=order[j + 1 : k],
    )


def correlate(path: CircuitPath, evs: Sequence[Event]) -> Correlation:
    """Roots and consequences per direction (module docstring, stage 3)."""
    roots: list[Root] = []
    unplaced: list[Event] = []
    other: list[Event] = []

    # Power and board failures: roots at their element, for both directions.
    dead: dict[str, Root] = {}
    for ev in sorted((e for e in evs if e.role == "equipment"), key=lambda e: -rank(e)):
        conf = 1.0 if ev.type == "POWER_FAIL" else board_confidence(ev)
        if conf is None:
            other.append(ev)
            continue
        root = dead.get(ev.element.id)
        if root is None:
            root = Root(
                kind="equipment",
                rule="equipment-fault-localize",
                element=ev.element,
                flow=None,
                segment=Segment(from_=ev.element.id, to=ev.element.id),
                head=[ev],
                fails=True,
                board_confidence=conf,
            )
            dead[ev.element.id] = root
            roots.append(root)
        elif ev.type == root.lead.type:
            root.head.append(ev)
        else:
            root.consequences.append(Consequence(ev, "masked", root.lead))

    points: dict[tuple[str, Flow, Role], Point] = {}
    for ev in evs:
        if ev.role == "equipment":
            continue
        if ev.element.id in dead:
            d = dead[ev.element.id]
            d.consequences.append(Consequence(ev, "same-element", d.lead))
        elif ev.role == "other":
            other.append(ev)
        elif ev.flow is None:
            unplaced.append(ev)
        else:
            key = (ev.element.id, ev.flow, ev.role)
            points.setdefault(key, Point(ev.element, ev.flow, ev.role)).events.append(ev)
    for pt in points.values():
        pt.sort()

    for flow in FLOWS:
        order = _order(path, flow)
        failed: tuple[int, Root] | None = None  # the nearest upstream root that failed the signal
        used: set[tuple[str, Flow, Role]] = set()  # remote points already made roots
        errored: Root | None = None
        fail_roots: list[tuple[int, Root]] = []
        for i, el in enumerate(order):
            if el.id in dead:
                failed = (i, dead[el.id])
                fail_roots.append(failed)
                continue
            p = points.get((el.id, flow, "input"))
            if p is None:
                continue
            lead = p.events[0]
            if failed is not None and not _independent(lead):
                for e in p.events:
                    failed[1].consequences.append(Consequence(e, "downstream", failed[1].lead))
                continue
            if failed is not None and failed[1].kind == "equipment" and failed[0] == i - 1:
                # the neighbour is dead: it sends nothing, hence the LOS here
                for e in p.events:
                    failed[1].consequences.append(Consequence(e, "dead-neighbour", failed[1].lead))
                continue
            if failed is None and errored is not None and not p.fails and not _independent(lead):
                for e in p.events:
                    errored.consequences.append(Consequence(e, "downstream", errored.lead))
                continue
            section = _section_bound(order, i, p, points)
            if section is not None:
                # A section RDI (MS-RDI) between the source and this AIS is returned by the very
                # next NE: the break is that one span, tighter than the AIS span; the AIS here
                # is its consequence.
                k, q = section
                used.add((order[k].id, flow, "remote"))
                root = _remote_root(path, order, k, q)
                root.consequences.extend(Consequence(e, "masked", q.events[0]) for e in q.masked)
                root.consequences.extend(Consequence(e, "downstream", root.lead) for e in p.events)
                roots.append(root)
                failed = (k + 1, root)
                fail_roots.append(failed)
                continue
            root = _input_root(path, order, i, p, points)
            root.consequences.extend(Consequence(e, "masked", lead) for e in p.masked)
            roots.append(root)
            if root.fails:
                failed = (i, root)
                fail_roots.append(failed)
            else:
                errored = root

        # RDI/RAI: returned by the sink that lost the signal, so explained by the nearest failure
        # at or after the reporter; else by a failure upstream (the reporter forwards the AIS and
        # the sink answers it); else the most downstream reporter's output is broken.
        orphans: list[tuple[int, Point]] = []
        for j, el in enumerate(order):
            p = points.get((el.id, flow, "remote"))
            if p is None or (el.id, flow, "remote") in used:
                continue
            after = [(i, r) for i, r in fail_roots if i >= j]
            before = [(i, r) for i, r in fail_roots if i < j]
            if after:
                r = min(after, key=lambda t: t[0])[1]
                r.consequences.extend(Consequence(e, "upstream", r.lead) for e in p.events)
            elif before:
                r = max(before, key=lambda t: t[0])[1]
                r.consequences.extend(Consequence(e, "forwarded", r.lead) for e in p.events)
            else:
                orphans.append((j, p))
        if orphans:
            j, p = orphans[-1]
            root = _remote_root(path, order, j, p)
            root.consequences.extend(Consequence(e, "masked", p.events[0]) for e in p.masked)
            for _, q in orphans[:-1]:
                root.consequences.extend(Consequence(e, "upstream", root.lead) for e in q.events)
            roots.append(root)
    return Correlation(roots, unplaced, other)


# ---------------------------------------------------------------------------- findings


def _arrow(flow: Flow | None) -> str:
    return {"a-to-b": "A→B", "b-to-a": "B→A", None: "both directions"}[flow]


def _link(path: CircuitPath, x: str, y: str) -> PathLink | None:
    return next((lk for lk in path.links if {lk.from_, lk.to} == {x, y}), None)


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
    return Finding(
        rule=root.rule,
        procedure="3.1",
        kind="fault",
        title=f"{root.names()} at {x}: the span from {w} is broken ({arrow})",
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=round(conf, 2),
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
    return Finding(
        rule=root.rule,
        procedure="3.1",
        kind="fault",
        title=title,
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=round(conf, 2),
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
    return Finding(
        rule=root.rule,
        procedure="3.1",
        kind="fault",
        title=f"{root.names()} at {x.id}",
        direction=None,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=round(conf, 2),
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
    return Finding(
        rule=root.rule,
        procedure="R-AIS-1" if root.first_station else "R-AIS-2",
        kind="fault",
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
    return Finding(
        rule=root.rule,
        procedure="3.1",
        kind="fault",
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
    return Finding(
        rule=root.rule,
        procedure="3.1",
        kind="fault",
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
    return Finding(
        rule=root.rule,
        procedure="3.1",
        kind="fault",
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


def _root_where(root: Root) -> str:
    seg = root.segment
    span = seg.from_ if seg.from_ == seg.to else f"{seg.from_} … {seg.to}"
    return f"{root.lead.where()} ({root.names()}, fault in {span})"


def _consequence(path: CircuitPath, root: Root, c: Consequence, window_s: float) -> Finding:
    e = c.event
    x = e.element.id
    arrow = _arrow(e.flow)
    where = _root_where(root)
    if c.why == "masked":
        rid = "alarm-masked"
        cause = (
            f"{e.name} at {e.where()} is masked by the higher-ranking {c.by.name} at the "
            "same point (alarm precedence LOS > LOF > MS-AIS > AU-AIS > TU-AIS, DOMAIN §2.4)"
        )
    elif c.why == "same-element":
        rid = "alarm-masked"
        cause = (
            f"{e.name} at {e.where()} follows from {c.by.name} at the same element; "
            "not a separate fault"
        )
    elif c.why == "dead-neighbour":
        rid = "alarm-consequence"
        cause = (
            f"{x} reports {e.name} ({arrow}) because its neighbour {root.element.id} has "
            f"failed ({root.names()}) and sends nothing; not a separate fault"
        )
    elif c.why == "downstream":
        rid = "ais-downstream-consequence" if e.type == "AIS" else "alarm-consequence"
        if root.kind == "errors":
            cause = (
                f"{x} reports {e.name} ({arrow}): the errors start upstream at {where}; "
                "not a separate fault"
            )
        else:
            cause = (
                f"{x} reports {e.name} ({arrow}) because the signal is already broken "
                f"upstream at {where}: AIS is inserted downstream as a consequent action; "
                "not a separate fault"
            )
    elif c.why == "upstream":
        rid = "rdi-upstream-consequence"
        cause = (
            f"{x} reports {e.name}: the equipment downstream of it in {arrow} returns a "
            f"remote defect indication for the signal lost at {where}; not a separate fault"
        )
    else:  # forwarded
        rid = "rdi-upstream-consequence"
        cause = (
            f"{x} reports {e.name}: it forwards, {arrow}, the AIS caused upstream at {where}, "
            "and the far end answers with a remote defect indication; not a separate fault"
        )
    conf = CONF_CONSEQUENCE
    apart = _seconds_apart(e, c.by)
    if c.why != "masked" and apart is not None and apart > window_s:
        conf = CONF_CONSEQUENCE_LATE
        cause += (
            f" (raised {apart:.0f} s apart from {c.by.name}, more than the {window_s:g} s "
            "correlation window: check the alarm history for an earlier, separate event)"
        )
    return Finding(
        rule=rid,
        procedure="R-AIS-2" if e.is_e1_ais else "3.1",
        kind="consequence",
        title=f"{e.name} at {x} follows from the fault at {root.element.id}",
        direction=e.flow,
        segment=None,
        owner=path.owner_of(root.segment),
        confidence=conf,
        cause=cause,
        evidence=[e.evidence],
        next_steps=[],
    )


def root_findings(
    path: CircuitPath, corr: Correlation, rule_id: str, window_s: float, margin_db: float
) -> list[Finding]:
    """The fault findings of one rule's roots, each followed by its consequences."""
    out: list[Finding] = []
    for root in corr.roots:
        if root.rule != rule_id:
            continue
        out.append(_fault(path, root, window_s, margin_db))
        out.extend(_consequence(path, root, c, window_s) for c in root.consequences)
    return out


def unplaced_ais_findings(path: CircuitPath, corr: Correlation) -> list[Finding]:
    """E1 AIS on a port the inventory does not place on the circuit: direction unknown."""
    out = []
    cpes = [e for e in path.elements if e.kind in TRANSMISSION and e.end != "transport"]
    for ev in corr.unplaced:
        if not ev.is_e1_ais or not cpes:
            continue
        seg = Segment(from_=cpes[0].id, to=cpes[-1].id)
        el = ev.element
        out.append(
            Finding(
                rule="ais-direction-unknown",
                procedure="R-AIS-1",
                kind="fault",
                title=f"E1 AIS at {el.id} on a port not placed on the circuit",
                direction=None,
                segment=seg,
                owner=path.owner_of(seg),
                confidence=CONF_UNPLACED,
                cause=(
                    f"{el.id} reports {ev.name} on port {ev.port or '?'}, which is neither the "
                    f"A-side ({el.a_port}) nor the B-side ({el.b_port}) port of this circuit, so "
                    "its direction is unknown"
                ),
                evidence=[ev.evidence],
                next_steps=[
                    f"Confirm in the NMS which E1 port of {el.id} carries this circuit "
                    "and correct the inventory's transport hop (a_port/b_port)."
                ],
            )
        )
    return out


def other_alarm_findings(path: CircuitPath, corr: Correlation) -> list[Finding]:
    """Alarms no correlation rule can place: suspected at their element, never localising."""
    out = []
    for ev in [*corr.unplaced, *corr.other]:
        if ev.is_e1_ais and ev in corr.unplaced:
            continue  # ais-direction-unknown
        el = ev.element
        seg = Segment(from_=el.id, to=el.id)
        if ev.type == "UNKNOWN":
            why = f"an unrecognised alarm {ev.name!r} ({ev.layer} layer)"
            conf = CONF_OTHER_ALARM
        elif ev.type == "BOARD_FAULT":
            why = (
                f"a {ev.name} board alarm on {ev.port}, a board that carries neither of the "
                f"circuit's ports ({el.a_port}, {el.b_port})"
            )
            conf = CONF_UNPLACED
        else:
            why = (
                f"{ev.name} on port {ev.port or '?'}, which the inventory does not place on "
                "this circuit, so its direction is unknown"
            )
            conf = CONF_UNPLACED
        out.append(
            Finding(
                rule="alarm-on-path",
                procedure="3.1",
                kind="fault",
                title=f"{ev.name} active at {el.id}",
                direction=None,
                segment=seg,
                owner=path.owner_of(seg),
                confidence=conf,
                cause=f"{el.id} has {why}; suspected only",
                evidence=[ev.evidence],
                next_steps=[
                    f"Open {el.id}'s current and historical alarms in the NMS and check whether "
                    "this port or board carries the circuit; correct the inventory's "
                    "a_port/b_port if it does."
                ],
            )
        )
    return out


def coverage_findings(path: CircuitPath, polls: list[NmsPollObservation]) -> list[Finding]:
    """Say which NEs step 3.1 could not see, and why."""
    out = []
    for poll in polls:
        if poll.ok:
            continue
        out.append(
            Finding(
                rule="nms-unreadable",
                procedure="3.1",
                kind="not_evaluated",
                title=f"NMS {poll.nms} could not be read",
                direction=None,
                segment=None,
                owner="unknown",
                confidence=1.0,
                cause=(f"alarms of {', '.join(poll.nes)} are unknown: {poll.error}"),
                evidence=[Evidence(observation=poll.id, text=f"{poll.nms}: {poll.error}")],
                next_steps=[
                    f"Check that NMS {poll.nms} answers SNMP from this host (address, port, "
                    "credentials, firewall), or read its alarms on its own console.",
                    "Meanwhile go on with the customer-side questions (step 3.2).",
                ],
            )
        )
    unmanaged = [e.id for e in path.elements if e.kind in TRANSMISSION and e.ne_name is None]
    if unmanaged:
        out.append(
            Finding(
                rule="ne-unmanaged",
                procedure="3.1",
                kind="info",
                title="network elements without an NMS",
                direction=None,
                segment=None,
                owner="unknown",
                confidence=1.0,
                cause=(
                    f"{', '.join(unmanaged)} are not managed by any NMS in the inventory; step "
                    "3.1 cannot see their alarms"
                ),
                evidence=[],
                next_steps=[],
            )
        )
    return out


# --------------------------------------------------------------------------- registered rules

SOURCES = ("nms_poll", "ne_e1_line")


def _correlation(ctx: Context) -> Correlation:
    return correlate(
        ctx.path, events(ctx.path, ctx.of(AlarmObservation), ctx.of(NeE1LineObservation))
    )


def _has_source(ctx: Context) -> bool:
    # The correlation rules stay silent without alarm sources: ais-upstream-localize already
    # reports step 3.1 as not evaluated, once.
    return any(ctx.has(s) for s in SOURCES)


def _run(ctx: Context, rule_id: str) -> list[Finding]:
    return root_findings(
        ctx.path,
        _correlation(ctx),
        rule_id,
        ctx.thresholds["alarm_correlation_window_s"],
        ctx.thresholds["optical_margin_db"],
    )


@rule(
    "ais-upstream-localize",
    ("R-AIS-1", "R-AIS-2"),
    "3.1",
    "E1_AIS: the most upstream reporting station bounds the fault, per direction",
    SOURCES,
)
def _ais(ctx: Context) -> list[Finding]:
    return _run(ctx, "ais-upstream-localize")


@rule(
    "ais-direction-unknown",
    ("R-AIS-1",),
    "3.1",
    "E1_AIS on a port the inventory does not place on the circuit",
    ("nms_poll",),
)
def _ais_unplaced(ctx: Context) -> list[Finding]:
    return unplaced_ais_findings(ctx.path, _correlation(ctx))


@rule(
    "signal-loss-localize",
    ("3.1", "R-OPT-1"),
    "3.1",
    "LOS/LOF at a receiver: the span feeding it, per direction (AIS down, RDI up: consequences)",
    SOURCES,
    applies=_has_source,
)
def _loss(ctx: Context) -> list[Finding]:
    return _run(ctx, "signal-loss-localize")


@rule(
    "equipment-fault-localize",
    ("3.1",),
    "3.1",
    "power failure or board fault at an NE: that NE, both directions",
    SOURCES,
    applies=_has_source,
)
def _equipment(ctx: Context) -> list[Finding]:
    return _run(ctx, "equipment-fault-localize")


@rule(
    "optical-power-alarm",
    ("3.1", "R-OPT-1", "R-OPT-2"),
    "3.1",
    "received optical power too high (overload) or too low: the fiber feeding the receiver",
    SOURCES,
    applies=_has_source,
)
def _optical(ctx: Context) -> list[Finding]:
    return _run(ctx, "optical-power-alarm")


@rule(
    "path-ais-localize",
    ("3.1",),
    "3.1",
    "MS/AU/TU AIS or LOP with nothing upstream: the span back to the source, per direction",
    SOURCES,
    applies=_has_source,
)
def _path_ais(ctx: Context) -> list[Finding]:
    return _run(ctx, "path-ais-localize")


@rule(
    "remote-defect-localize",
    ("3.1",),
    "3.1",
    "RDI/RAI no other alarm explains: the reporter's transmit direction is broken downstream",
    SOURCES,
    applies=_has_source,
)
def _remote(ctx: Context) -> list[Finding]:
    return _run(ctx, "remote-defect-localize")


@rule(
    "alarm-on-path",
    ("3.1",),
    "3.1",
    "errors, unknown alarms and alarms on ports not on the circuit: suspected at their place",
    SOURCES,
    applies=_has_source,
)
def _on_path(ctx: Context) -> list[Finding]:
    return [*_run(ctx, "alarm-on-path"), *other_alarm_findings(ctx.path, _correlation(ctx))]


@rule("nms-coverage", ("3.1",), "3.1", "which NEs step 3.1 could not see, and why", ())
def _coverage(ctx: Context) -> list[Finding]:
    return coverage_findings(ctx.path, ctx.of(NmsPollObservation))
