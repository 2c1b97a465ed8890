"""Incidents: the circuits of one sweep that one cause took down, grouped.  A pure function.

A circuit's failing diagnosis (fault_localized: each fault; fault_suspected: its candidates
together, being alternatives for one trouble) is a *problem*.  Its *footprint* is what of the
transport network its fault segments really cover (docs/incidents.md):

- a transport element (an NE of the circuit's `transport` hops) covered wholly: inside the
  segment, or the whole of a one-element segment (a board or power fault on the NE);
- a link with a transport NE at one end at least, keyed by both ends' device names and ports
  (the names of links are per circuit, the fibre is not).

An NE that merely *bounds* a segment is not covered: a cut C–D says C's and D's ports facing
each other are in question, not the rest of D.  Customer-side elements (LAN, router, the
circuit's own converter and CPE, its E1 cable) are never in a footprint, so a fault there never
joins another circuit's.

Problems are grouped greedily around the place (NE or link) the most circuits cover: every
problem covering it is one incident, and its span is the stretch of that place's neighbours that
*all* of them cover.  A group therefore always has one place common to all its members: two
cuts either side of one NE, or two faults that only a third, wide one overlaps, never chain into
one incident.  What covers no place shared by another failing circuit is no incident: it stays
that circuit's own fault (its own ticket).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from diag.model.findings import Fault, FindingsDocument, Status
from diag.model.inventory import Inventory
from diag.model.path import Owner, Segment, build_path
from diag.sweep.model import Incident, IncidentCircuit

FAILING: tuple[Status, ...] = ("fault_localized", "fault_suspected")
# A proven fault is the worse news for the NOC: it ranks before a suspected one.
_STATUS_RANK = {"fault_localized": 0, "fault_suspected": 1}

# ("ne", device) or ("link", device, port, device, port), the devices in name order
Place = tuple[str, ...]


@dataclass(frozen=True)
class _Element:
    id: str
    transport: bool
    owner: Owner
    a_port: str | None = None
    b_port: str | None = None


@dataclass
class _Route:
    """A circuit's chain as grouping needs it: the document's elements and links, with the
    inventory's ports where the inventory still describes the same path."""

    elements: list[_Element]
    links: list[str]
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {e.id: i for i, e in enumerate(self.elements)}


@dataclass
class _Problem:
    doc: FindingsDocument
    route: _Route
    faults: list[Fault]
    # each fault's footprint: place -> position on the route
    footprints: list[dict[Place, int]] = field(default_factory=list)

    @property
    def circuit(self) -> str:
        return self.doc.circuit.id

    @property
    def places(self) -> dict[Place, int]:
        return {pl: pos for fp in self.footprints for pl, pos in fp.items()}


def _route(doc: FindingsDocument, inv: Inventory) -> _Route:
    ports: dict[str, tuple[str | None, str | None]] = {}
    c = inv.circuits.get(doc.circuit.id)
    if c is not None:
        try:
            path = build_path(c, inv)
        except KeyError:  # the inventory no longer holds one of its devices
            path = None
        if path is not None and [e.id for e in path.elements] == [e.id for e in doc.circuit.path]:
            ports = {e.id: (e.a_port, e.b_port) for e in path.elements}
    return _Route(
        elements=[
            _Element(e.id, e.end == "transport", e.owner, *ports.get(e.id, (None, None)))
            for e in doc.circuit.path
        ],
        links=[lk.id for lk in doc.circuit.links],
    )


