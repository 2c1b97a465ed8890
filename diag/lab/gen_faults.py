"""Faults and noise of a generated lab (diag.lab.generate), with the ground truth they imply.

The ground truth comes from what was injected (the span cut, the cable), never from diag. Each
fault's alarms and router readings follow the shipped scenarios that pass (docs/lab-generate.md
names them): LOS where the light or signal is lost, AIS downstream, RDI/RAI back upstream, in
each direction the fault breaks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

from diag.lab.gen_topology import (
    CPE_LINE,
    CPE_PORT,
    EAST,
    NOISE_PQ1,
    NOISE_SPARE_BOARD,
    TRIB_PORTS_USED,
    WEST,
    End,
    GenCircuit,
    Topology,
)
from diag.lab.ne_state import CpeState, E1LineState, NeAlarm, NeState
from diag.lab.routers.state import RouterState

Condition = Literal["ok", "ais", "rai", "los"]
SINGLE_KINDS = ("access-fibre-cut", "router-e1-los", "cpe-e1-input-los", "cpe-power-fail")
_TZ = timezone(timedelta(hours=8))
_T0 = datetime(2026, 12, 1, 0, 0, tzinfo=_TZ)


@dataclass
class Injected:
    """One injected fault: its kind, where, and the circuits it breaks with their segment."""

    id: str
    kind: str
    where: str  # ring span "a-sdh … b-sdh", or the end ("a" / "b") of a single circuit
    raised: datetime
    hits: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # cid -> from, to, owner
    ring: str | None = None
    span: tuple[str, str] | None = None


@dataclass
class LabState:
    nes: dict[str, NeState] = field(default_factory=dict)
    cpe: dict[str, CpeState] = field(default_factory=dict)
    routers: dict[str, RouterState] = field(default_factory=dict)
    faults: list[Injected] = field(default_factory=list)

    def alarm(
        self, ne: str, name: str, port: str | None, sev: str, at: datetime, **kw: object
    ) -> None:
        self.nes.setdefault(ne, NeState()).alarms.append(
            NeAlarm.model_validate(
                {"name": name, "port": port, "severity": sev, "raised": at, **kw}
            )
        )


def _when(rng: random.Random) -> datetime:
    return _T0 + timedelta(seconds=rng.randrange(0, 6 * 86400))


# --------------------------------------------------------------------------- routers


def _names(vendor: str) -> tuple[str, str, str]:
    """(WAN serial, E1 controller, LAN) as the router's OS names them."""
    if vendor == "huawei":
        return "Serial1/0/0:0", "E1 1/0/0", "GigabitEthernet0/0/0"
    return "Serial0/0/0:0", "E1 0/0/0", "GigabitEthernet0/0"


def router_state(c: GenCircuit, side: str, cond: Condition, rng: random.Random) -> RouterState:
    end, far = (c.a, c.b) if side == "a" else (c.b, c.a)
    wan, ctl, lan = _names(end.vendor)
    up = cond in ("ok", "rai")
    pkts = rng.randrange(10**5, 10**8)
    crc = rng.randrange(0, 4)
    return RouterState.model_validate(
        {
            "hostname": f"{c.id}-{side.upper()}-RTR",
            "vendor": end.vendor,
            "model": "AR2220" if end.vendor == "huawei" else "2911",
            "interfaces": [
                {
                    "name": lan,
                    "kind": "ethernet",
                    "description": "LAN",
                    "bandwidth_kbit": 1000000,
                    "ip": f"192.168.{rng.randrange(1, 255)}.1/24",
                    "encapsulation": "ARPA",
                },
                {
                    "name": wan,
                    "kind": "e1-channel",
                    "description": f"WAN {c.id}",
                    "ip": end.wan_ip,
                    "bandwidth_kbit": 1984,
                    "encapsulation": "PPP" if end.vendor == "huawei" else "HDLC",
                    "status": "up" if up else "down",
                    "protocol": "up" if cond == "ok" else "down",
                    "counters": {
                        "input_packets": pkts,
                        "output_packets": pkts + rng.randrange(10**4),
                        "input_errors": crc,
                        "crc": crc,
                        "interface_resets": rng.randrange(0, 5),
                        "carrier_transitions": 0 if cond == "ok" else 1,
                    },
                },
            ],
            "controllers": [
                {
                    "name": ctl,
                    "status": "up" if up else "down",
                    "alarms": [] if cond == "ok" else [cond.upper()],
                },
            ],
            "cpu": {
                "five_sec": rng.randrange(2, 15),
                "one_min": rng.randrange(2, 12),
                "five_min": rng.randrange(2, 12),
            },
            "ping": [
                {
                    "target": far.wan_ip.split("/")[0],
                    "success_pct": 100 if cond == "ok" else 0,
                    "rtt_ms": [5, 7, 11],
                },
            ],
        }
    )


