"""The router collector over SSH against lab routers (real asyncssh servers, netmiko clients).

Routers come from the shipped scenarios (V.35, E1 and Ethernet WANs, Cisco and Huawei), with
CRC growth added on the WAN.  The wait between the two CRC samples is an injected `sleep` that
advances the lab's ManualClock, so growth per minute is exact and no test waits.

Failures (connect, auth, timeouts, parse) are in test_router_failures.py; the peers in
tests/collectors/router_lab.py.
"""

from __future__ import annotations

import pytest

from diag.collectors.router import CrcSample, crc_growth, parse_capture, read_router, uptime_s
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.timeline import interface_counters, uptime_minutes
from diag.model.observations import (
    CpuObservation,
    CrcGrowthObservation,
    E1ControllerObservation,
    InterfaceObservation,
    LogObservation,
    PingObservation,
)
from tests.collectors.router_lab import (
    CASES,
    CRC_PER_MIN,
    INTERVAL_S,
    SETTINGS,
    Case,
    Lab,
    Served,
    access,
    no_secret_anywhere,
    of,
    one_router,
    scenario_state,
    wan_iface,
)

pytestmark = pytest.mark.lab


# --- full readings --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_full_reading(case: Case, lab: Lab, routers: dict[str, Served]) -> None:
    served = routers[case.id]
    wan = wan_iface(served.state, case.wan)
    before = lab.clock.moment()
    first_crc = interface_counters(wan, before).crc

    reading = read_router(served.device, case.wan, case.far_end, SETTINGS, sleep=lab.sleep)

    assert [(a.ok, a.stage) for a in access(reading)] == [(True, "done")], access(reading)
    iface, *others = of(reading, InterfaceObservation)
    assert iface.interface == case.wan and iface.device == case.router
    assert iface.crc == first_crc and iface.crc_source
    assert iface.device_uptime_s == 60 * uptime_minutes(served.state.uptime, before)
    assert iface.collector == f"router:{case.router}"
    if case.kind == "v35" and served.state.vendor == "cisco_ios":
        # show controllers serial: the cable and clocking, as a second interface reading
        (ctrl,) = others
        assert "show controllers serial 0/1/0" in reading.raw
        assert ctrl.cable and "V.35" in ctrl.cable
    else:
        assert not others
    if case.kind == "e1":
        (e1,) = of(reading, E1ControllerObservation)
        assert e1.device == case.router
    else:
        assert not of(reading, E1ControllerObservation)
    assert of(reading, CpuObservation) and of(reading, LogObservation)

    (growth,) = of(reading, CrcGrowthObservation)
    assert (growth.first, growth.second) == (first_crc, first_crc + 2 * CRC_PER_MIN)
    assert (growth.delta, growth.per_min, growth.interval_s) == (2 * CRC_PER_MIN, 12.0, INTERVAL_S)
    assert not growth.wrapped and not growth.reset and growth.note is None

    (ping,) = of(reading, PingObservation)
    plan = next(p for p in served.state.ping if p.target == case.far_end)
    assert (ping.origin, ping.origin_kind, ping.target) == (case.router, "router", case.far_end)
    assert (ping.sent, ping.received) == (5, round(5 * plan.success_pct / 100))

    version = "show version" if served.state.vendor == "cisco_ios" else "display version"
    assert {case.wan in k for k in reading.raw} == {True, False}
    assert f"{version} #2" in reading.raw
    assert "[diag] waiting 120 s before the second CRC sample" in reading.transcript
    no_secret_anywhere(reading)


def test_enable_secret_is_used_and_redacted(routers: dict[str, Served], lab: Lab) -> None:
    served = routers["cisco-e1"]
    reading = read_router(served.device, "Serial0/0/0:0", None, SETTINGS.model_copy(
        update={"crc_sample_interval_s": 0}), sleep=lab.sleep)  # fmt: skip
    assert "BR9-RTR#" in reading.transcript  # enabled
    assert "<lab:router-secret>" in reading.transcript or "********" in reading.transcript
    assert not of(reading, CrcGrowthObservation) and not of(reading, PingObservation)
    no_secret_anywhere(reading)


# --- CRC growth: resets, wraps, clearing ----------------------------------------------------------


def test_clear_between_samples_is_a_reset(lab: Lab) -> None:
    state = scenario_state(CASES[1])  # Cisco E1: "Last clearing ... never"
    srv, dev = one_router(lab, state)
    wan = wan_iface(state, "Serial0/0/0:0")

    def someone_clears(seconds: float) -> None:
        lab.sleep(seconds)
        wan.cleared_at_s = lab.clock.moment().elapsed_s - 30  # `clear counters` 30 s ago

    try:
        reading = read_router(dev, wan.name, None, SETTINGS, sleep=someone_clears)
    finally:
        lab.stop(srv)
    (growth,) = of(reading, CrcGrowthObservation)
    assert growth.reset and growth.delta is None and growth.per_min is None
    assert growth.second == 6  # 12/min for the 30 s since the clearing
    assert growth.note is not None
    assert "Last clearing: never -> 00:00:30" in growth.note
    assert "counter went down" in growth.note


