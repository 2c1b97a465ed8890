"""Section 4 hard cases R-HC-1 and R-HC-2a/2b/2c from observations alone: each rule fires on its
documented pattern and stays quiet when a part of the pattern is missing or contradicted.
R-HC-3, R-HC-4a/4b and the precedence of alarms are in test_hard_cases_cabling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from diag.model.observations import Observation
from diag.model.path import Segment
from tests.analyzers.hard_case_obs import (
    asked,
    console,
    court_obs,
    cpu,
    cpu_log,
    crc,
    fired,
    laptop_obs,
    mall_obs,
    ping,
    run,
    said,
)

if TYPE_CHECKING:
    from tests.analyzers.conftest import PathOf

# --------------------------------------------------------------------------- R-HC-1 (4.1)


def test_hc1_fires_at_the_router_with_crc_growth(path_of: PathOf) -> None:
    obs = mall_obs() + said(
        test__e1__ber="0",
        each_device_tested_ok="yes",
        swap__transmission="no-change",
        swap__e1_line="no-change",
    )
    findings, verdict = run(path_of("LAB-HC1-MALL"), obs)
    (f,) = fired(findings, "R-HC-1")
    assert f.rule == "channel-router-mismatch"
    assert f.segment == Segment(from_="hc1-pdh-2", to="hc1-rtr-b")
    assert f.confidence == 0.75
    assert "another make" in f.next_steps[0]
    cited = {e.observation for e in f.evidence}
    assert {"crc-growth-1", "ping-1"} <= cited
    assert verdict.status == "fault_localized" and verdict.segment == f.segment


def test_hc1_confirmed_by_the_router_swap(path_of: PathOf) -> None:
    obs = mall_obs() + said(
        test__e1__ber="0", swap__e1_line="no-change", swap__customer_router="fixed"
    )
    (f,) = fired(run(path_of("LAB-HC1-MALL"), obs)[0], "R-HC-1")
    assert f.confidence == 0.95 and "swap cleared it" in f.cause


def test_hc1_weaker_before_the_operator_parts_are_swapped(path_of: PathOf) -> None:
    obs = mall_obs() + said(test__e1__ber="0")
    (f,) = fired(run(path_of("LAB-HC1-MALL"), obs)[0], "R-HC-1")
    # pattern only (0.55), and "each device tested" not reported yet (-0.15)
    assert f.confidence == 0.4
    assert "each_device_tested_ok" in f.next_steps[0]
    assert "replace the operator's PDH and E1 channel" in f.next_steps[1]


@pytest.mark.parametrize(
    "pairs",
    [
        {"test__e1__ber": "1e-4", "each_device_tested_ok": "yes"},  # channel errors
        {"test__e1__ber": "0", "each_device_tested_ok": "no"},  # a device is faulty
        {"test__e1__ber": "0", "swap__transmission": "fixed"},  # substitution found it
        {"test__e1__ber": "0", "swap__customer_router": "no-change"},  # not the router
    ],
)
def test_hc1_does_not_fire_when_the_pattern_breaks(path_of: PathOf, pairs: dict[str, str]) -> None:
    findings, _ = run(path_of("LAB-HC1-MALL"), mall_obs() + said(**pairs))
    assert fired(findings, "R-HC-1") == []


def test_hc1_does_not_fire_on_an_outage(path_of: PathOf) -> None:
    obs: list[Observation] = [
        crc("hc1-rtr-b", "Serial1/0/0:0", 300.0),
        ping("hc1-rtr-b", "10.61.0.1", 100.0),
    ]
    findings, _ = run(path_of("LAB-HC1-MALL"), obs + said(test__e1__ber="0"))
    assert fired(findings, "R-HC-1") == []  # all lost is an outage, not "occasional loss"


def test_hc1_asks_for_the_channel_test(path_of: PathOf) -> None:
    findings, _ = run(path_of("LAB-HC1-MALL"), mall_obs())
    q = asked(findings, "R-HC-1")
    assert q is not None and "test.e1.ber" in q.next_steps[0]


def test_healthy_circuit_asks_no_hard_case_question(path_of: PathOf) -> None:
    obs: list[Observation] = [
        crc("hc1-rtr-b", "Serial1/0/0:0", 0.0),
        ping("hc1-rtr-b", "10.61.0.1", 0.0),
    ]
    findings, verdict = run(path_of("LAB-HC1-MALL"), obs)
    assert not [f for f in findings if f.procedure.startswith("R-HC")]
    assert verdict.status == "healthy"


# --------------------------------------------------------------------------- R-HC-2a (4.2)


def test_hc2a_clean_laptop_ping_excludes_the_operator(path_of: PathOf) -> None:
    findings, verdict = run(
        path_of("LAB-HC2A-1"), laptop_obs() + said(test__laptop_ping__loss_pct="0")
    )
    (f,) = fired(findings, "R-HC-2a")
    assert f.rule == "lan-fault-laptop-bypass"
    assert "operator excluded" in f.cause
    assert f.segment == Segment(from_="hc2a-rtr-b", to="LAB-HC2A-1:lan-b")
    assert f.owner == "customer" and f.confidence == 0.8
    assert verdict.owner == "customer"
    assert any("one at a time" in s for s in f.next_steps)


def test_hc2a_lossy_laptop_ping_does_not_exclude_the_operator(path_of: PathOf) -> None:
    findings, _ = run(path_of("LAB-HC2A-1"), laptop_obs() + said(test__laptop_ping__loss_pct="40"))
    assert fired(findings, "R-HC-2a") == []
    info = next(f for f in findings if f.rule == "lan-fault-laptop-bypass")
    assert info.kind == "info" and "not excluded" in info.title


def test_hc2a_asks_for_the_laptop_test_on_ethernet_ends(path_of: PathOf) -> None:
    findings, _ = run(path_of("LAB-HC2A-1"), laptop_obs())
    assert asked(findings, "R-HC-2a") is not None


def test_hc2a_is_not_asked_where_laptops_cannot_plug_in(path_of: PathOf) -> None:
    # E1 at both ends: the article's alternative is the WAN-only ping (2b)
    obs: list[Observation] = [ping("hc2b-rtr-b", "10.63.0.1", 65.0)]
    findings, _ = run(path_of("LAB-HC2B-1"), obs)
    assert asked(findings, "R-HC-2a") is None and asked(findings, "R-HC-2b") is not None


# --------------------------------------------------------------------------- R-HC-2b (4.2)


def wan_only_obs() -> list[Observation]:
    return [
        crc("hc2b-rtr-b", "Serial1/0/0:0", 360.0),
        crc("hc2b-rtr-a", "Serial0/0/0:0", 0.0, n=2),
        ping("hc2b-rtr-a", "10.63.0.2", 65.0),
        ping("hc2b-rtr-b", "10.63.0.1", 65.0, n=2),
    ]


def test_hc2b_clean_wan_only_ping_places_the_disconnected_end(path_of: PathOf) -> None:
    obs = wan_only_obs() + said(test__wan_only_ping__loss_pct="0", test__wan_only_ping__end="b")
    findings, verdict = run(path_of("LAB-HC2B-1"), obs)
    (f,) = fired(findings, "R-HC-2b")
    assert f.rule == "lan-fault-wan-only-ping" and "operator excluded" in f.cause
    assert f.segment == Segment(from_="hc2b-rtr-b", to="LAB-HC2B-1:lan-b")
    assert verdict.status == "fault_localized" and verdict.owner == "customer"


def test_hc2b_end_from_the_router_signs(path_of: PathOf) -> None:
    # not told which end was tested: the router with CRC growth names it
    obs = wan_only_obs() + said(test__wan_only_ping__loss_pct="0")
    (f,) = fired(run(path_of("LAB-HC2B-1"), obs)[0], "R-HC-2b")
    assert f.segment == Segment(from_="hc2b-rtr-b", to="LAB-HC2B-1:lan-b")


def test_hc2b_unknown_end_is_only_suspected_at_both(path_of: PathOf) -> None:
    obs: list[Observation] = [
        ping("hc2b-rtr-a", "10.63.0.2", 65.0),
        ping("hc2b-rtr-b", "10.63.0.1", 65.0, n=2),
    ]
    findings, verdict = run(path_of("LAB-HC2B-1"), obs + said(test__wan_only_ping__loss_pct="0"))
    found = fired(findings, "R-HC-2b")
    assert len(found) == 2 and all(f.confidence < 0.7 for f in found)
    assert verdict.status == "fault_suspected"


def test_hc2b_lossy_wan_only_ping_does_not_fire(path_of: PathOf) -> None:
    obs = wan_only_obs() + said(test__wan_only_ping__loss_pct="30", test__wan_only_ping__end="b")
    assert fired(run(path_of("LAB-HC2B-1"), obs)[0], "R-HC-2b") == []


# --------------------------------------------------------------------------- R-HC-2c (4.2)


def test_hc2c_the_city_court_case(path_of: PathOf) -> None:
    findings, verdict = run(path_of("LAB-HC2C-COURT"), court_obs() + said(test__e1__ber="0"))
    (f,) = fired(findings, "R-HC-2c")
    assert f.rule == "router-congested-by-lan"
    assert f.segment == Segment(from_="LAB-HC2C-COURT:lan-a", to="hc2c-rtr-a")
    assert f.owner == "customer" and f.confidence == 0.8
    cited = {e.observation for e in f.evidence}
    assert {"crc-growth-1", "ping-1", "cpu-1", "console-1"} <= cited
    assert "97 %" in f.cause and "intermittent" in f.cause
    steps = " ".join(f.next_steps)
    assert "Isolate the LAN" in steps and "97 %" in steps and "one at a time" in steps
    assert verdict.status == "fault_localized" and verdict.owner == "customer"


def test_hc2c_peak_read_from_the_log_alone(path_of: PathOf) -> None:
    obs: list[Observation] = [
        ping("hc2c-rtr-a", "10.67.0.2", 65.0),
        cpu("hc2c-rtr-a", 7.0),  # calm right now: only the log remembers the 97 %
        cpu_log("hc2c-rtr-a", 97),
    ]
    (f,) = fired(run(path_of("LAB-HC2C-COURT"), obs + said(test__e1__ber="0"))[0], "R-HC-2c")
    assert f.confidence == 0.6  # one sign of the two
    assert any(e.observation == "log-1" and "97%" in e.text for e in f.evidence)


def test_hc2c_culprit_found(path_of: PathOf) -> None:
    obs = court_obs() + said(
        test__e1__ber="0", lan__culprit_found="yes", lan__cpu_with_culprit_pct="97"
    )
    (f,) = fired(run(path_of("LAB-HC2C-COURT"), obs)[0], "R-HC-2c")
    assert f.confidence == 0.95 and "attacking host (CPU 97 %" in f.cause
    assert f.next_steps[0].startswith("Clean or replace the host")


def test_hc2c_without_channel_test_is_weaker(path_of: PathOf) -> None:
    (f,) = fired(run(path_of("LAB-HC2C-COURT"), court_obs())[0], "R-HC-2c")
    assert f.confidence == 0.7 and "Test the E1 channel" in f.next_steps[0]


@pytest.mark.parametrize(
    "pairs",
    [
        {"test__e1__ber": "1e-3"},  # the channel has errors: chase those first
        {"test__e1__ber": "0", "lan_isolated__loss_pct": "60"},  # LAN off, still lost
    ],
)
def test_hc2c_does_not_fire_when_the_pattern_breaks(path_of: PathOf, pairs: dict[str, str]) -> None:
    assert fired(run(path_of("LAB-HC2C-COURT"), court_obs() + said(**pairs))[0], "R-HC-2c") == []


def test_hc2c_quiet_router_does_not_fire(path_of: PathOf) -> None:
    obs: list[Observation] = [
        crc("hc2c-rtr-a", "Serial0/0/0:0", 360.0),
        ping("hc2c-rtr-a", "10.67.0.2", 65.0),
        cpu("hc2c-rtr-a", 7.0, history=[9, 8, 12]),
        console("hc2c-rtr-a", answered=5),
    ]
    assert fired(run(path_of("LAB-HC2C-COURT"), obs + said(test__e1__ber="0"))[0], "R-HC-2c") == []


def test_hc2c_dropped_console_session_counts(path_of: PathOf) -> None:
    obs: list[Observation] = [
        ping("hc2c-rtr-a", "10.67.0.2", 65.0),
        console("hc2c-rtr-a", answered=5, dropped=1),
    ]
    (f,) = fired(run(path_of("LAB-HC2C-COURT"), obs + said(test__e1__ber="0"))[0], "R-HC-2c")
    assert "1 session(s) dropped" in " ".join(e.text for e in f.evidence)