# --------------------------------------------------------------------------- faults


def _pick_cuts(
    topo: Topology, target: int, rng: random.Random, broken: set[str]
) -> list[tuple[str, int]]:
    """Ring spans to cut, about half the faulty circuits, no circuit hit twice; at least one."""
    spans = [(r, s) for r, ring in topo.rings.items() for s in range(len(ring.nes))]
    rng.shuffle(spans)
    out: list[tuple[str, int]] = []
    hit = 0
    for ring, s in spans:
        riders = {c.id for c in topo.riders(ring, s)}
        if not riders or riders & broken:
            continue
        if out and hit + len(riders) > max(1, target // 2):
            continue
        out.append((ring, s))
        broken |= riders
        hit += len(riders)
        if hit >= target // 2:
            break
    return out


def inject(topo: Topology, fault_rate: float, rng: random.Random) -> LabState:
    """Faults on about `fault_rate` of the circuits (ring cuts first), routers for every end."""
    st = LabState()
    target = round(fault_rate * len(topo.circuits))
    cond: dict[str, dict[str, Condition]] = {c.id: {"a": "ok", "b": "ok"} for c in topo.circuits}
    broken: set[str] = set()
    by_id = {c.id: c for c in topo.circuits}
    if target:
        for n, (ring, s) in enumerate(_pick_cuts(topo, target, rng, broken)):
            st.faults.append(_ring_cut(st, topo, ring, s, f"cut-{n + 1}", rng, cond))
    healthy = [c for c in topo.circuits if c.id not in broken]
    rng.shuffle(healthy)
    for n, c in enumerate(healthy[: max(0, target - len(broken))]):
        side = rng.choice("ab")
        end = c.a if side == "a" else c.b
        kinds = [k for k in SINGLE_KINDS if _fits(k, end)]
        st.faults.append(_single(st, c, side, rng.choice(kinds), f"single-{n + 1}", rng, cond))
    for cid, sides in cond.items():
        for side, cnd in sides.items():
            c = by_id[cid]
            st.routers[(c.a if side == "a" else c.b).router] = router_state(c, side, cnd, rng)
    _noise(st, topo, rng)
    return st


def _fits(kind: str, end: End) -> bool:
    # A PDH with its own SNMP agent answers unless it is off: the lab cannot serve a dead agent,
    # so a power failure goes on NMS-only PDHs; an E1 input lost is read from the agent.
    if kind == "cpe-power-fail":
        return not end.direct
    if kind == "cpe-e1-input-los":
        return end.direct
    return True


def _ring_cut(
    st: LabState,
    topo: Topology,
    ring: str,
    s: int,
    fid: str,
    rng: random.Random,
    cond: dict[str, dict[str, Condition]],
) -> Injected:
    """Both fibres of span s cut: each NE of the span loses the other's light (R_LOS on the line
    port facing the cut); every circuit riding it gets TU_AIS at the SDH where it leaves the
    ring and DOWN_E1_AIS at the PDH, in both directions; both routers see AIS."""
    x, y = topo.rings[ring].span(s)
    at = _when(rng)
    st.alarm(x, "R_LOS", EAST, "critical", at)
    st.alarm(y, "R_LOS", WEST, "critical", at)
    f = Injected(fid, "ring-cut", f"{x} … {y}", at, ring=ring, span=(x, y))
    later = at + timedelta(seconds=1)
    for c in topo.riders(ring, s):
        for end in (c.a, c.b):
            st.alarm(end.sdh, "TU_AIS", end.trib, "major", later)
            st.alarm(end.pdh, "DOWN_E1_AIS", CPE_PORT, "minor", later)
            st.cpe[end.pdh] = CpeState(lamps={"power": "on", "run": "on", "e1-alarm": "on"})
        first, second = (x, y) if c.hops.index(x) < c.hops.index(y) else (y, x)
        f.hits[c.id] = (first, second, "carrier")
        cond[c.id] = {"a": "ais", "b": "ais"}
    return f


def _single(
    st: LabState,
    c: GenCircuit,
    side: str,
    kind: str,
    fid: str,
    rng: random.Random,
    cond: dict[str, dict[str, Condition]],
) -> Injected:
    end = c.a if side == "a" else c.b
    other = "b" if side == "a" else "a"
    at = _when(rng)
    f = Injected(fid, kind, side, at)

    def seg(a_first: tuple[str, str], b_first: tuple[str, str], owner: str) -> None:
        f.hits[c.id] = (*(a_first if side == "a" else b_first), owner)

    if kind == "access-fibre-cut":
        # The fibre SDH -> PDH (lab-cpe-line-history): the PDH loses the light, the SDH gets
        # MS_RDI back, the PDH sends AIS to its router, whose RAI reaches the far router.
        st.alarm(end.pdh, "R_LOS", CPE_LINE, "critical", at)
        st.alarm(end.pdh, "DOWN_E1_AIS", CPE_PORT, "minor", at + timedelta(seconds=1))
        st.alarm(end.sdh, "MS_RDI", end.trib, "minor", at)
        st.cpe[end.pdh] = CpeState(lamps={"power": "on", "run": "on", "optical-alarm": "on"})
        cond[c.id] = {side: "ais", other: "rai"}
        seg((end.pdh, end.sdh), (end.sdh, end.pdh), "carrier")
    elif kind == "router-e1-los":
        # The E1 cable PDH -> router (test-e1-los): the router's receiver sees nothing; a
        # PDH passes E1 tributaries transparently, so the NMS sees nothing either.
        cond[c.id] = {side: "los", other: "rai"}
        seg((end.router, end.pdh), (end.pdh, end.router), "unknown")
    elif kind == "cpe-e1-input-los":
        # The E1 cable router -> PDH (lab-ne-direct-e1): the PDH loses its E1 input (T_ALOS in
        # the NMS, LossOfSignal on its own DS1-MIB line), sends AIS on towards the far router,
        # whose RAI comes back to this end's router.
        st.alarm(end.pdh, "T_ALOS", CPE_PORT, "major", at)
        st.nes.setdefault(end.pdh, NeState()).e1_lines.append(
            E1LineState(
                port=CPE_PORT,
                status=["LossOfSignal"],
                counters={"uas": 300},
                growth_per_min={"uas": 60},
            )
        )
        cond[c.id] = {side: "rai", other: "ais"}
        seg((end.router, end.pdh), (end.pdh, end.router), "unknown")
    else:  # cpe-power-fail (alarm-ne-power-fail, on the CPE)
        far = c.b if side == "a" else c.a
        st.alarm(end.pdh, "POWER_FAIL", None, "critical", at)
        st.alarm(end.sdh, "R_LOS", end.trib, "critical", at + timedelta(seconds=1))
        st.alarm(far.sdh, "TU_AIS", far.trib, "major", at + timedelta(seconds=1))
        st.alarm(far.pdh, "DOWN_E1_AIS", CPE_PORT, "minor", at + timedelta(seconds=2))
        st.cpe[end.pdh] = CpeState(lamps={"power": "off", "run": "off"})
        cond[c.id] = {side: "los", other: "ais"}
        seg((end.pdh, end.pdh), (end.pdh, end.pdh), "carrier")
    return f


# --------------------------------------------------------------------------- noise


def _noise(st: LabState, topo: Topology, rng: random.Random) -> None:
    """Alarms that must not count: other tributaries and boards of the path's NEs, and
    cleared alarms (a fibre's LOS of days ago, a cleared path AIS) on circuits' own ports."""
    for ring in topo.rings.values():
        for ne in ring.nes:
            if rng.random() < 0.3:
                st.alarm(
                    ne.name,
                    "T_ALOS",
                    f"{NOISE_PQ1}-{rng.randint(1, 63)}",
                    "major",
                    _when(rng),
                    description="another customer's 2M input, not connected",
                )
            if rng.random() < 0.15:
                st.alarm(ne.name, "BD_STATUS", NOISE_SPARE_BOARD, "major", _when(rng))
            if ne.tribs and rng.random() < 0.2:
                spare = f"{TRIB_PORTS_USED + rng.randint(1, 4)}"
                st.alarm(ne.name, "R_LOS", f"1-OI2-{spare}", "critical", _when(rng))
    for c in topo.circuits:
        if rng.random() < 0.1:
            at = _when(rng) - timedelta(days=7)
            st.alarm(c.a.pdh, "R_LOS", CPE_LINE, "critical", at, cleared=at + timedelta(minutes=2))
        if rng.random() < 0.1:
            at = _when(rng) - timedelta(days=3)
            st.alarm(c.b.sdh, "TU_AIS", c.b.trib, "major", at, cleared=at + timedelta(seconds=40))
        if rng.random() < 0.05:
            st.alarm(
                c.b.pdh,
                "T_ALOS",
                "E1-3",
                "major",
                _when(rng),
                description="second E1, not in service",
            )