def _raw_places(route: _Route, seg: Segment) -> dict[Place, int]:
    """The segment's footprint on the route, each place with its position (element k at 2k,
    the link after it at 2k+1); unresolved link ports are None."""
    if seg.from_ not in route.index or seg.to not in route.index:
        return {}
    i, j = sorted((route.index[seg.from_], route.index[seg.to]))
    els = route.elements
    out: dict[Place, int] = {}
    if i == j:
        if els[i].transport:
            out[("ne", els[i].id)] = 2 * i
        return out
    for k in range(i + 1, j):
        if els[k].transport:
            out[("ne", els[k].id)] = 2 * k
    for k in range(i, j):
        x, y = els[k], els[k + 1]
        if x.transport or y.transport:
            ends = sorted([(x.id, x.b_port or ""), (y.id, y.a_port or "")])
            out[("link", ends[0][0], ends[0][1], ends[1][0], ends[1][1])] = 2 * k + 1
    return out


def _resolve_ports(problems: list[_Problem]) -> None:
    """A link whose inventory names no port at one end is the one fibre between those two NEs
    that other circuits name in full, when exactly one is; otherwise it stays apart (it never
    joins two named fibres into one group)."""
    full: dict[tuple[str, str], set[Place]] = {}
    for p in problems:
        for pl in p.places:
            if pl[0] == "link" and pl[2] and pl[4]:
                full.setdefault((pl[1], pl[3]), set()).add(pl)

    def resolved(pl: Place) -> Place:
        if pl[0] != "link" or (pl[2] and pl[4]):
            return pl
        fits = [
            k
            for k in full.get((pl[1], pl[3]), ())
            if (not pl[2] or pl[2] == k[2]) and (not pl[4] or pl[4] == k[4])
        ]
        return fits[0] if len(fits) == 1 else pl

    for p in problems:
        p.footprints = [{resolved(pl): pos for pl, pos in fp.items()} for fp in p.footprints]


def _problems(inv: Inventory, docs: Sequence[FindingsDocument]) -> list[_Problem]:
    latest: dict[str, FindingsDocument] = {}
    for d in docs:  # a circuit diagnosed twice (a resumed sweep): its latest diagnosis counts
        have = latest.get(d.circuit.id)
        if have is None or d.run.started >= have.run.started:
            latest[d.circuit.id] = d
    out: list[_Problem] = []
    for cid in sorted(latest):
        d = latest[cid]
        if d.verdict.status not in FAILING or not d.verdict.faults:
            continue
        route = _route(d, inv)
        groups = (
            [[f] for f in d.verdict.faults]
            if d.verdict.status == "fault_localized"
            else [list(d.verdict.faults)]  # ranked candidates: alternatives for one trouble
        )
        for faults in groups:
            out.append(_Problem(d, route, faults, [_raw_places(route, f.segment) for f in faults]))
    _resolve_ports(out)
    return out


def _run(problem: _Problem, common: set[Place], seed: Place) -> tuple[int, int]:
    """The stretch of the problem's route around `seed` made only of common places."""
    at = {pos: pl for pl, pos in problem.places.items() if pl in common}
    lo = hi = problem.places[seed]
    while lo - 1 in at:
        lo -= 1
    while hi + 1 in at:
        hi += 1
    return lo, hi


def _owner(route: _Route, i: int, j: int) -> Owner:
    owners = {e.owner for e in route.elements[i : j + 1]}
    return owners.pop() if len(owners) == 1 else "unknown"


@dataclass
class _Draft:
    members: list[_Problem]
    faults: list[tuple[str, Fault]]  # the members' faults that make it, with their circuit
    span: Segment
    elements: list[str]
    links: list[str]
    owner: Owner
    shared: bool

    @property
    def circuits(self) -> list[str]:
        return sorted({m.circuit for m in self.members})

    def sort_key(self) -> tuple[int, int, int, str, str]:
        worst = min(_STATUS_RANK[m.doc.verdict.status] for m in self.members)
        outage = 0 if any(f.impact == "outage" for _, f in self.faults) else 1
        return (-len(self.circuits), worst, outage, self.circuits[0], self.span.from_)


