"""The fault-injection matrix: every collector against every fault it can meet.

A cell is one `diag circuit` run (the real CLI, a subprocess) on an inventory of its own whose
only collector is the one under test, pointed at a hostile peer (peers.py) or, for bad
credentials, at the real lab peer with a wrong secret.  What a cell demands:

- it ends within its bound (the subprocess is killed at the bound: a cell that never finishes
  fails; the bound is generous, the point is termination, not speed);
- the findings document exists and validates against the committed schema;
- the collector's run and observations name the fault (`expect`, a regular expression);
- stderr holds no traceback and no library log line;
- the verdict is never `healthy`.

`owner` marks a cell known to fail because of another engineer's area (issue 9 item A, B or C):
the test is then a strict xfail that names it, and turns into a failure the day it passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.faults.lab import LOGIN, V2C, V3, FaultLab

if TYPE_CHECKING:  # harness imports this module
    from tests.faults.harness import Peers

# What names each fault, in the collector's error or observations (case-insensitive).
DOWN = r"refused|nothing listens|no SNMP response|no such device|unreachable|not reachable"
BLACKHOLE = (
    r"no SNMP response|no answer|did not complete|no prompt|not finish|timed? ?out|"
    r"within [\d.]+ s|100(\.0)? ?% loss"
)
BADCRED = r"credentials|login .*refused|refused our|community|auth"
GARBAGE = (
    r"not SNMP|garbage|undecodable|could not (be )?decode|malformed|cannot read|unreadable|"
    r"[1-9]\d* garbled|not understood|protocol banner|not an SSH|unparsable|not iputils|"
    r"no .*summary"
)
TRUNCATED = (
    r"truncated|incomplete|partial|malformed|cannot read|lines? (were )?lost|not whole|"
    r"short|undecodable|could not (be )?decode|no .*summary|cut|ends before"
)
DROPPED = (
    r"dropped|closed|no SNMP response|stopped|partial|incomplete|lines? lost|logged out|"
    r"gone|killed|signal|session failed|disconnected|[1-9]\d* session\(s\) dropped"
)
ENDLESS = r"rows|endless|never end|more than|limit|too many|not finish|bound"

SNMP_FAULTS = ("down", "blackhole", "badcred", "garbage", "truncated", "dropped", "endless")
EXPECT = {
    "down": DOWN,
    "blackhole": BLACKHOLE,
    "badcred": BADCRED,
    "garbage": GARBAGE,
    "garbage-protocol": GARBAGE,
    "truncated": TRUNCATED,
    "dropped": DROPPED,
    "endless": ENDLESS,
    "trap-loss": r"partial|incomplete|lost|missing|gap",
    "huge": r"absurd|implausible|too (large|many)|more than|out of range|not plausible|garbled|"
    r"not a whole number in",
}

FAST = [
    "crc_sample_interval_s=0",
    "host_ping=false",
    "ping_count=2",
    "ping_timeout_s=0.5",
    "ssh_timeout_s=3",
    "command_timeout_s=3",
    "console_probes=2",
]
WRONG = "env:DIAG_FX_WRONG_SECRET"  # resolves to a wrong value in every cell's environment


@dataclass
class Cell:
    collector: str  # nms-alarm-mib, nms-huawei-imap, ne-ds1, router-snmp, router-ssh, ...
    fault: str
    job: str  # the runner's job name of the collector under test
    inventory: Callable[[Peers], dict[str, Any]]
    bound_s: float = 30.0
    settings: list[str] = field(default_factory=list)
    expect: str = ""
    owner: str | None = None  # "A: ..." / "B: ..." / "C: ..." -> strict xfail
    netns: str | None = None  # shell set-up run in a private network namespace first
    fake_ping: str | None = None  # fault of the fake ping tools put first on PATH
    imap: bool = False  # uses the shared imap NMS and its trap relay: one at a time

    @property
    def id(self) -> str:
        return f"{self.collector}-{self.fault}"

    def __post_init__(self) -> None:
        self.expect = self.expect or EXPECT[self.fault]
        self.owner = self.owner or OWNERS.get((self.collector, self.fault))


# --------------------------------------------------------------------------- inventories


def _ne(name: str, nms: str | None = None, ne_name: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": name,
        "role": "pdh" if "pdh" in name else "sdh",
        "vendor": "huawei",
    }
    if nms:
        d.update(nms=nms, ne_name=ne_name)
    return d


def _circuit(router: str | None, ne1: str, ne2: str, ne3: str, **extra: Any) -> dict[str, Any]:
    a: dict[str, Any] = {
        "site": "A",
        "cpe": ne1,
        "cpe_port": "E1-1",
        "cpe_line": "OPT-1",
        "interface": "e1-120",
        "wan_ip": "10.250.0.1/30",
    }
    if router:
        a.update(router=router, wan_interface="Serial0/0/0:0")
    return {
        "id": "FX-1",
        "customer": "Fault matrix",
        "service": "e1",
        "bandwidth": "2M",
        "a": a,
        "b": {
            "site": "B",
            "cpe": ne3,
            "cpe_port": "E1-2",
            "cpe_line": "OPT-1",
            "interface": "e1-120",
            "wan_ip": "10.250.0.2/30",
        },
        "transport": [{"ne": ne2, "a_port": "1-SL1-1", "b_port": "2-SL1-1"}],
        **extra,
    }


def plain_nes() -> list[dict[str, Any]]:
    return [_ne("fx-pdh-1"), _ne("fx-sdh"), _ne("fx-pdh-2")]


def nms_inventory(port: int, snmp: dict[str, Any]) -> dict[str, Any]:
    return {
        "nms": [
            {
                "name": "fx-nms",
                "driver": "alarm-mib",
                "address": "127.0.0.1",
                "port": port,
                "snmp": {"timeout": 1, "retries": 0, **snmp},
            }
        ],
        "devices": [
            _ne("fx-pdh-1", "fx-nms", "FX-PDH-1"),
            _ne("fx-sdh", "fx-nms", "FX-SDH"),
            _ne("fx-pdh-2", "fx-nms", "FX-PDH-2"),
        ],
        "circuits": [_circuit(None, "fx-pdh-1", "fx-sdh", "fx-pdh-2")],
    }


def imap_inventory(port: int, snmp: dict[str, Any], trap_port: int) -> dict[str, Any]:
    return {
        "nms": [
            {
                "name": "fx-imap",
                "driver": "huawei-imap",
                "address": "127.0.0.1",
                "port": port,
                "snmp": {"timeout": 1, "retries": 0, **snmp},
                "trap_listen": f"127.0.0.1:{trap_port}",
                "query_timeout_s": 3,
            }
        ],
        "devices": [
            _ne("fx-ipdh-1", "fx-imap", "FX-IPDH-1"),
            _ne("fx-isdh", "fx-imap", "FX-ISDH"),
            _ne("fx-ipdh-2", "fx-imap", "FX-IPDH-2"),
        ],
        "circuits": [_circuit(None, "fx-ipdh-1", "fx-isdh", "fx-ipdh-2")],
    }


def ne_inventory(port: int, snmp: dict[str, Any]) -> dict[str, Any]:
    c = _circuit("fx-rtr-b", "fx-pdh-1", "fx-sdh", "fx-ne")
    # the NE faces router B over an E1 cable: DS1-MIB describes that port (router B unread)
    c["a"].pop("router"), c["a"].pop("wan_interface")
    c["b"].update(router="fx-rtr-b", wan_interface="Serial0/0/0:0")
    c["b"].pop("cpe_line")
    c["links"] = [
        {"between": ["fx-pdh-1", "fx-sdh"], "kind": "fiber"},
        {"between": ["fx-sdh", "fx-ne"], "kind": "fiber"},
        {"between": ["fx-ne", "fx-rtr-b"], "kind": "e1-cable"},
    ]
    return {
        "devices": [
            _ne("fx-pdh-1"),
            _ne("fx-sdh"),
            {
                "name": "fx-ne",
                "role": "pdh",
                "vendor": "huawei",
                "mgmt": {"address": "127.0.0.1"},
                "snmp": {"timeout": 1, "retries": 0, **snmp, "port": port},
            },
            {"name": "fx-rtr-b", "role": "router", "vendor": "cisco", "device_type": "cisco_ios"},
        ],
        "circuits": [c],
    }


def router_inventory(
    *,
    ssh_port: int | None = None,
    snmp_port: int | None = None,
    snmp: dict[str, Any] | None = None,
    console: str | None = None,
    password: str = LOGIN["password"],
) -> dict[str, Any]:
    rtr: dict[str, Any] = {
        "name": "fx-rtr",
        "role": "router",
        "vendor": "cisco",
        "device_type": "cisco_ios",
        "login": {**LOGIN, "password": password},
    }
    if ssh_port is not None:
        rtr["mgmt"] = {"address": "127.0.0.1", "port": ssh_port}
    if snmp_port is not None:
        rtr["snmp"] = {"timeout": 1, "retries": 0, **(snmp or V2C), "port": snmp_port}
    if console is not None:
        rtr["console"] = console
    return {
        "devices": [*plain_nes(), rtr],
        "circuits": [_circuit("fx-rtr", "fx-pdh-1", "fx-sdh", "fx-pdh-2")],
    }


def ping_inventory() -> dict[str, Any]:
    return {"devices": plain_nes(), "circuits": [_circuit(None, "fx-pdh-1", "fx-sdh", "fx-pdh-2")]}


# --------------------------------------------------------------------------- the matrix


# Cells that fail because of another engineer's area of issue 9 (strict xfails: they turn into
# failures the day they pass, and the mark comes off then).
OWNERS: dict[tuple[str, str], str] = {}


def _snmp_cells(
    collector: str,
    job: str,
    build: Callable[[Peers, int, dict[str, Any]], dict[str, Any]],
    real_port: Callable[[FaultLab], int],
    snmp: dict[str, Any],
) -> list[Cell]:
    def at(fault: str) -> Callable[[Peers], dict[str, Any]]:
        def inv(p: Peers) -> dict[str, Any]:
            if fault == "badcred":
                wrong = {**V3, "auth_key": WRONG}
                return build(p, real_port(p.lab), wrong)
            # snmp.walk_max_rows cuts the endless walk (a small limit keeps the cell short); its
            # peer answers every request, so a longer timeout and a retry cost nothing here, and
            # keep a late answer on a loaded machine (six cells at once on 2 cores) from reading
            # as "no SNMP response" (seen in CI with 1 s and no retry)
            version = (
                {**V2C, "walk_max_rows": 500, "timeout": 3, "retries": 1}
                if fault == "endless"
                else snmp
            )
            return build(p, p.udp_port(collector, fault), version)

        return inv

    return [Cell(collector, f, job, at(f)) for f in SNMP_FAULTS]


def _imap_cells() -> list[Cell]:
    def at(fault: str) -> Callable[[Peers], dict[str, Any]]:
        def inv(p: Peers) -> dict[str, Any]:
            trap = p.trap_port
            if fault == "badcred":
                return imap_inventory(p.lab.imap_port, {**V3, "auth_key": WRONG}, trap)
            if fault in ("trap-loss", "dropped"):
                return imap_inventory(p.lab.imap_port, V2C, trap)
            return imap_inventory(p.udp_port("nms-huawei-imap", fault), V2C, trap)

        return inv

    faults = ("down", "blackhole", "badcred", "garbage", "truncated", "dropped", "trap-loss")
    return [Cell("nms-huawei-imap", f, "nms:fx-imap", at(f), imap=True) for f in faults]


def _router_ssh_cells() -> list[Cell]:
    def at(fault: str) -> Callable[[Peers], dict[str, Any]]:
        def inv(p: Peers) -> dict[str, Any]:
            if fault == "badcred":
                return router_inventory(ssh_port=p.lab.bad_ssh_port)
            return router_inventory(ssh_port=p.tcp_port("router-ssh", fault))

        return inv

    faults = ("down", "blackhole", "badcred", "garbage-protocol", "garbage", "truncated", "dropped")
    return [
        Cell("router-ssh", f, "router:fx-rtr", at(f), bound_s=45, settings=["console=never"])
        for f in faults
    ]


def _console_cells(kind: str) -> list[Cell]:
    def at(fault: str) -> Callable[[Peers], dict[str, Any]]:
        def inv(p: Peers) -> dict[str, Any]:
            if fault == "badcred":
                return router_inventory(console=p.console(kind, "ok"), password=WRONG)
            return router_inventory(console=p.console(kind, fault))

        return inv

    faults = ("down", "blackhole", "badcred", "garbage", "truncated", "dropped")
    return [
        Cell(kind, f, "router:fx-rtr", at(f), bound_s=60, settings=["console=always"])
        for f in faults
    ]


NETNS_PING = (
    "ip link set lo up && ip addr add 10.250.0.1/32 dev lo && ip addr add 10.250.0.2/32 dev lo && "
    "nft add table inet fx && "
    "nft add chain inet fx in '{ type filter hook input priority 0; policy accept; }' && "
    "nft add rule inet fx in icmp type echo-request "
)


def _ping_cells() -> list[Cell]:
    ping = ["host_ping=true", "ping_count=3", "ping_interval_s=0.2"]
    inv = lambda _p: ping_inventory()  # noqa: E731
    cells = [
        Cell(
            "host-ping",
            "down",
            "ping:host",
            inv,
            settings=ping,
            netns=NETNS_PING + "reject with icmp type host-unreachable",
        ),
        Cell("host-ping", "blackhole", "ping:host", inv, settings=ping, netns=NETNS_PING + "drop"),
    ]
    for fault in ("garbage", "truncated", "dropped", "huge", "endless"):
        cells.append(
            Cell(
                "host-ping",
                fault,
                "ping:host",
                inv,
                settings=[*ping, "ping_engine=iputils"],
                fake_ping=fault,
            )
        )
    return cells


def matrix() -> list[Cell]:
    cells = [
        *_snmp_cells(
            "nms-alarm-mib",
            "nms:fx-nms",
            lambda _p, port, snmp: nms_inventory(port, snmp),
            lambda lab: lab.nms_port,
            V3,
        ),
        *_imap_cells(),
        *_snmp_cells(
            "ne-ds1",
            "ne-snmp:fx-ne",
            lambda _p, port, snmp: ne_inventory(port, snmp),
            lambda lab: lab.ne_port,
            V2C,
        ),
        *_snmp_cells(
            "router-snmp",
            "router-snmp:fx-rtr",
            # SSH to a closed port: only the SNMP collector reads this router
            lambda p, port, snmp: router_inventory(
                ssh_port=p.closed_tcp, snmp_port=port, snmp=snmp
            ),
            lambda lab: lab.router_snmp_port,
            V2C,
        ),
        *_router_ssh_cells(),
        *_console_cells("router-console-pty"),
        *_console_cells("router-console-socket"),
        *_ping_cells(),
    ]
    return cells


CELLS = {c.id: c for c in matrix()}
