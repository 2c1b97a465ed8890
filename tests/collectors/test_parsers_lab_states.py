"""The vendor CLI parsers against the lab router simulator: states the shipped scenarios do not
cover (a looped line, dead leads, counter growth, high CPU, VRP logs, partial ping loss).
"""

from __future__ import annotations

import pytest

from diag.collectors.cli.parsers import commands_for
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.ping import plan_ping
from diag.lab.routers.state import CpuState, InterfaceState, RouterState
from diag.model.observations import (
    CpuObservation,
    E1ControllerObservation,
    InterfaceObservation,
    LogObservation,
    PingObservation,
)
from tests.collectors.parsers_lab_helpers import CLOCK_START, Router, ios_state, vrp_state

# --- states the shipped scenarios do not cover -------------------------------------------------


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
