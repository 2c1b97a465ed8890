"""Seeds, mutations, parser targets and bound checks for fuzzing diag's output parsers.

Shared by the property tests (tests/fuzz/test_fuzz_parsers.py, hypothesis) and the long run
(bench/fuzz.py, 100,000 inputs per parser, which imports it as a plain module with the
repository root on sys.path).

Seeds are real outputs only: the captures the corpus tests read (fixtures/corpus: ntc-templates,
genieparser, jc) and the lab router simulator's renderings of every shipped scenario's routers
(the same texts tests/collectors/test_parsers_lab.py reads back), plus the iputils/fping outputs
captured in the test namespaces that tests/collectors/test_ping_parse.py keeps.  A mutation is
what a lossy console or a broken device does to them: lines lost, doubled, swapped or cut,
characters dropped or inserted (control characters, non-ASCII), numbers garbled (empty, dots,
"1.2.3", 400-digit, non-ASCII digits), runs repeated thousands of times (the inputs that make a
backtracking regex slow); the mutations are in tests/fuzz/fuzz_mutations.py.

A target reads one text the way diag does and returns what it produced; it may raise only
CollectorParseError (the documented parse error of every parser).  `violations()` lists every
number of the result outside the ranges diag documents (diag/collectors/numbers.py).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from tests.fuzz.fuzz_mutations import mutate

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Seeds longer than this are cut at line boundaries into pieces of about this size: every piece
# is still real output, and the fuzz time goes to mutations rather than to re-reading 70 KB.
PIECE_CHARS = 6000

# ----------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """One parser: its name, how diag runs it on a text, and its seeds."""

    name: str
    run: Callable[[str, int], Any]  # (text, probes asked) -> observations
    seeds: tuple[tuple[str, int], ...] = field(repr=False)  # (text, probes asked)


def _cli(device_type: str, command: str) -> Callable[[str, int], Any]:
    from diag.collectors.cli.parsers import parse_command

    def run(text: str, _count: int) -> Any:
        return parse_command(device_type, command, text, device="R1", at=AT)

    return run


def _cli_reads(device_type: str, command: str) -> Callable[[str, int], Any]:
    """Three reads of the same command merged (the CPU history graph): the text is split into
    three reads at its form feeds, or read three times when it has none."""
    from diag.collectors.cli.parsers import parse_reads

    def run(text: str, _count: int) -> Any:
        reads = text.split("\f") if "\f" in text else [text, text, text]
        return parse_reads(device_type, command, reads, device="R1", at=AT)

    return run


def _host(engine: str) -> Callable[[str, int], Any]:
    from diag.collectors.ping import engines
    from diag.collectors.ping.collector import observation
    from diag.settings import CollectorSettings

    def run(text: str, count: int) -> Any:
        spec = engines.ProbeSpec.from_settings(
            CollectorSettings(ping_count=count, ping_timeout_s=2.0, ping_interval_s=0.2)
        )
        read = engines.read_iputils if engine == "iputils" else engines.read_fping
        result = read(text, spec, [engine, "192.0.2.1"])
        return [observation(target="192.0.2.1", spec=spec, result=result, origin="fuzz", at=AT)]

    return run


IOS_PING = "ping 192.0.2.1"
VRP_PING = "ping -c 5 192.0.2.1"

# name -> (device type, command); the CLI parsers diag has, one target each.
CLI_TARGETS: dict[str, tuple[str, str]] = {
    "cisco show interfaces": ("cisco_ios", "show interfaces"),
    "cisco show controllers e1": ("cisco_ios", "show controllers e1"),
    "cisco show controllers serial": ("cisco_ios", "show controllers serial 0/1/0"),
    "cisco show processes cpu": ("cisco_ios", "show processes cpu"),
    "cisco show processes cpu history": ("cisco_ios", "show processes cpu history"),
    "cisco show logging": ("cisco_ios", "show logging"),
    "cisco ping": ("cisco_ios", IOS_PING),
    "huawei display interface": ("huawei", "display interface"),
    "huawei display controller e1": ("huawei", "display controller e1 0/0/0"),
    "huawei display cpu-usage": ("huawei", "display cpu-usage"),
    "huawei display logbuffer": ("huawei", "display logbuffer"),
    "huawei ping": ("huawei", VRP_PING),
}
MERGED_TARGETS = {
    "cisco show processes cpu history x3": ("cisco_ios", "show processes cpu history")
}
HOST_TARGETS = ("host iputils", "host fping")


@cache
def targets() -> dict[str, Target]:
    """Every parser target with its seeds, in a stable order."""
    seeds = _seeds()
    out: dict[str, Target] = {}
    for name, (device_type, command) in CLI_TARGETS.items():
        out[name] = Target(name, _cli(device_type, command), tuple(seeds[name]))
    for name, (device_type, command) in MERGED_TARGETS.items():
        three = _merged_seeds(seeds["cisco show processes cpu history"])
        out[name] = Target(name, _cli_reads(device_type, command), three)
    for name in HOST_TARGETS:
        out[name] = Target(name, _host(name.split()[1]), tuple(seeds[name]))
    return out


# ----------------------------------------------------------------------------- seeds


def _pieces(text: str) -> list[str]:
    if len(text) <= PIECE_CHARS:
        return [text]
    out: list[str] = []
    lines = text.splitlines(keepends=True)
    piece: list[str] = []
    size = 0
    for line in lines:
        piece.append(line)
        size += len(line)
        if size >= PIECE_CHARS:
            out.append("".join(piece))
            piece, size = [], 0
    if piece:
        out.append("".join(piece))
    return out


def _files(*globs: str) -> list[Path]:
    return sorted(p for g in globs for p in CORPUS.glob(g))


# Corpus folders read by tests/collectors/test_parsers_corpus*.py, per target.
CORPUS_GLOBS: dict[str, tuple[str, ...]] = {
    "cisco show interfaces": (
        "ntc/cisco_ios/show_interfaces/*.raw",
        "genie/ios/ShowInterfaces/*_output.txt",
        "genie/iosxe/ShowInterfaces/*_output.txt",
    ),
    "cisco show controllers e1": (
        "ntc/cisco_ios/show_controller_t1/*.raw",
        "genie/iosxe/ShowControllerT1/*_output.txt",
    ),
    "cisco show processes cpu": (
        "ntc/cisco_ios/show_processes_cpu/*.raw",
        "genie/ios/ShowProcessesCpu/*_output.txt",
        "genie/ios/ShowProcessesCpuSorted/*_output.txt",
        "genie/iosxe/ShowProcessesCpuSorted/*_output.txt",
    ),
    "cisco show processes cpu history": ("genie/ios/ShowProcessesCpuHistory/*_output.txt",),
    "cisco ping": (
        "ntc/cisco_ios/ping/*.raw",
        "ping/genie/ios/Ping/*_output.txt",
        "ping/genie/iosxe/Ping/*_output.txt",
    ),
    "huawei display interface": ("ntc/huawei_vrp/display_interface/*.raw",),
    "host iputils": ("ping/jc/*/*.out",),
}

# Real outputs captured in the test namespaces (kept verbatim in test_ping_parse.py too).
CAPTURED_IPUTILS = (
    "PING 198.18.1.3 (198.18.1.3) 56(84) bytes of data.\n"
    "From 198.18.1.3 icmp_seq=1 Destination Host Unreachable\n"
    "From 198.18.1.3 icmp_seq=2 Destination Host Unreachable\n"
    "From 198.18.1.3 icmp_seq=3 Destination Host Unreachable\n"
    "\n--- 198.18.1.3 ping statistics ---\n"
    "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 44ms\npipe 2\n",
    "PING 198.18.1.2 (198.18.1.2) 3000(3028) bytes of data.\n"
    "ping: local error: message too long, mtu=1500\n"
    "ping: local error: message too long, mtu=1500\n"
    "ping: local error: message too long, mtu=1500\n"
    "\n--- 198.18.1.2 ping statistics ---\n"
    "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 47ms\n\n",
    "PING 198.18.1.2 (198.18.1.2) 56(84) bytes of data.\n"
    "64 bytes from 198.18.1.2: icmp_seq=1 ttl=64 time=5.57 ms\n"
    "64 bytes from 198.18.1.2: icmp_seq=1 ttl=64 time=5.72 ms (DUP!)\n"
    "64 bytes from 198.18.1.2: icmp_seq=2 ttl=64 time=5.64 ms\n"
    "64 bytes from 198.18.1.2: icmp_seq=2 ttl=64 time=5.68 ms (DUP!)\n"
    "64 bytes from 198.18.1.2: icmp_seq=3 ttl=64 time=5.62 ms\n"
    "\n--- 198.18.1.2 ping statistics ---\n"
    "3 packets transmitted, 3 received, +2 duplicates, 0% packet loss, time 202ms\n"
    "rtt min/avg/max/mdev = 5.568/5.644/5.716/0.050 ms\n",
)
CAPTURED_FPING = (
    "198.18.1.2 : [0], 108 bytes, 30.6 ms (30.6 avg, 0% loss)\n"
    "198.18.1.2 : [2], 108 bytes, 30.6 ms (30.6 avg, 0% loss)\n"
    "198.18.1.2 : [4], 108 bytes, 30.7 ms (30.6 avg, 0% loss)\n"
    "198.18.1.2 : [1], timed out (30.6 avg, 25% loss)\n"
    "198.18.1.2 : [3], timed out (30.6 avg, 40% loss)\n"
    "198.18.1.2 : [5], timed out (30.6 avg, 50% loss)\n"
    "\n198.18.1.2 : 30.6 - 30.6 - 30.7 -\n",
    "198.18.1.3 : [0], timed out (NaN avg, 100% loss)\n"
    "198.18.1.3 : [1], timed out (NaN avg, 100% loss)\n"
    "198.18.1.3 : [2], timed out (NaN avg, 100% loss)\n"
    "ICMP Host Unreachable from 198.18.1.3 for ICMP Echo sent to 198.18.1.3\n"
    "ICMP Host Unreachable from 198.18.1.3 for ICMP Echo sent to 198.18.1.3\n"
    "ICMP Host Unreachable from 198.18.1.3 for ICMP Echo sent to 198.18.1.3\n"
    "\n198.18.1.3 : - - -\n",
    "198.18.1.2 : duplicate for [0], 64 bytes, 5.56 ms\n"
    "198.18.1.2 : duplicate for [1], 64 bytes, 5.43 ms\n"
    "198.18.1.2 : 5.53 5.40 5.37\n",
)

_TRANSMITTED = re.compile(r"^(\d+) packets transmitted", re.MULTILINE)
_FPING_PER_PROBE = re.compile(r"^\S+\s+:((?:\s+(?:\d+(?:\.\d+)?|-))+)\s*$", re.MULTILINE)


def _asked(target: str, text: str) -> int:
    """How many probes the seed's run was asked for (what the engine's spec said)."""
    if target == "host iputils":
        m = _TRANSMITTED.search(text)
        return int(m.group(1)) if m else 5
    if target == "host fping":
        m = _FPING_PER_PROBE.search(text)
        return len(m.group(1).split()) if m else 5
    return 0


def _lab_seeds() -> dict[str, list[str]]:
    """The lab simulator's outputs for every shipped scenario's routers."""
    from diag.collectors.cli.parsers import commands_for
    from diag.lab.routers.cli import Session
    from diag.lab.routers.clock import ManualClock
    from diag.lab.scenario import load_scenario, shipped_scenarios

    out: dict[str, list[str]] = {name: [] for name in CLI_TARGETS}
    kinds = {
        "cisco_ios": {
            "interface": "cisco show interfaces",
            "controller": "cisco show controllers e1",
            "serial": "cisco show controllers serial",
            "cpu": "cisco show processes cpu",
            "cpu_history": "cisco show processes cpu history",
            "log": "cisco show logging",
            "ping": "cisco ping",
        },
        "huawei": {
            "interface": "huawei display interface",
            "controller": "huawei display controller e1",
            "cpu": "huawei display cpu-usage",
            "log": "huawei display logbuffer",
            "ping": "huawei ping",
        },
    }
    states = [
        state
        for folder in shipped_scenarios()
        for state in load_scenario(folder).state.routers.values()
    ]
    for state in [*states, *_extra_states()]:
        if True:
            session = Session(state, ManualClock(datetime(2026, 3, 2, 9, 0)), enable_secret=None)
            names = kinds[state.vendor]
            for iface in state.interfaces:
                cs = commands_for(state.vendor, iface.name)
                for kind in ("interface", "controller", "serial", "cpu", "cpu_history", "log"):
                    command = getattr(cs, kind)
                    if command is not None and kind in names:
                        out[names[kind]].append(session.feed(command).text)
                for result in state.ping:
                    for count, df, pattern in ((5, False, None), (20, True, "abcd")):
                        line = cs.ping(result.target, count, 100, 2.0, df, pattern)
                        out[names["ping"]].append(session.feed(line).text)
    # Cable/clocking lines of other serial hardware (DOMAIN.md §2.10, test_parsers_lab.py).
    for line in (
        "DTE V.35 TX and RX clocks detected",
        "DCE V.35, clock rate 1000000",
        "buffer size 1524  HD unit 0, V.35 DCE cable, clockrate 128000",
        "HD unit 1, V.35 DTE cable",
        "cable type : UNKNOWN",
    ):
        text = f"Interface Serial0/0\nHardware is HD64570\n{line}\nidb at 0x81081AC4\n"
        out["cisco show controllers serial"].append(text)
    return out


def _extra_states() -> list[Any]:
    """States the shipped scenarios do not cover (as in test_parsers_lab.py): a looped E1
    channel, V.35 leads down, a shut port, a DCE port, alarms on the E1, a busy CPU with its
    72 h history, CPU and config log lines; the same on VRP."""
    from diag.lab.routers.state import (
        Counters,
        CpuState,
        E1Controller,
        InterfaceState,
        LogLine,
        PingResult,
        RouterState,
        V35Leads,
    )

    interfaces = [
        InterfaceState(
            name="Serial0/0/0:0",
            kind="e1-channel",
            ip="10.20.0.1/30",
            counters=Counters(input_packets=900, crc=40, input_errors=41),
            looped=True,
        ),
        InterfaceState(
            name="Serial0/1/0",
            kind="serial",
            status="down",
            protocol="down",
            cable="V.35 DTE cable",
            v35=V35Leads(dcd=False, dsr=True, dtr=True, rts=True, cts=False),
            clocks_detected=False,
        ),
        InterfaceState(name="Serial0/2/0", kind="serial", admin_up=False, cable=None),
        InterfaceState(
            name="Serial0/3/0", kind="serial", cable="V.35 DCE cable", clock_rate=2048000
        ),
    ]
    controllers = [
        E1Controller(
            name="E1 0/0/0",
            status="down",
            alarms=["LOS", "LOF"],
            framing="no-crc4",
            clock_source="internal",
            path_code_violations=15,
        )
    ]
    history = [40, 97, 99, 35, 5, 100, 12, 7, 64, 3] * 7
    cpu = CpuState(five_sec=97, five_sec_interrupt=2, one_min=95, five_min=90,
                   history_72h_max=history[:72])  # fmt: skip
    ios_logs = [
        LogLine(
            at="Nov 22 08:10:00.001",
            text="%SYS-1-CPURISINGTHRESHOLD: Threshold: Total CPU Utilization(Total/Intr): "
            "97%/2%, Top 3 processes(Pid/Util):  94/61%, 4/2%, 9/1%",
        ),
        LogLine(at="Nov 22 08:10:05.100", text="%SYS-5-CONFIG_I: Configured from console by noc"),
        LogLine(at="Nov 22 08:10:07.100", text="%LINK-3-UPDOWN: Interface Serial0/1/0, changed state to down"),
    ]  # fmt: skip
    vrp_logs = [
        LogLine(at="Nov 22 2026 08:10:00+08:00",
                text="%%01SHELL/5/CMDRECORD(s)[1]:Recorded command information."),
        LogLine(at="Nov 22 2026 08:14:02+08:00",
                text="%%01PHY/1/PHY(l)[2]:    Serial2/0/0: change status to down"),
        LogLine(at="Nov 22 2026 08:14:03+08:00",
                text="%%01IFNET/4/LINK_STATE(l)[3]:The line protocol PPP on the interface "
                "Serial2/0/0 has entered the DOWN state."),
    ]  # fmt: skip
    pings = [
        PingResult(target="10.20.0.2", success_pct=80, rtt_ms=(8, 12, 30)),
        PingResult(target="10.20.0.3", success_pct=0),
    ]
    return [
        RouterState(hostname="CPE-EDGE-01", vendor="cisco_ios", interfaces=interfaces,
                    controllers=controllers, cpu=cpu, logs=ios_logs, ping=pings),
        RouterState(hostname="HO-RTR-9", vendor="huawei", model="AR2220",
                    interfaces=[i for i in interfaces if ":" not in i.name],
                    controllers=controllers, cpu=cpu, logs=vrp_logs, ping=pings),
    ]  # fmt: skip


@cache
def _seeds() -> dict[str, list[tuple[str, int]]]:
    texts: dict[str, list[str]] = {name: [] for name in [*CLI_TARGETS, *HOST_TARGETS]}
    for name, globs in CORPUS_GLOBS.items():
        texts[name] += [p.read_text(encoding="utf-8") for p in _files(*globs)]
    for name, rendered in _lab_seeds().items():
        texts[name] += rendered
    texts["host iputils"] += CAPTURED_IPUTILS
    texts["host fping"] += CAPTURED_FPING
    out: dict[str, list[tuple[str, int]]] = {}
    for name, found in texts.items():
        pieces = [piece for text in dict.fromkeys(found) for piece in _pieces(text)]
        out[name] = [(t, _asked(name, t)) for t in dict.fromkeys(pieces)]
        assert out[name], f"no seeds for {name}"
    return out


def _merged_seeds(history: list[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """Three reads per seed (form-feed separated) for the merged CPU history target."""
    return tuple(("\f".join([text] * 3), count) for text, count in history)


def inputs(target: Target, seed: int, n: int) -> Iterator[tuple[str, int]]:
    """`n` mutated inputs for `target`, the same for the same `seed`."""
    rng = random.Random(f"{target.name}/{seed}")
    for _ in range(n):
        yield mutate(rng, target.seeds)


# ----------------------------------------------------------------------------- bounds


def violations(result: Any) -> list[str]:
    """Every number in `result` (observations) outside the ranges diag documents."""
    from diag.collectors import numbers as nb
    from diag.model.observations import (
        CpuObservation,
        E1ControllerObservation,
        InterfaceObservation,
        LogObservation,
        PingObservation,
    )

    bad: list[str] = []

    def check(name: str, value: Any, lo: float, hi: float) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int | float):
            bad.append(f"{name}={value!r} is not a number")
        elif isinstance(value, float) and not math.isfinite(value):
            bad.append(f"{name}={value!r} is not finite")
        elif not lo <= value <= hi:
            bad.append(f"{name}={value!r} outside {lo}..{hi}")

    for obs in result:
        kind = type(obs).__name__
        if isinstance(obs, InterfaceObservation):
            for f in nb.INTERFACE_COUNTERS:
                check(f"{kind}.{f}", getattr(obs, f), 0, nb.COUNTER64_MAX)
        elif isinstance(obs, E1ControllerObservation):
            for f in nb.E1_COUNTERS:
                check(f"{kind}.{f}", getattr(obs, f), 0, nb.COUNTER64_MAX)
            check(f"{kind}.interval_s", obs.interval_s, 0, nb.E1_INTERVAL_MAX_S)
        elif isinstance(obs, CpuObservation):
            for f in ("five_sec", "one_min", "five_min", "peak_72h", "peak_72h_min"):
                check(f"{kind}.{f}", getattr(obs, f), 0, 100)
            if len(obs.history_72h) > 72:
                bad.append(f"{kind}.history_72h has {len(obs.history_72h)} values (> 72)")
            for v in obs.history_72h:
                check(f"{kind}.history_72h[]", v, 0, 100)
        elif isinstance(obs, PingObservation):
            check(f"{kind}.count", obs.count, 1, nb.MAX_PROBES)
            check(f"{kind}.sent", obs.sent, 0, nb.MAX_PROBES)
            check(f"{kind}.received", obs.received, 0, obs.sent)
            check(f"{kind}.loss_pct", obs.loss_pct, 0, 100)
            check(f"{kind}.size", obs.size, 0, nb.MAX_PING_SIZE)
            check(f"{kind}.timeout_s", obs.timeout_s, 0, nb.MAX_PING_TIMEOUT_S)
            check(f"{kind}.duplicates", obs.duplicates, 0, nb.COUNTER64_MAX)
            check(f"{kind}.unreachables", obs.unreachables, 0, nb.COUNTER64_MAX)
            if len(obs.rtts_ms) > nb.MAX_PROBES:
                bad.append(f"{kind}.rtts_ms has {len(obs.rtts_ms)} entries (> MAX_PROBES)")
            for f in (
                "rtt_min_ms", "rtt_median_ms", "rtt_mean_ms", "rtt_max_ms", "rtt_stddev_ms",
                "rtt_p95_ms", "jitter_mean_delta_ms", "jitter_rfc3550_ms",
            ):  # fmt: skip
                check(f"{kind}.{f}", getattr(obs, f), 0, nb.MAX_RTT_MS)
            for r in obs.rtts_ms:
                check(f"{kind}.rtts_ms[]", r, 0, nb.MAX_RTT_MS)
        elif isinstance(obs, LogObservation):
            check(f"{kind}.lines_read", obs.lines_read, 0, nb.COUNTER64_MAX)
        else:
            bad.append(f"unexpected result {kind}")
    return bad
