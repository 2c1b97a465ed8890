"""The network of a generated lab (diag.lab.generate): regions, NMSs, SDH rings and circuits.

Each region has its own NMS (even regions `alarm-mib`, odd ones `huawei-imap`) and its own SDH
rings. A ring is SDH NEs linked in a cycle through their line ports (`4-SL4-1` faces the
previous NE, `5-SL4-1` the next). A circuit enters the ring at one SDH NE and leaves it at
another, riding the spans between them one way round; at each end a PDH (the CPE, optical line
`OPT-1` to the SDH's `OI2` tributary port, `E1-1` to the router) and a router. Everything is
drawn from one seeded `random.Random`, so one seed gives one network.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

REGIONS = ("east", "west", "north", "south", "central", "coast")
CIRCUITS_PER_RING = 16
WEST, EAST = "4-SL4-1", "5-SL4-1"
# Tributary boards: slots that are neither line boards (4, 5), cross-connects (9, 10) nor the
# boards kept for noise (2-PQ1 carries no circuit, 12-SL1 is an empty spare slot).
TRIB_SLOTS = (1, 3, 6, 7, 8, 11, *range(13, 40))
TRIB_PORTS_USED = 12  # of 16 per OI2 board: ports 13-16 stay free (noise on "another port")
NOISE_PQ1 = "2-PQ1"
NOISE_SPARE_BOARD = "12-SL1"
CPE_PORT, CPE_LINE = "E1-1", "OPT-1"
# Every CROSS_EVERY-th circuit, from the CROSS_FIRST-th (GEN-00012, GEN-00037, ...), crosses
# two regions: its B end's router and PDH belong to the next region (its ring, NEs and NMS stay
# in the circuit's). Chosen by number, not drawn, so the seeded draws stay as they were.
CROSS_EVERY, CROSS_FIRST = 25, 12


@dataclass
class Sdh:
    name: str
    region: str
    ring: str
    index: int  # position on its ring
    tribs: int = 0  # tributary ports given out so far

    def next_trib(self) -> str:
        k = self.tribs
        self.tribs += 1
        return f"{TRIB_SLOTS[k // TRIB_PORTS_USED]}-OI2-{k % TRIB_PORTS_USED + 1}"


@dataclass
class Ring:
    name: str
    region: str
    nes: list[Sdh]

    def span(self, i: int) -> tuple[str, str]:
        """Span i: from NE i to NE i+1 (the last one closes the cycle)."""
        return self.nes[i].name, self.nes[(i + 1) % len(self.nes)].name


@dataclass
class End:
    router: str
    vendor: str  # cisco_ios | huawei
    pdh: str
    sdh: str
    trib: str  # the SDH's tributary port towards this end's PDH
    wan_ip: str
    direct: bool  # the PDH is also polled directly (DS1-MIB agent of its own)
    region: str  # the region whose worker reaches this end's router and PDH


@dataclass
class GenCircuit:
    id: str
    region: str
    group: str
    ring: str
    hops: list[str]  # SDH names, A to B
    spans: list[int]  # ring span indices ridden
    clockwise: bool
    a: End
    b: End
    customer: str

    @property
    def crosses(self) -> bool:
        """Its ends belong to two regions (see CROSS_EVERY)."""
        return self.a.region != self.b.region


@dataclass
class Topology:
    regions: list[str]
    rings: dict[str, Ring] = field(default_factory=dict)
    circuits: list[GenCircuit] = field(default_factory=list)

    def riders(self, ring: str, span: int) -> list[GenCircuit]:
        return [c for c in self.circuits if c.ring == ring and span in c.spans]


_CUSTOMERS = (
    "Commercial Bank",
    "Provincial Tax Bureau",
    "Power Grid dispatch",
    "Rail freight",
    "Water Supply",
    "Insurance",
    "Securities",
    "Hospital group",
    "Customs",
    "Lottery centre",
)


def _wan(k: int, host: int) -> str:
    """The /30 of circuit k (10.0.0.0/8, 4 addresses per circuit): host 1 (A) or 2 (B)."""
    base = 4 * k
    return f"10.{(base >> 16) & 255}.{(base >> 8) & 255}.{(base & 255) + host}/30"


def build(n: int, rng: random.Random) -> Topology:
    """N circuits over ceil(N/50) regions (2 to 6) and rings of 4 to 8 SDH NEs."""
    n_regions = max(2, min(len(REGIONS), -(-n // 50)))
    topo = Topology(regions=list(REGIONS[:n_regions]))
    per_region = [n // n_regions + (1 if r < n % n_regions else 0) for r in range(n_regions)]
    k = 0
    for r, region in enumerate(topo.regions):
        n_rings = max(1, -(-per_region[r] // CIRCUITS_PER_RING))
        rings = []
        for i in range(n_rings):
            name = f"{region}-r{i + 1:02d}"
            size = rng.randint(4, 8)
            ring = Ring(
                name, region, [Sdh(f"{name}-sdh{j + 1}", region, name, j) for j in range(size)]
            )
            topo.rings[name] = ring
            rings.append(ring)
        for j in range(per_region[r]):
            ring = rings[j % n_rings]
            # The first region's CPEs are also polled directly, one circuit in three: each DS1-MIB
            # agent is a pysnmp engine of its own (~0.2 s to start, ~0.5 MiB).
            direct = r == 0 and j % 3 == 0
            b_region = region
            if k % CROSS_EVERY == CROSS_FIRST - 1:
                b_region = topo.regions[(r + 1) % n_regions]
            topo.circuits.append(_circuit(k, region, ring, rng, direct=direct, b_region=b_region))
            k += 1
    return topo


def _circuit(
    k: int, region: str, ring: Ring, rng: random.Random, *, direct: bool, b_region: str
) -> GenCircuit:
    size = len(ring.nes)
    i = rng.randrange(size)
    dist = rng.randint(1, size - 1)
    clockwise = rng.random() < 0.5
    step = 1 if clockwise else -1
    idx = [(i + step * d) % size for d in range(dist + 1)]
    # Span s joins NE s and NE s+1: going clockwise from x the span is x, anticlockwise x-1.
    spans = [x if clockwise else (x - 1) % size for x in idx[:-1]]
    first, last = ring.nes[idx[0]], ring.nes[idx[-1]]
    cid = f"GEN-{k + 1:05d}"
    stem = cid.lower()
    vendor_a = "cisco_ios"
    vendor_b = "huawei" if rng.random() < 0.6 else "cisco_ios"
    return GenCircuit(
        id=cid,
        region=region,
        group=f"{region}-{rng.choice(('bank', 'gov', 'utility'))}",
        ring=ring.name,
        hops=[ring.nes[x].name for x in idx],
        spans=spans,
        clockwise=clockwise,
        a=End(
            f"{stem}-rtr-a",
            vendor_a,
            f"{stem}-pdh-a",
            first.name,
            first.next_trib(),
            _wan(k, 1),
            direct,
            region,
        ),
        b=End(
            f"{stem}-rtr-b",
            vendor_b,
            f"{stem}-pdh-b",
            last.name,
            last.next_trib(),
            _wan(k, 2),
            direct,
            b_region,
        ),
        customer=f"{rng.choice(_CUSTOMERS)}, site {k + 1}",
    )


def hop_ports(c: GenCircuit) -> list[tuple[str, str, str]]:
    """(ne, a_port, b_port) per hop: the tributary at the ends, line ports facing each side."""
    toward_a, toward_b = (WEST, EAST) if c.clockwise else (EAST, WEST)
    out = []
    for i, ne in enumerate(c.hops):
        a_port = c.a.trib if i == 0 else toward_a
        b_port = c.b.trib if i == len(c.hops) - 1 else toward_b
        out.append((ne, a_port, b_port))
    return out
