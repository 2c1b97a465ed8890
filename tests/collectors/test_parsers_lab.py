"""The vendor CLI parsers against the lab router simulator, in-process.

Each shipped scenario's router states are rendered by the simulator (the same code the lab's SSH
and console servers run) for the commands `commands_for` picks, parsed back, and compared with
the state: interface state and counters, E1 alarms and counters, V.35 leads and cable, CPU,
logs and router-originated pings.  A few extra states cover what the shipped ones do not (a looped
line, dead leads, counter growth, VRP logs).  Failure cases: refused commands, garbage, unknown
commands and device types.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from diag.collectors.cli.parsers import SUPPORTED, VENDORS, commands_for, parse_command
from diag.errors import CollectorError, CollectorParseError
from diag.lab.routers.cisco_interfaces import leads
from diag.lab.routers.cli import Session
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.ping import plan_ping
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
from diag.model.observations import (
    CpuObservation,
    E1ControllerObservation,
    InterfaceObservation,
    LogObservation,
    Observation,
    PingObservation,
)

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


def test_shipped_scenarios_have_routers_of_both_vendors() -> None:
    # lamp-only scenarios (step 3.2) may have no router state; the rest must read back
    assert {state.vendor for _, state in SHIPPED} == {"cisco_ios", "huawei"}
    assert len({name.split("/")[0] for name in SHIPPED_IDS}) >= 5


# --- interfaces --------------------------------------------------------------------------------

# Counters each vendor prints for each kind of interface (the rest stay None).
PRINTED = {
    ("cisco_ios", "ethernet"): ("frame", "overrun", "ignored", "interface_resets"),
    ("cisco_ios", "serial"): (
        "frame",
        "overrun",
        "ignored",
        "aborts",
        "interface_resets",
        "carrier_transitions",
    ),
    ("huawei", "ethernet"): ("frame", "ignored"),
    ("huawei", "serial"): ("frame", "overrun", "aborts"),
}


def expected_interface(state: RouterState, iface: InterfaceState) -> dict[str, object]:
    c = iface.counters
    line_up = iface.admin_up and iface.status == "up"
    proto_up = line_up and iface.protocol == "up"
    kind = "ethernet" if iface.kind == "ethernet" else "serial"
    want: dict[str, object] = {
        "interface": iface.name,
        "admin_up": iface.admin_up,
        "line_up": line_up,
        "protocol_up": proto_up,
        # IOS marks the protocol "(looped)"; VRP prints no such marker in the simulator.
        "looped": iface.looped and proto_up and state.vendor == "cisco_ios",
        "input_packets": c.input_packets,
        "output_packets": c.output_packets,
        "input_errors": c.input_errors,
        "crc": c.crc,
        "output_errors": c.output_errors,
    }
    want.update({f: getattr(c, f) for f in PRINTED[(state.vendor, kind)]})
    if state.vendor == "cisco_ios":
        want["last_clearing"] = iface.last_clearing
        v = leads(iface) if iface.kind == "serial" else None
        want["v35_leads"] = (
            {k: getattr(v, k.lower()) for k in ("DCD", "DSR", "DTR", "RTS", "CTS")} if v else None
        )
    return want


@pytest.mark.parametrize(("name", "state"), SHIPPED, ids=SHIPPED_IDS)
def test_interfaces_read_back(name: str, state: RouterState) -> None:
    router = Router(state)
    source = "cli:show interfaces" if state.vendor == "cisco_ios" else "cli:display interface"
    for iface in state.interfaces:
        obs = router.one(commands_for(state.vendor, iface.name).interface)
        assert isinstance(obs, InterfaceObservation)
        want = expected_interface(state, iface)
        assert {k: getattr(obs, k) for k in want} == want, iface.name
        assert (obs.source, obs.crc_source, obs.device) == (source, source, state.hostname)


@pytest.mark.parametrize(("name", "state"), SHIPPED, ids=SHIPPED_IDS)
def test_e1_controllers_read_back(name: str, state: RouterState) -> None:
    router = Router(state)
    seen = set()
    for iface in state.interfaces:
        command = commands_for(state.vendor, iface.name).controller
        if iface.kind != "e1-channel":
            assert command is None
            continue
        assert command is not None
        obs = router.one(command)
        assert isinstance(obs, E1ControllerObservation)
        ctrl = next(c for c in state.controllers if c.name == obs.controller)
        seen.add(ctrl.name)
        assert (obs.status, obs.alarms, obs.framing, obs.linecode, obs.clock_source) == (
            ctrl.status,
            ctrl.alarms,
            ctrl.framing,
            ctrl.linecode,
            ctrl.clock_source,
        )
        assert obs.interval_s == ctrl.interval_elapsed_s
        counters = (
            "line_code_violations",
            "path_code_violations",
            "errored_secs",
            "severely_err_secs",
            "unavail_secs",
            "slip_secs",
            "degraded_mins",
        )
        assert {k: getattr(obs, k) for k in counters} == {k: getattr(ctrl, k) for k in counters}
    assert seen == {c.name for c in state.controllers}


@pytest.mark.parametrize(("name", "state"), SHIPPED, ids=SHIPPED_IDS)
def test_v35_cable_read_back(name: str, state: RouterState) -> None:
    router = Router(state)
    for iface in state.interfaces:
        command = commands_for(state.vendor, iface.name).serial
        if state.vendor != "cisco_ios" or iface.kind != "serial":
            assert command is None
            continue
        assert command is not None
        obs = router.one(command)
        assert isinstance(obs, InterfaceObservation)
        assert (obs.interface, obs.cable) == (iface.name, iface.cable)
        assert obs.clocking == (
            "TX and RX clocks detected" if iface.clocks_detected else "clocks stopped"
        )


# --- CPU, logs, ping ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "state"), SHIPPED, ids=SHIPPED_IDS)
def test_cpu_read_back(name: str, state: RouterState) -> None:
    router = Router(state)
    cs = commands_for(state.vendor, state.interfaces[0].name)
    cpu = router.one(cs.cpu)
    assert isinstance(cpu, CpuObservation)
    assert (cpu.five_sec, cpu.one_min, cpu.five_min) == (
        state.cpu.five_sec,
        state.cpu.one_min,
        state.cpu.five_min,
    )
    if cs.cpu_history is None:
        assert state.vendor == "huawei"
        return
    hist = router.one(cs.cpu_history)
    assert isinstance(hist, CpuObservation)
    given = state.cpu.history_72h_max
    assert hist.history_72h == given + [0] * (72 - len(given))
    assert hist.peak_72h == max(given, default=0)


IOS_CATEGORIES = {
    "%LINK-3-UPDOWN": "line-flap",
    "%LINEPROTO-5-UPDOWN": "protocol-flap",
    "%CONTROLLER-5-UPDOWN": "controller",
    "%SYS-1-CPURISINGTHRESHOLD": "cpu",
    "%SYS-6-CLOCKUPDATE": None,
}


@pytest.mark.parametrize(("name", "state"), SHIPPED, ids=SHIPPED_IDS)
def test_logs_read_back(name: str, state: RouterState) -> None:
    log = Router(state).one(commands_for(state.vendor, state.interfaces[0].name).log)
    assert isinstance(log, LogObservation)
    assert log.lines_read == len(state.logs)
    if state.vendor == "huawei":
        # VRP: %%01MODULE/LEVEL/MNEMONIC(l)[n]:message, categorised by the parser's own table
        from diag.collectors.cli.parsers.huawei_vrp import log_category

        want = []
        for line in state.logs:
            m = re.match(r"%%\d*([\w-]+)/(\d)/([\w-]+)\(\w+\)(?:\[\d+\])?:(.*)", line.text)
            assert m, line.text
            mod, level, mnem, msg = m.group(1), int(m.group(2)), m.group(3), m.group(4)
            cat = log_category(mod, level, mnem, msg)
            if cat is not None:
                want.append((cat, f"{mod}/{level}/{mnem}:{msg}"))
        # VRP's logbuffer lists the newest first
        assert [(e.category, e.text) for e in reversed(log.events)] == want
        return
    want_ios = [
        (line.at, IOS_CATEGORIES[line.text.split(":")[0]], line.text)
        for line in state.logs
        if IOS_CATEGORIES[line.text.split(":")[0]] is not None
    ]
    assert [(e.at, e.category, e.text) for e in log.events] == want_ios


def expected_ping(state: RouterState, target: str, count: int) -> tuple[int, list[bool]]:
    plan = plan_ping(state, target, count)
    return plan.received, list(plan.replies)


@pytest.mark.parametrize(("name", "state"), SHIPPED, ids=SHIPPED_IDS)
def test_router_ping_read_back(name: str, state: RouterState) -> None:
    router = Router(state)
    cs = commands_for(state.vendor, state.interfaces[-1].name)
    for result in state.ping:
        ping = router.one(cs.ping(result.target, 5, 100, 2.0))
        assert isinstance(ping, PingObservation)
        received, replies = expected_ping(state, result.target, 5)
        assert (ping.target, ping.count, ping.sent, ping.received) == (
            result.target,
            5,
            5,
            received,
        )
        assert received == round(5 * result.success_pct / 100)
        assert ping.loss_pct == 100.0 * (5 - received) / 5
        assert (ping.size, ping.timeout_s, ping.df) == (100, 2.0, False)
        assert (ping.origin, ping.origin_kind, ping.engine) == (
            state.hostname,
            "router",
            "router-cli",
        )
        rtt = (ping.rtt_min_ms, ping.rtt_mean_ms, ping.rtt_max_ms)
        assert rtt == (tuple(float(v) for v in result.rtt_ms) if received else (None,) * 3)
        if state.vendor == "huawei":  # VRP lists every probe
            assert [r is not None for r in ping.rtts_ms] == replies
        else:
            assert ping.rtts_ms == []


# --- states the shipped scenarios do not cover -------------------------------------------------


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


def test_looped_line_leads_and_admin_down() -> None:
    router = Router(ios_state())
    looped = router.one("sh int Se0/0/0:0")
    assert isinstance(looped, InterfaceObservation)
    assert (looped.protocol_up, looped.looped, looped.v35_leads) == (True, True, None)
    dead = router.one("show interfaces Serial0/1/0")
    assert isinstance(dead, InterfaceObservation)
    assert dead.v35_leads == {"DCD": False, "DSR": True, "DTR": True, "RTS": True, "CTS": False}
    assert (dead.line_up, dead.protocol_up) == (False, False)
    shut = router.one("show interfaces serial 0/2/0")
    assert isinstance(shut, InterfaceObservation)
    assert (shut.admin_up, shut.line_up) == (False, False)
    assert shut.v35_leads is not None and not shut.v35_leads["DTR"]  # shut down: DTR dropped


@pytest.mark.parametrize(
    ("command", "cable", "clocking"),
    [
        ("show controllers serial 0/1/0", "V.35 DTE cable", "clocks stopped"),
        ("sh contr Serial0/3/0", "V.35 DCE cable", "clock rate 2048000"),
        ("show controllers serial 0/2/0", "none attached", None),
    ],
)
def test_serial_controller_cables(command: str, cable: str, clocking: str | None) -> None:
    obs = Router(ios_state()).one(command)
    assert isinstance(obs, InterfaceObservation)
    assert (obs.cable, obs.clocking, obs.source) == (cable, clocking, "cli:show controllers serial")


def test_crc_and_e1_counters_grow_with_lab_time() -> None:
    clock = ManualClock(CLOCK_START)
    router = Router(ios_state(), clock)

    def read() -> tuple[int | None, int | None, int | None]:
        i = router.one("show interfaces Serial0/0/0:0")
        e = router.one("show controllers e1 0/0/0")
        assert isinstance(i, InterfaceObservation) and isinstance(e, E1ControllerObservation)
        return i.crc, e.path_code_violations, e.interval_s

    assert read() == (40, 15, 300)
    clock.advance(minutes=2)
    assert read() == (54, 21, 420)


def test_e1_alarms_and_settings_normalised_on_both_vendors() -> None:
    ctrl = ios_state().controllers[0]
    vrp = RouterState(
        hostname="AR-1",
        vendor="huawei",
        model="AR2220",
        interfaces=[InterfaceState(name="Serial1/0/0:0", kind="e1-channel")],
        controllers=[ctrl.model_copy(update={"name": "E1 1/0/0"})],
    )
    for router, command in (
        (Router(ios_state()), "show controllers e1 0/0/0"),
        (Router(vrp), "dis cont e1 1/0/0"),
    ):
        obs = router.one(command)
        assert isinstance(obs, E1ControllerObservation)
        assert (obs.status, obs.alarms, obs.framing, obs.linecode, obs.clock_source) == (
            "down",
            ["LOS", "LOF"],
            "no-crc4",
            "hdb3",
            "internal",
        )


def test_high_cpu_history_and_rising_threshold_log() -> None:
    hist = [40, 97, 99, 35]
    router = Router(
        ios_state(
            CpuState(
                five_sec=97, five_sec_interrupt=2, one_min=95, five_min=90, history_72h_max=hist
            )
        )
    )
    cpu = router.one("sh proc cpu sorted")
    assert isinstance(cpu, CpuObservation)
    assert (cpu.five_sec, cpu.one_min, cpu.five_min) == (97, 95, 90)
    h = router.one("sh proc cpu hist")
    assert isinstance(h, CpuObservation)
    assert (h.history_72h[:5], h.peak_72h) == ([40, 97, 99, 35, 0], 99)
    log = router.one("sh log")
    assert isinstance(log, LogObservation)
    assert [(e.category, e.text.split(":")[0]) for e in log.events] == [
        ("cpu", "%SYS-1-CPURISINGTHRESHOLD"),
        ("other", "%SYS-5-CONFIG_I"),
    ]
    assert log.lines_read == 3


def test_ios_df_ping_and_partial_loss() -> None:
    state = ios_state()
    cs = commands_for("cisco_ios", "Serial0/0/0:0")
    ping = Router(state).one(cs.ping("10.20.0.2", 10, 1472, 1.0, df=True))
    assert isinstance(ping, PingObservation)
    assert (ping.sent, ping.received, ping.loss_pct) == (10, 8, 20.0)
    assert (ping.size, ping.df, ping.timeout_s) == (1472, True, 1.0)
    assert (ping.rtt_min_ms, ping.rtt_mean_ms, ping.rtt_max_ms) == (8, 12, 30)


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


def test_vrp_serial_cable_crc_growth_and_logs() -> None:
    clock = ManualClock(CLOCK_START)
    router = Router(vrp_state(), clock)
    dte = router.one("display interface Serial2/0/0")
    assert isinstance(dte, InterfaceObservation)
    assert (dte.cable, dte.clocking) == (
        "V.35 DTE cable",
        "Clock mode is TC, Virtualbaudrate is 2048000 bps",
    )
    assert (dte.crc, dte.aborts) == (5, 1)
    dce = router.one("dis int Serial3/0/0")
    assert isinstance(dce, InterfaceObservation)
    assert (dce.cable, dce.line_up) == ("V.35 DCE cable", False)
    assert dce.clocking == "Clock mode is DCECLK, Baudrate is 2048000 bps"
    clock.advance(minutes=3)
    grown = router.one("display interface Serial2/0/0")
    assert isinstance(grown, InterfaceObservation) and grown.crc == 5 + 3 * 4
    log = router.one("dis logb")
    assert isinstance(log, LogObservation)
    assert log.lines_read == 3
    # VRP lists the newest first; the command record is not about the circuit.
    assert [(e.at, e.category) for e in log.events] == [
        ("Nov 22 2026 08:14:03+08:00", "protocol-flap"),
        ("Nov 22 2026 08:14:02+08:00", "line-flap"),
    ]


def test_vrp_ping_lists_lost_probes() -> None:
    state = vrp_state()
    ping = Router(state).one(commands_for("huawei", "Serial2/0/0").ping("10.9.0.1", 5, 64, 0.5))
    assert isinstance(ping, PingObservation)
    assert (ping.sent, ping.received, ping.loss_pct, ping.size, ping.timeout_s) == (
        5,
        3,
        40.0,
        64,
        0.5,
    )
    assert [r is not None for r in ping.rtts_ms] == list(plan_ping(state, "10.9.0.1", 5).replies)
    assert {r for r in ping.rtts_ms if r is not None} <= {20.0, 25.0, 40.0}


# --- command sets ------------------------------------------------------------------------------


def test_command_sets_per_wan_type() -> None:
    e1 = commands_for("cisco_ios", "Serial0/0/0:0")
    assert (e1.interface, e1.controller, e1.serial) == (
        "show interfaces Serial0/0/0:0",
        "show controllers e1 0/0/0",
        None,
    )
    assert (e1.cpu, e1.cpu_history, e1.log) == (
        "show processes cpu",
        "show processes cpu history",
        "show logging",
    )
    v35 = commands_for("cisco_xe", "Serial0/1/0")
    assert (v35.controller, v35.serial) == (None, "show controllers serial 0/1/0")
    eth = commands_for("cisco_ios_telnet", "GigabitEthernet0/1")
    assert (eth.controller, eth.serial) == (None, None)
    assert eth.reads == ("show interfaces GigabitEthernet0/1", "show processes cpu",
                         "show processes cpu history", "show logging")  # fmt: skip
    vrp = commands_for("huawei", "Serial1/0/0:0")
    assert (vrp.interface, vrp.controller, vrp.serial, vrp.cpu, vrp.cpu_history, vrp.log) == (
        "display interface Serial1/0/0:0",
        "display controller e1 1/0/0",
        None,
        "display cpu-usage",
        None,
        "display logbuffer",
    )
    assert commands_for("huawei_serial", "Serial2/0/0").controller is None


def test_ping_command_lines() -> None:
    ios = commands_for("cisco_ios", "Serial0/0/0:0")
    assert ios.ping("10.0.0.2", 20, 100, 1.0) == "ping 10.0.0.2 repeat 20 size 128 timeout 1"
    assert (
        ios.ping("10.0.0.2", 5, 1472, 0.5, df=True, pattern="0xabcd")
        == "ping 10.0.0.2 repeat 5 size 1500 timeout 1 data ABCD df-bit"
    )
    vrp = commands_for("huawei", "Serial1/0/0:0")
    assert (
        vrp.ping("10.0.0.1", 20, 100, 1.0, df=True, pattern="FF00")
        == "ping -c 20 -s 100 -t 1000 -f -p ff00 10.0.0.1"
    )
    with pytest.raises(CollectorError, match="hex"):
        ios.ping("10.0.0.2", 5, 100, 1.0, pattern="xyz")
    with pytest.raises(CollectorError, match="ping_size"):
        vrp.ping("10.0.0.1", 5, 100000, 1.0)


def test_registry_aliases_and_supported_forms() -> None:
    assert {"cisco_ios", "cisco_xe", "cisco_ios_serial", "cisco_ios_telnet"} <= set(VENDORS)
    assert {"huawei", "huawei_vrp", "huawei_serial"} <= set(VENDORS)
    assert VENDORS["cisco_xe"] is VENDORS["cisco_ios"]
    assert VENDORS["huawei_serial"] is VENDORS["huawei"]
    assert "show controllers e1|t1 [<slot/port>]" in SUPPORTED["cisco_ios"]
    assert "display cpu-usage" in SUPPORTED["huawei_vrp"]


# --- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "command", "refusal"),
    [
        (ios_state(), "show controllers e1 9/9/9", "% Invalid input detected at '^' marker."),
        (ios_state(), "show interfaces Serial9/9/9", "% Invalid input detected at '^' marker."),
        (
            vrp_state(),
            "display controller e1 9/9/9",
            "Error: Wrong parameter found at '^' position.",
        ),
    ],
)
def test_refused_command_raises_with_the_router_line(
    state: RouterState, command: str, refusal: str
) -> None:
    with pytest.raises(CollectorParseError) as err:
        Router(state).run(command)
    msg = str(err.value)
    assert state.hostname in msg and repr(command) in msg and refusal in msg


SAMPLE_COMMANDS = {
    "cisco_ios": [
        "show interfaces Serial0/0/0:0",
        "show controllers e1 0/0/0",
        "show controllers serial 0/1/0",
        "show processes cpu",
        "show processes cpu history",
        "show logging",
        "ping 10.0.0.2 repeat 5",
    ],
    "huawei": [
        "display interface Serial1/0/0:0",
        "display controller e1 1/0/0",
        "display cpu-usage",
        "display logbuffer",
        "ping -c 5 10.0.0.1",
    ],
}
GARBAGE = "lorem ipsum dolor sit amet\nconsectetur 42 adipiscing\n"


@pytest.mark.parametrize(
    ("device_type", "command"),
    [(dt, c) for dt, cmds in SAMPLE_COMMANDS.items() for c in cmds],
)
def test_garbage_and_empty_output_raise(device_type: str, command: str) -> None:
    assert len(SAMPLE_COMMANDS[device_type]) == len(SUPPORTED[device_type])
    with pytest.raises(CollectorParseError) as err:
        parse_command(device_type, command, GARBAGE, device="R9", at=AT)
    msg = str(err.value)
    assert "R9" in msg and repr(command) in msg and "'lorem ipsum dolor sit amet'" in msg
    with pytest.raises(CollectorParseError, match="empty"):
        parse_command(device_type, command, "\r\n\n", device="R9", at=AT)


def test_unknown_command_lists_supported() -> None:
    with pytest.raises(CollectorParseError) as err:
        parse_command("cisco_ios", "show version", "Cisco IOS Software", device="R1", at=AT)
    assert "show interfaces [<interface>]" in str(err.value)
    with pytest.raises(CollectorParseError, match="display logbuffer"):
        parse_command("huawei", "display interface brief", "x", device="R1", at=AT)


def test_unknown_device_type() -> None:
    with pytest.raises(CollectorError, match=r"cisco_ios.*huawei"):
        commands_for("juniper_junos", "ge-0/0/0")
    with pytest.raises(CollectorError, match="supported"):
        parse_command("juniper_junos", "show interfaces", "x", device="R1", at=AT)


def test_prompt_and_echo_lines_are_tolerated() -> None:
    router = Router(ios_state())
    text = router.text("show processes cpu")
    (cpu,) = parse_command(
        "cisco_ios_serial",
        "show processes cpu",
        "CPE-EDGE-01#show processes cpu\r\n" + text.replace("\n", "\r\n") + "CPE-EDGE-01#",
        device="CPE-EDGE-01",
        at=AT,
    )
    assert isinstance(cpu, CpuObservation) and cpu.five_sec == 5


# Cable/clocking lines of other serial hardware, as quoted in DOMAIN.md §2.10 from public pages
# (biokode.net, networkjourney.com, CCNA course material): the simulator renders only GT96K.
@pytest.mark.parametrize(
    ("line", "cable", "clocking"),
    [
        ("DTE V.35 TX and RX clocks detected", "V.35 DTE cable", "TX and RX clocks detected"),
        ("DCE V.35, clock rate 1000000", "V.35 DCE cable", "clock rate 1000000"),
        ("buffer size 1524  HD unit 0, V.35 DCE cable, clockrate 128000", "V.35 DCE cable",
         "clock rate 128000"),
        ("HD unit 1, V.35 DTE cable", "V.35 DTE cable", None),
        ("cable type : UNKNOWN", "UNKNOWN", None),
    ],
)  # fmt: skip
def test_other_serial_controller_shapes(line: str, cable: str, clocking: str | None) -> None:
    text = f"Interface Serial0/0\nHardware is HD64570\n{line}\nidb at 0x81081AC4\n"
    (obs,) = parse_command("cisco_ios", "show controllers serial 0/0", text, device="R1", at=AT)
    assert isinstance(obs, InterfaceObservation)
    assert (obs.interface, obs.cable, obs.clocking) == ("Serial0/0", cable, clocking)
