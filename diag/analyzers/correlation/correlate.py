"""Roots and consequences per signal direction (see the package docstring, stage 3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from diag.analyzers.correlation.placement import (
    CONF_BOARD,
    FAIL_TYPES,
    FLOWS,
    OPTICAL_TYPES,
    TRANSMISSION,
    Event,
    Flow,
    Role,
    board_confidence,
    rank,
)
from diag.model.path import CircuitPath, PathElement, PathLink, Segment


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
    if not evs:
        return Correlation([], [], [])
    roots: list[Root] = []
    unplaced: list[Event] = []
    other: list[Event] = []

    # Power and board failures: roots at their element, for both directions.
    dead: dict[str, Root] = {}
    for ev in sorted((e for e in evs if e.role == "equipment"), key=lambda e: -rank(e)):
        conf = 1.0 if ev.type == "POWER_FAIL" else board_confidence(ev.element, ev.port)
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


def _link(path: CircuitPath, x: str, y: str) -> PathLink | None:
    """The link joining x and y, either way round."""
    for lk in path.links:
        a, b = lk.from_, lk.to
        if (a == x and b == y) or (a == y and b == x):
            return lk
    return None
