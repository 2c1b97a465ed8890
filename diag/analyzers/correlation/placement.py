"""Relevance, placement and precedence of a circuit's alarms (see the package docstring)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

from diag.i18n import tr
from diag.model.findings import Evidence
from diag.model.observations import (
    AlarmDirection,
    AlarmObservation,
    NeE1LineObservation,
    Severity,
)
from diag.model.path import CircuitPath, PathElement

Flow = Literal["a-to-b", "b-to-a"]
Side = Literal["a", "b"]
Role = Literal["input", "remote", "equipment", "other"]
FLOWS: tuple[Flow, Flow] = ("a-to-b", "b-to-a")
TRANSMISSION = ("pdh", "sdh", "msap")

# A board alarm on the board that carries the circuit's port localises; one that names no board
# may be anywhere on the NE: suspected only.
CONF_BOARD = 0.85
CONF_BOARD_UNTIED = 0.6

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
        if self.port:
            return tr("{element} port {port}", element=self.element.id, port=self.port)
        return self.element.id


_SEPARATORS = re.compile(r"[\s_/:.-]+")


@lru_cache(maxsize=4096)
def _norm_port(p: str) -> str:
    return _SEPARATORS.sub("-", p.strip().lower())


def _same_port(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and _norm_port(a) == _norm_port(b)


def _other(side: Side) -> Side:
    return "b" if side == "a" else "a"


@lru_cache(maxsize=4096)
def _tokens(port: str) -> tuple[str, ...]:
    return tuple(t for t in _SEPARATORS.split(port.strip().lower()) if t)


def _on_board(alarm_port: str, circuit_port: str) -> bool:
    """'2-PQ1' or '2-PQ1-7' is on the board of '2-PQ1-5' (slot-board-port naming)."""
    a, c = _tokens(alarm_port), _tokens(circuit_port)
    if a and a == c[: len(a)]:
        return True
    return len(a) >= 2 and len(c) >= 2 and a[:-1] == c[:-1]


def _ports(el: PathElement) -> list[str]:
    return [p for p in (el.a_port, el.b_port) if p]


def _board_listed(el: PathElement, port: str) -> bool:
    return any(_on_board(port, b) or _on_board(b, port) for b in el.boards)


def board_confidence(el: PathElement, port: str | None) -> float:
    """A board alarm that names the circuit's board localises; one naming no board, less."""
    if port is None:
        return CONF_BOARD_UNTIED
    return CONF_BOARD


def facing(el: PathElement, port: str | None) -> Side | None:
    """The side of the path the alarmed port faces: only what the inventory says (a_port/b_port;
    for a CPE, its customer port and its line port).  No guessing: an alarm on any other port
    is not placed on the circuit."""
    if _same_port(port, el.a_port):
        return "a"
    if _same_port(port, el.b_port):
        return "b"
    return None


@dataclass(frozen=True)
class ContextItem:
    """An alarm on the path's NEs that does not count against this circuit, and why."""

    observation: str
    element: str
    port: str | None
    alarm: str
    severity: str
    reason: Literal["other-port", "other-board", "no-port", "cleared"]
    text: str


@dataclass(frozen=True)
class Note:
    """An alarm the inventory cannot place: the inventory must say before diag can."""

    observation: str
    element: str
    port: str | None
    alarm: str
    text: str
    next_step: str


Reason = Literal["other-port", "other-board", "no-port", "cleared"]
# counted / context / note; the reason in words (translated); for context, which reason it is
Relevance = tuple[Literal["counted", "context", "note"], str, Reason]


def _missing_sides(el: PathElement) -> list[str]:
    out = []
    if not el.a_port:
        out.append("A")
    if not el.b_port:
        out.append("B")
    return out


def _port_words(el: PathElement) -> str:
    ports = []
    if el.a_port:
        ports.append(tr("A side {port}", port=el.a_port))
    if el.b_port:
        ports.append(tr("B side {port}", port=el.b_port))
    if el.boards:
        ports.append(tr("boards {boards}", boards=tr(", ").join(el.boards)))
    return tr("; ").join(ports) or tr("no port listed")


def _inventory_field(el: PathElement, side: str) -> str:
    if el.end == "transport":
        return tr("the transport hop's {field}", field=f"{side.lower()}_port")
    customer_side = "a" if el.end == "a" else "b"
    if side.lower() == customer_side:
        return tr("the circuit's {field}", field=f"{el.end}.cpe_port")
    return tr("the circuit's {field}", field=f"{el.end}.cpe_line")


def relevance(el: PathElement, port: str | None, ctype: str, cleared: bool) -> Relevance:
    """Whether an alarm at `el` counts against the circuit ("counted"), is context, or is an
    inventory note; with the reason in words, and for context which reason it is.  (A note's
    words are "board" or "port": what the alarm is on.)"""
    if cleared:
        return "context", tr("cleared: historical, not active"), "cleared"
    role = _role(ctype)
    if ctype == "POWER_FAIL":
        return "counted", "NE-wide: power", "other-port"
    if role == "equipment":
        if port is None:
            return "counted", "NE-wide: names no board", "other-port"
        if any(_on_board(port, p) for p in _ports(el)) or _board_listed(el, port):
            return "counted", "the board that carries the circuit", "other-port"
        if _missing_sides(el):
            return "note", "board", "other-board"
        why = tr(
            "board {port} does not carry this circuit ({ports})", port=port, ports=_port_words(el)
        )
        return "context", why, "other-board"
    if port is None:
        return "context", tr("names no port, and is not an NE-wide alarm"), "no-port"
    if facing(el, port) is not None:
        return "counted", "the circuit's own port", "other-port"
    if _missing_sides(el):
        return "note", "port", "other-port"
    why = tr("port {port} is not this circuit's ({ports})", port=port, ports=_port_words(el))
    return "context", why, "other-port"