def _shared(members: list[_Problem], seed: Place) -> _Draft:
    common = set.intersection(*(set(m.places) for m in members))
    first = members[0]
    lo, hi = _run(first, common, seed)
    i, j = lo // 2, (hi + 1) // 2
    els = first.route.elements
    span = Segment(from_=els[i].id, to=els[j].id)
    faults = [  # the faults (or candidates) of each member that cover the seed
        (m.circuit, f)
        for m in members
        for f, fp in zip(m.faults, m.footprints, strict=True)
        if seed in fp
    ]
    return _Draft(
        members=members,
        faults=faults,
        span=span,
        elements=[e.id for e in els[i : j + 1] if e.transport],
        links=[first.route.links[k] for k in range(i, j)],
        owner=_owner(first.route, i, j),
        shared=True,
    )


def _summary(d: _Draft) -> str:
    seg = f"{d.span.from_} – {d.span.to}" if d.span.from_ != d.span.to else d.span.from_
    via = f" (link {', '.join(d.links)})" if d.links else ""
    customers = {m.doc.circuit.customer for m in d.members}
    n, k = len(d.circuits), len(customers)
    # the surest member fault's own words up to its first colon: what was seen where
    head = max(d.faults, key=lambda cf: cf[1].confidence)[1]
    rules = ", ".join(sorted({r for _, f in d.faults for r in f.rules}))
    return (
        f"{n} circuits of {k} customer{'s' if k > 1 else ''} fail on the shared span {seg}{via}, "
        f"owner {d.owner}: {head.summary.split(':')[0].rstrip('.')} ({rules})."
    )


def _confidence(d: _Draft) -> float:
    """The mean over the member circuits of each one's surest fault here: the circuits are
    separate readings of one cause, so one weak reading (an unreadable circuit's wide
    candidate) does not sink what many localized, nor one strong one lift many weak ones."""
    best: dict[str, float] = {}
    for circuit, f in d.faults:
        best[circuit] = max(best.get(circuit, 0.0), f.confidence)
    return round(sum(best.values()) / len(best), 2)


def group_incidents(
    inv: Inventory, docs: Sequence[FindingsDocument], *, sweep_id: str
) -> list[Incident]:
    """The incidents of one sweep's findings documents, largest first (docs/incidents.md).

    Pure: the same documents (in any order) and inventory give the same incidents and ids,
    `INC-<sweep_id>-<n>`.  The inventory gives only the ports of each circuit's hops; a circuit
    it no longer describes is grouped by its document's element names alone."""
    todo = _problems(inv, docs)
    drafts: list[_Draft] = []
    while True:
        cover: dict[Place, set[str]] = {}
        for p in todo:
            for pl in p.places:
                cover.setdefault(pl, set()).add(p.circuit)
        shared = [(len(cs), pl) for pl, cs in cover.items() if len(cs) > 1]
        if not shared:
            break
        # the place the most circuits cover; ties by name, so the result never depends on order
        _, seed = min(shared, key=lambda t: (-t[0], t[1]))
        members = [p for p in todo if seed in p.places]
        drafts.append(_shared(members, seed))
        todo = [p for p in todo if seed not in p.places]
    # What is left touches no transport element or link another failing circuit shares: it is
    # that circuit's own fault (its ticket), not an incident.
    drafts.sort(key=_Draft.sort_key)
    out: list[Incident] = []
    for n, d in enumerate(drafts, 1):
        statuses: dict[str, Status] = {m.circuit: m.doc.verdict.status for m in d.members}
        customers: dict[str, str] = {m.circuit: m.doc.circuit.customer for m in d.members}
        out.append(
            Incident(
                id=f"INC-{sweep_id}-{n}",
                span=d.span,
                elements=d.elements,
                links=d.links,
                owner=d.owner,
                confidence=_confidence(d),
                circuits=[
                    IncidentCircuit(circuit=c, customer=customers[c], status=statuses[c])
                    for c in d.circuits
                ],
                customers=sorted(set(customers.values())),
                rules=sorted({r for _, f in d.faults for r in f.rules}),
                summary=_summary(d),
            )
        )
    return out
