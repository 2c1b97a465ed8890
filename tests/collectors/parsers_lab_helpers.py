"""Shared by the parser-against-lab tests: a simulated router that parses what it renders, and the
routers of the shipped scenarios.
"""

from __future__ import annotations

from datetime import UTC, datetime

from diag.collectors.cli.parsers import parse_command
from diag.lab.routers.cli import Session
from diag.lab.routers.clock import ManualClock
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
from diag.lab.scenario import load_scenario, shipped_scenarios
from diag.model.observations import Observation

CLOCK_START = datetime(2026, 3, 2, 9, 0, 0)
AT = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


class Router:
    """One simulated router: type a command, get the parsed observations."""

    def __init__(self, state: RouterState, clock: ManualClock | None = None) -> None:
        self.state = state
        self.clock = clock or ManualClock(CLOCK_START)
        self.session = Session(state, self.clock, enable_secret=None)

    def text(self, command: str) -> str:
        return self.session.feed(command).text

    def run(self, command: str) -> list[Observation]:
        return parse_command(
            self.state.vendor, command, self.text(command), device=self.state.hostname, at=AT
        )

    def one(self, command: str) -> Observation:
        (obs,) = self.run(command)
        assert obs.collector == f"router:{self.state.hostname}" and obs.at == AT
        return obs


def shipped_routers() -> list[tuple[str, RouterState]]:
    out = []
    for folder in shipped_scenarios():
        scn = load_scenario(folder)
        out += [(f"{scn.name}/{name}", state) for name, state in scn.state.routers.items()]
    return out


SHIPPED = shipped_routers()
SHIPPED_IDS = [name for name, _ in SHIPPED]


def ios_state(cpu: CpuState | None = None) -> RouterState:
    return RouterState(
        hostname="CPE-EDGE-01",
        vendor="cisco_ios",
        interfaces=[
            InterfaceState(
                name="Serial0/0/0:0",
                kind="e1-channel",
                ip="10.20.0.1/30",
                counters=Counters(input_packets=900, crc=40, input_errors=41),
                growth_per_min={"crc": 7},
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
        ],
        controllers=[
            E1Controller(
                name="E1 0/0/0",
                status="down",
                alarms=["LOS", "LOF"],
                framing="no-crc4",
                clock_source="internal",
                path_code_violations=15,
                growth_per_min={"path_code_violations": 3},
            )
        ],
        cpu=cpu or CpuState(),
        logs=[
            LogLine(
                at="Nov 22 08:10:00.001",
                text="%SYS-1-CPURISINGTHRESHOLD: Threshold: Total CPU Utilization(Total/Intr): "
                "97%/2%, Top 3 processes(Pid/Util):  94/61%, 4/2%, 9/1%",
            ),
            LogLine(
                at="Nov 22 08:10:05.100", text="%SYS-5-CONFIG_I: Configured from console by noc"
            ),
            LogLine(at="Nov 22 08:10:07.100", text="%SYS-6-LOGGINGHOST_STARTSTOP: Logging to host"),
        ],
        ping=[PingResult(target="10.20.0.2", success_pct=80, rtt_ms=(8, 12, 30))],
    )


def vrp_state() -> RouterState:
    return RouterState(
        hostname="HO-RTR-9",
        vendor="huawei",
        model="AR2220",
        interfaces=[
            InterfaceState(
                name="Serial2/0/0",
                kind="serial",
                cable="V.35 DTE cable",
                counters=Counters(crc=5, input_errors=5, aborts=1),
                growth_per_min={"crc": 4},
            ),
            InterfaceState(
                name="Serial3/0/0", kind="serial", cable="V.35 DCE cable", status="down"
            ),
        ],
        logs=[  # oldest first, as a scenario writes them
            LogLine(
                at="Nov 22 2026 08:10:00+08:00",
                text="%%01SHELL/5/CMDRECORD(s)[1]:Recorded command information.",
            ),
            LogLine(
                at="Nov 22 2026 08:14:02+08:00",
                text="%%01PHY/1/PHY(l)[2]:    Serial2/0/0: change status to down",
            ),
            LogLine(
                at="Nov 22 2026 08:14:03+08:00",
                text="%%01IFNET/4/LINK_STATE(l)[3]:The line protocol PPP on the interface "
                "Serial2/0/0 has entered the DOWN state.",
            ),
        ],
        ping=[PingResult(target="10.9.0.1", success_pct=60, rtt_ms=(20, 25, 40))],
    )