def _flow(side: Side, arriving: bool) -> Flow:
    """Signal arriving from side a, or leaving towards side b, flows A→B."""
    from_a = (side == "a") == arriving
    return "a-to-b" if from_a else "b-to-a"


_ROLES: dict[str, Role] = {
    **dict.fromkeys(FAIL_TYPES | OPTICAL_TYPES | ERROR_TYPES, "input"),
    **dict.fromkeys(REMOTE_TYPES, "remote"),
    **dict.fromkeys(EQUIPMENT_TYPES, "equipment"),
}


def _role(ctype: str) -> Role:
    return _ROLES.get(ctype, "other")


def _place(
    el: PathElement, port: str | None, ctype: str, layer: str, arriving: bool
) -> tuple[Role, Flow | None]:
    role = _role(ctype)
    if role not in ("input", "remote"):
        return role, None
    side = facing(el, port)
    if side is None:
        return role, None
    if layer in NETWORK_SIDE_LAYERS:
        side = _other(side)
    # An RDI arrives from `side` and speaks of the signal this element sends towards it.
    return role, _flow(side, arriving and role == "input")


def _alarm_evidence(al: AlarmObservation) -> Evidence:
    ne = tr("{element} port {port}", element=al.ne, port=al.port) if al.port else al.ne
    when = tr(", raised {at}", at=al.raised.isoformat()) if al.raised else ""
    return Evidence(
        observation=al.id,
        text=tr(
            "{nms}: {ne} reports {alarm} ({severity}{raised})",
            nms=al.nms,
            ne=ne,
            alarm=al.vendor_name,
            severity=al.severity.value,
            raised=when,
        ),
    )


def _ds1_evidence(o: NeE1LineObservation) -> Evidence:
    where = (
        tr("{element} port {port}", element=o.device, port=o.port)
        if o.port
        else f"{o.device} ifIndex {o.if_index}"
    )
    return Evidence(
        observation=o.id,
        text=tr(
            "DS1-MIB on {where}: dsx1LineStatus = {bits} ({names})",
            where=where,
            bits=o.line_status_bits,
            names=", ".join(o.line_status),
        ),
    )


def events(
    path: CircuitPath,
    alarms: Iterable[AlarmObservation],
    lines: Iterable[NeE1LineObservation] = (),
) -> tuple[list[Event], list[ContextItem], list[Note]]:
    """Every counted alarm and DS1-MIB defect bit of the path's elements, placed; the rest as
    context or inventory notes."""
    by_id = {e.id: e for e in path.elements}
    out: list[Event] = []
    context: list[ContextItem] = []
    notes: list[Note] = []
    for al in alarms:
        el = by_id.get(al.device or "")
        if el is None:
            continue
        ctype = al.type if al.known else "UNKNOWN"
        verdict, why, reason = relevance(el, al.port, ctype, al.severity is Severity.cleared)
        if verdict == "context":
            where = tr("{element} port {port}", element=el.id, port=al.port) if al.port else el.id
            context.append(
                ContextItem(
                    al.id,
                    el.id,
                    al.port,
                    al.vendor_name,
                    al.severity.value,
                    reason,
                    tr(
                        "{where}: {alarm} — not counted: {why}",
                        where=where,
                        alarm=al.vendor_name,
                        why=why,
                    ),
                )
            )
            continue
        if verdict == "note":
            notes.append(
                Note(
                    al.id,
                    el.id,
                    al.port,
                    al.vendor_name,
                    _note_text(el, al, why == "board"),
                    tr(
                        "Find in the NMS which port of {ne} carries this circuit on the {sides} "
                        "side and write it into the inventory ({fields}).",
                        ne=el.id,
                        sides=tr(" and ").join(_missing_sides(el)),
                        fields=" / ".join(_inventory_field(el, s) for s in _missing_sides(el)),
                    ),
                )
            )
            continue
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
    return out, context, notes


def _note_text(el: PathElement, al: AlarmObservation, board: bool) -> str:
    """Why an alarm on a port (or board) the inventory does not tie to a side is not counted."""
    values = {
        "ne": el.id,
        "alarm": al.vendor_name,
        "port": al.port,
        "sides": tr(" and ").join(_missing_sides(el)),
    }
    if board:
        return tr(
            "{ne} reports {alarm} on board {port}, but the inventory does not list {ne}'s "
            "{sides}-side port for this circuit, so diag cannot tell whether it is this "
            "circuit's: not counted",
            **values,
        )
    return tr(
        "{ne} reports {alarm} on port {port}, but the inventory does not list {ne}'s "
        "{sides}-side port for this circuit, so diag cannot tell whether it is this "
        "circuit's: not counted",
        **values,
    )
