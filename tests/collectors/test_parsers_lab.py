"""The vendor CLI parsers against the lab router simulator, in-process: the shipped scenarios.

Each shipped scenario's router states are rendered by the simulator (the same code the lab's SSH
and console servers run) for the commands `commands_for` picks, parsed back, and compared with
the state: interface state and counters, E1 alarms and counters, V.35 leads and cable, CPU,
logs and router-originated pings.  States the shipped ones do not cover are in
test_parsers_lab_states, command sets and failure cases in test_parsers_lab_commands.
"""

from __future__ import annotations

import re

import pytest

from diag.collectors.cli.parsers import commands_for
from diag.lab.routers.cisco_interfaces import leads
from diag.lab.routers.ping import plan_ping
from diag.lab.routers.state import InterfaceState, RouterState
from diag.model.observations import (
    CpuObservation,
    E1ControllerObservation,
    InterfaceObservation,
    LogObservation,
    PingObservation,
)
from tests.collectors.parsers_lab_helpers import SHIPPED, SHIPPED_IDS, Router


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
        from diag.collectors.cli.parsers.huawei_vrp_ops import log_category

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
