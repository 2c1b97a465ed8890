"""Step 3.1 of the procedure: localise from the NMS's alarms (DOMAIN.md §1.2).

R-AIS-1 / R-AIS-2: an E1_AIS reported at a station means the E1 arriving there from upstream is
already broken.  Per signal direction, the most upstream station that reports it is the root; the
fault lies between the E1's entry into the carrier network (the source end's CPE) and that station,
links included.  AIS reported further downstream on the same direction is a consequence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from diag.analyzers.context import Context
from diag.analyzers.registry import rule
from diag.model.findings import Evidence, Finding
from diag.model.observations import AlarmDirection, AlarmObservation, NmsPollObservation
from diag.model.path import CircuitPath, PathElement, Segment

Flow = Literal["a-to-b", "b-to-a"]

# Where the signal that the alarm speaks of is *arriving at* the port (as opposed to leaving it).
_ARRIVING = {AlarmDirection.up, AlarmDirection.receive, AlarmDirection.none}

CONF_AIS_FIRST = 0.9  # the article states R-AIS-1 literally
CONF_AIS_FURTHER = 0.75  # R-AIS-2 widens the span to every station and cable up to the reporter
CONF_UNPLACED = 0.4
CONF_OTHER_ALARM = 0.5


@dataclass(frozen=True)
class PlacedAlarm:
    alarm: AlarmObservation
    element: PathElement
    flow: Flow | None


def _same_port(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().lower() == b.strip().lower()


def flow_of(alarm: AlarmObservation, el: PathElement) -> Flow | None:
    """The signal direction an alarm on this element's port speaks of, if the port is known."""
    if _same_port(alarm.port, el.a_port):
        facing = "a"
    elif _same_port(alarm.port, el.b_port):
        facing = "b"
    else:
        return None
    arriving = alarm.direction in _ARRIVING
    from_a = (facing == "a") == arriving
    return "a-to-b" if from_a else "b-to-a"


def place(path: CircuitPath, alarms: Iterable[AlarmObservation]) -> list[PlacedAlarm]:
    by_id = {e.id: e for e in path.elements}
    placed = []
    for al in alarms:
        el = by_id.get(al.device or "")
        if el is not None:
            placed.append(PlacedAlarm(al, el, flow_of(al, el)))
    return placed


def _flow_order(path: CircuitPath, flow: Flow) -> list[PathElement]:
    return list(path.elements) if flow == "a-to-b" else list(reversed(path.elements))


def _segment(path: CircuitPath, x: str, y: str) -> Segment:
    i, j = sorted((path.index(x), path.index(y)))
    return Segment(from_=path.elements[i].id, to=path.elements[j].id)


def _ev(al: AlarmObservation) -> Evidence:
    port = f" port {al.port}" if al.port else ""
    when = f", raised {al.raised.isoformat()}" if al.raised else ""
    return Evidence(
        observation=al.id,
        text=f"{al.nms}: {al.ne}{port} reports {al.vendor_name} ({al.severity.value}{when})",
    )


def _is_e1_ais(al: AlarmObservation) -> bool:
    return al.type == "AIS" and al.layer == "E1"


def ais_findings(path: CircuitPath, placed: list[PlacedAlarm]) -> list[Finding]:
    """R-AIS-1 / R-AIS-2 for each direction separately, plus their downstream consequences."""
    out: list[Finding] = []
    for flow in ("a-to-b", "b-to-a"):
        order = _flow_order(path, flow)
        pos = {e.id: i for i, e in enumerate(order)}
        mine = sorted(
            (p for p in placed if _is_e1_ais(p.alarm) and p.flow == flow),
            key=lambda p: pos[p.element.id],
        )
        if not mine:
            continue
        root = mine[0]
        source = "a" if flow == "a-to-b" else "b"
        anchor = next(e for e in order if e.end == source and e.kind in ("pdh", "sdh", "msap"))
        if pos[anchor.id] < pos[root.element.id]:
            start = anchor
        else:  # the CPE itself reports AIS from the customer side: the span feeding it
            start = order[max(pos[root.element.id] - 1, 0)]
        between = order[pos[start.id] + 1 : pos[root.element.id]]
        first_station = not between
        seg = _segment(path, start.id, root.element.id)
        rule_ref = "R-AIS-1" if first_station else "R-AIS-2"
        roots = [p for p in mine if p.element.id == root.element.id]
        _, span_links = path.span(seg)
        carried = "; ".join(lk.label for lk in span_links)
        arrow = "A→B" if flow == "a-to-b" else "B→A"
        if first_station:
            cause = (
                f"{root.element.id} reports {root.alarm.vendor_name}: the E1 that "
                f"{start.id} sends to it ({arrow}) is interrupted, the link between them "
                f"included ({carried})"
            )
        else:
            cause = (
                f"{root.element.id} reports {root.alarm.vendor_name} and no station before "
                f"it does: the E1 ({arrow}) is broken somewhere from {start.id} to "
                f"{root.element.id}, stations {', '.join(e.id for e in between)} and the "
                f"links between them included ({carried})"
            )
        steps = [
            f"Read {start.id}'s tributary port and alarms in the NMS, then loop the E1 back at the "
            f"DDF nearest {root.element.id} to split the span.",
            "Bring a BER tester, spare E1 cables and DDF jumpers; test each E1 cable and jumper of "
            f"the span {seg.from_} … {seg.to} in the {arrow} direction.",
        ]
        if not first_station:
            steps.insert(
                0,
                f"Check the NMS for {between[0].id}: it should see the same E1; if its "
                "port shows no alarm, the break is after it.",
            )
        out.append(
            Finding(
                rule="ais-upstream-localize",
                procedure=rule_ref,
                kind="fault",
                title=f"E1 AIS first seen at {root.element.id} ({flow})",
                direction=flow,
                segment=seg,
                owner=path.owner_of(seg),
                confidence=CONF_AIS_FIRST if first_station else CONF_AIS_FURTHER,
                cause=cause,
                evidence=[_ev(p.alarm) for p in roots],
                next_steps=steps,
            )
        )
        for p in mine[len(roots) :]:
            out.append(
                Finding(
                    rule="ais-downstream-consequence",
                    procedure="R-AIS-2",
                    kind="consequence",
                    title=f"AIS at {p.element.id} follows from the fault upstream",
                    direction=flow,
                    segment=None,
                    owner=path.owner_of(seg),
                    confidence=0.9,
                    cause=(
                        f"{p.element.id} reports {p.alarm.vendor_name} because the E1 is already "
                        f"broken upstream at {root.element.id}; not a separate fault"
                    ),
                    evidence=[_ev(p.alarm)],
                    next_steps=[],
                )
            )
    return out