def test_restart_between_samples_is_a_reset(lab: Lab) -> None:
    state = scenario_state(CASES[4])  # Huawei E1: VRP prints no "Last clearing"; uptime tells
    srv, dev = one_router(lab, state)
    wan = wan_iface(state, "Serial1/0/0:0")

    def router_reloads(seconds: float) -> None:
        lab.sleep(seconds)
        now = lab.clock.moment()
        state.uptime = "0 minutes"  # uptime = lab minutes since start: far below 12 weeks
        wan.cleared_at_s = now.elapsed_s  # a reload restarts every counter

    try:
        reading = read_router(dev, wan.name, None, SETTINGS, sleep=router_reloads)
    finally:
        lab.stop(srv)
    (growth,) = of(reading, CrcGrowthObservation)
    assert growth.reset and growth.delta is None and not growth.wrapped
    assert growth.note is not None and "restarted between the samples" in growth.note


def test_counter32_wrap(lab: Lab) -> None:
    state = scenario_state(CASES[0])  # Cisco V.35
    wan = wan_iface(state, "Serial0/1/0")
    wan.counter_bits = 32
    wan.growth_per_min["crc"] = 300
    minutes = lab.clock.moment().minutes
    wan.counters.crc = 2**32 - 100 - int(300 * minutes)  # reads 2**32 - 100 now
    srv, dev = one_router(lab, state)
    try:
        reading = read_router(dev, wan.name, None, SETTINGS, sleep=lab.sleep)
    finally:
        lab.stop(srv)
    (growth,) = of(reading, CrcGrowthObservation)
    assert (growth.first, growth.second) == (2**32 - 100, 500)
    assert growth.wrapped and not growth.reset
    assert (growth.delta, growth.per_min) == (600, 300.0)
    assert growth.note is not None and "Counter32 wrapped" in growth.note


@pytest.mark.parametrize("vendor_case", [CASES[1], CASES[4]], ids=["cisco", "huawei"])
def test_clear_counters_setting_clears_before_sampling(vendor_case: Case, lab: Lab) -> None:
    state = scenario_state(vendor_case)
    srv, dev = one_router(lab, state)
    settings = SETTINGS.model_copy(update={"clear_counters": True})
    try:
        reading = read_router(dev, vendor_case.wan, None, settings, sleep=lab.sleep)
    finally:
        lab.stop(srv)
    assert wan_iface(state, vendor_case.wan).cleared_at_s is not None
    (iface,) = of(reading, InterfaceObservation)
    assert iface.crc == 0
    if state.vendor == "cisco_ios":
        assert iface.last_clearing == "00:00:00"
        assert "[confirm]" in reading.transcript
    (growth,) = of(reading, CrcGrowthObservation)
    assert (growth.first, growth.delta, growth.reset) == (0, 2 * CRC_PER_MIN, False)


def test_counters_are_not_cleared_by_default(routers: dict[str, Served]) -> None:
    for served in routers.values():
        assert wan_iface(served.state, served.case.wan).cleared_at_s is None
        assert "clear counters" not in served.state.model_dump_json()


# crc_growth's rules, from data alone.


def sample(crc: int, clearing: str | None = "never", up: float | None = 1e6) -> CrcSample:
    return CrcSample(crc, "cli:show interfaces", clearing, up)


def growth_of(a: CrcSample, b: CrcSample, waited: float = 60.0) -> CrcGrowthObservation:
    from datetime import UTC, datetime

    return crc_growth(
        "r", "Se0", a, b, waited_s=waited, measured_s=0.2, at=datetime.now(UTC), collector="t"
    )


def test_growth_rules() -> None:
    plain = growth_of(sample(10, "1d02h"), sample(40, "1d02h"), waited=30)
    assert (plain.delta, plain.per_min, plain.reset, plain.interval_s) == (30, 60.0, False, 30.0)
    # Ages advance between samples at the printed resolution: not a clearing.
    aged = growth_of(sample(10, "00:10:00"), sample(20, "00:11:00"))
    assert not aged.reset
    recent = growth_of(sample(10, "00:10:00"), sample(20, "00:00:05"))
    assert recent.reset and recent.delta is None
    # Absolute clearing times (not ages) that change mean a clearing.
    stamped = growth_of(sample(10, "2026-03-01 10:00:00"), sample(3, "2026-03-02 09:00:00"))
    assert stamped.reset
    # Went down, no evidence, 64-bit sized: a reset with the reason, not a wrap.
    big = growth_of(sample(2**40, None, None), sample(5, None, None))
    assert big.reset and not big.wrapped and big.note and "too large for a 32-bit wrap" in big.note
    # The measured interval wins when it is longer than the wait (real sleeps + command time).
    slow = crc_growth("r", "Se0", sample(0), sample(61), waited_s=60, measured_s=61.0,
                      at=plain.at, collector="t")  # fmt: skip
    assert (slow.interval_s, slow.per_min) == (61.0, 60.0)


def test_uptime_parsing() -> None:
    assert uptime_s("R1 uptime is 1 week, 2 days, 3 hours, 4 minutes") == 788_640
    assert uptime_s("Huawei AR2220 Router uptime is 0 week, 0 day, 1 hour, 1 minute") == 3660
    assert uptime_s("no such line") is None


def test_parse_capture_wraps_the_parsers(routers: dict[str, Served]) -> None:
    from diag.lab.routers.cli import Session

    served = routers["cisco-e1"]
    text = Session(served.state, ManualClock()).feed("show interfaces Serial0/0/0:0").text
    (obs,) = parse_capture("cisco_ios", "show interfaces Serial0/0/0:0", text, "rtr")
    assert isinstance(obs, InterfaceObservation) and obs.device == "rtr"