def unplaced_ais_findings(path: CircuitPath, placed: list[PlacedAlarm]) -> list[Finding]:
    """AIS on a port the inventory does not place on this circuit: direction unknown."""
    out = []
    for p in placed:
        if not _is_e1_ais(p.alarm) or p.flow is not None:
            continue
        cpes = [
            e for e in path.elements if e.kind in ("pdh", "sdh", "msap") and e.end != "transport"
        ]
        seg = Segment(from_=cpes[0].id, to=cpes[-1].id)
        out.append(
            Finding(
                rule="ais-direction-unknown",
                procedure="R-AIS-1",
                kind="fault",
                title=f"E1 AIS at {p.element.id} on a port not placed on the circuit",
                direction=None,
                segment=seg,
                owner=path.owner_of(seg),
                confidence=CONF_UNPLACED,
                cause=(
                    f"{p.element.id} reports {p.alarm.vendor_name} on port {p.alarm.port or '?'}, "
                    f"which is neither the A-side ({p.element.a_port}) nor the B-side "
                    f"({p.element.b_port}) port of this circuit, so its direction is unknown"
                ),
                evidence=[_ev(p.alarm)],
                next_steps=[
                    f"Confirm in the NMS which E1 port of {p.element.id} carries this circuit "
                    "and correct the inventory's transport hop (a_port/b_port)."
                ],
            )
        )
    return out


def other_alarm_findings(path: CircuitPath, placed: list[PlacedAlarm]) -> list[Finding]:
    """Any other active alarm on the path: suspected at that element until a rule places it."""
    out = []
    for p in placed:
        if _is_e1_ais(p.alarm):
            continue
        seg = Segment(from_=p.element.id, to=p.element.id)
        what = p.alarm.type if p.alarm.known else f"unrecognised alarm {p.alarm.vendor_name!r}"
        out.append(
            Finding(
                rule="alarm-on-path",
                procedure="3.1",
                kind="fault",
                title=f"{p.alarm.vendor_name} active at {p.element.id}",
                direction=p.flow,
                segment=seg,
                owner=path.owner_of(seg),
                confidence=CONF_OTHER_ALARM,
                cause=(
                    f"{p.element.id} has an active {what} alarm ({p.alarm.layer} layer); this "
                    "version places it at the element only (correlation of LOS/RDI/power/optical "
                    "alarms along the path is not built yet)"
                ),
                evidence=[_ev(p.alarm)],
                next_steps=[
                    f"Open {p.element.id}'s current and historical alarms in the NMS "
                    f"({p.alarm.nms}) and check power, optics and the E1 port concerned."
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
    unmanaged = [
        e.id for e in path.elements if e.kind in ("pdh", "sdh", "msap") and e.ne_name is None
    ]
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


def _placed(ctx: Context) -> list[PlacedAlarm]:
    return place(ctx.path, ctx.of(AlarmObservation))


@rule(
    "ais-upstream-localize",
    ("R-AIS-1", "R-AIS-2"),
    "3.1",
    "E1_AIS: the most upstream reporting station bounds the fault, per direction",
    ("nms_poll",),
)
def _ais(ctx: Context) -> list[Finding]:
    return ais_findings(ctx.path, _placed(ctx))


@rule(
    "ais-direction-unknown",
    ("R-AIS-1",),
    "3.1",
    "E1_AIS on a port the inventory does not place on the circuit",
    ("nms_poll",),
)
def _ais_unplaced(ctx: Context) -> list[Finding]:
    return unplaced_ais_findings(ctx.path, _placed(ctx))


@rule(
    "alarm-on-path",
    ("3.1",),
    "3.1",
    "any other active alarm on the path, placed at its element",
    ("nms_poll",),
)
def _other(ctx: Context) -> list[Finding]:
    return other_alarm_findings(ctx.path, _placed(ctx))


@rule("nms-coverage", ("3.1",), "3.1", "which NEs step 3.1 could not see, and why", ())
def _coverage(ctx: Context) -> list[Finding]:
    return coverage_findings(ctx.path, ctx.of(NmsPollObservation))
