"""Section 4 hard cases (R-HC-1 ... R-HC-4b) from observations alone: each rule fires on its
documented pattern and stays quiet when a part of the pattern is missing or contradicted."""

from __future__ import annotations

import pytest

from diag.analyzers import analyze
from diag.analyzers.answers import observations as answers
from diag.model.findings import Finding, Verdict
from diag.model.inventory import Inventory
from diag.model.observations import (
    ConsoleObservation,
    CpuObservation,
    CrcGrowthObservation,
    LogEvent,
    LogObservation,
    Observation,
    PingObservation,
)
from diag.model.path import CircuitPath, Segment, build_path
from tests.analyzers.analyzer_helpers import NOW, poll

# --------------------------------------------------------------------------- observation makers


def crc(device: str, interface: str, per_min: float, n: int = 1) -> CrcGrowthObservation:
    delta = int(per_min / 2)
    return CrcGrowthObservation(
        id=f"crc-growth-{n}",
        collector=f"router:{device}",
        at=NOW,
        device=device,
        interface=interface,
        counter_source="cli:show interfaces",
        first=1000,
        second=1000 + delta,
        interval_s=30.0,
        delta=delta,
        per_min=per_min,
    )


def ping(origin: str, target: str, loss: float, n: int = 1) -> PingObservation:
    sent = 20
    received = round(sent * (100 - loss) / 100)
    return PingObservation(
        id=f"ping-{n}",
        collector=f"router:{origin}",
        at=NOW,
        origin=origin,
        origin_kind="router",
        target=target,
        engine="router-cli",
        count=sent,
        size=100,
        sent=sent,
        received=received,
        loss_pct=100.0 * (sent - received) / sent,
    )


def cpu(
    device: str, now: float | None = None, history: list[int] | None = None, n: int = 1
) -> CpuObservation:
    return CpuObservation(
        id=f"cpu-{n}",
        collector=f"router:{device}",
        at=NOW,
        device=device,
        source="cli:show processes cpu history" if history else "cli:show processes cpu",
        five_sec=now,
        one_min=now,
        five_min=now,
        peak_72h=float(max(history)) if history else None,
        history_72h=history or [],
    )


def console(device: str, answered: int, probes: int = 5, dropped: int = 0) -> ConsoleObservation:
    return ConsoleObservation(
        id="console-1",
        collector=f"router:{device}",
        at=NOW,
        device=device,
        port=f"/tmp/diag-lab/tty/{device}",
        login_ok=True,
        probes=probes,
        answered=answered,
        dropped_sessions=dropped,
    )


def cpu_log(device: str, pct: int) -> LogObservation:
    text = (
        "%SYS-1-CPURISINGTHRESHOLD: Threshold: Total CPU Utilization(Total/Intr): "
        f"{pct}%/2%, Top 3 processes(Pid/Util): 88/89%, 110/4%, 3/1%"
    )
    return LogObservation(
        id="log-1",
        collector=f"router:{device}",
        at=NOW,
        device=device,
        events=[LogEvent(at="Nov 21 09:12:44.031", category="cpu", text=text)],
        lines_read=1,
    )


def said(**pairs: str) -> list[Observation]:
    """Answers as given on site; `__` in a keyword stands for a dot (a__cpe__e1_ohms)."""
    return list(answers({k.replace("__", "."): v for k, v in pairs.items()}, "observe"))


def run(path: CircuitPath, obs: list[Observation]) -> tuple[list[Finding], Verdict]:
    return analyze(path, [poll(path), *obs])


def fired(findings: list[Finding], ref: str) -> list[Finding]:
    return [f for f in findings if f.kind == "fault" and f.procedure == ref]


def asked(findings: list[Finding], ref: str) -> Finding | None:
    return next((f for f in findings if f.kind == "not_evaluated" and f.procedure == ref), None)


@pytest.fixture
def path_of(lab_inventory: Inventory):  # type: ignore[no-untyped-def]
    def make(cid: str) -> CircuitPath:
        return build_path(lab_inventory.circuits[cid], lab_inventory)

    return make


# --------------------------------------------------------------------------- R-HC-1 (4.1)


def mall_obs() -> list[Observation]:
    """The branch router of case 4.1: CRC growth, a third of the pings lost; HQ clean."""
    return [
        crc("hc1-rtr-b", "Serial1/0/0:0", 300.0),
        crc("hc1-rtr-a", "Serial0/0/0:0", 0.0, n=2),
        ping("hc1-rtr-b", "10.61.0.1", 35.0),
        ping("hc1-rtr-a", "10.61.0.2", 35.0, n=2),
        cpu("hc1-rtr-b", 8.0),
    ]


def test_hc1_fires_at_the_router_with_crc_growth(path_of) -> None:  # type: ignore[no-untyped-def]
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


def test_hc1_confirmed_by_the_router_swap(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = mall_obs() + said(
        test__e1__ber="0", swap__e1_line="no-change", swap__customer_router="fixed"
    )
    (f,) = fired(run(path_of("LAB-HC1-MALL"), obs)[0], "R-HC-1")
    assert f.confidence == 0.95 and "swap cleared it" in f.cause


def test_hc1_weaker_before_the_operator_parts_are_swapped(path_of) -> None:  # type: ignore[no-untyped-def]
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
def test_hc1_does_not_fire_when_the_pattern_breaks(path_of, pairs: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    findings, _ = run(path_of("LAB-HC1-MALL"), mall_obs() + said(**pairs))
    assert fired(findings, "R-HC-1") == []


def test_hc1_does_not_fire_on_an_outage(path_of) -> None:  # type: ignore[no-untyped-def]
    obs: list[Observation] = [
        crc("hc1-rtr-b", "Serial1/0/0:0", 300.0),
        ping("hc1-rtr-b", "10.61.0.1", 100.0),
    ]
    findings, _ = run(path_of("LAB-HC1-MALL"), obs + said(test__e1__ber="0"))
    assert fired(findings, "R-HC-1") == []  # all lost is an outage, not "occasional loss"


def test_hc1_asks_for_the_channel_test(path_of) -> None:  # type: ignore[no-untyped-def]
    findings, _ = run(path_of("LAB-HC1-MALL"), mall_obs())
    q = asked(findings, "R-HC-1")
    assert q is not None and "test.e1.ber" in q.next_steps[0]


def test_healthy_circuit_asks_no_hard_case_question(path_of) -> None:  # type: ignore[no-untyped-def]
    obs: list[Observation] = [
        crc("hc1-rtr-b", "Serial1/0/0:0", 0.0),
        ping("hc1-rtr-b", "10.61.0.1", 0.0),
    ]
    findings, verdict = run(path_of("LAB-HC1-MALL"), obs)
    assert not [f for f in findings if f.procedure.startswith("R-HC")]
    assert verdict.status == "healthy"


# --------------------------------------------------------------------------- R-HC-2a (4.2)


def laptop_obs() -> list[Observation]:
    return [
        ping("hc2a-rtr-a", "192.168.62.2", 65.0),
        ping("hc2a-rtr-b", "192.168.62.1", 65.0, n=2),
        cpu("hc2a-rtr-b", 96.0),
        cpu("hc2a-rtr-a", 6.0, n=2),
    ]


def test_hc2a_clean_laptop_ping_excludes_the_operator(path_of) -> None:  # type: ignore[no-untyped-def]
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


def test_hc2a_lossy_laptop_ping_does_not_exclude_the_operator(path_of) -> None:  # type: ignore[no-untyped-def]
    findings, _ = run(path_of("LAB-HC2A-1"), laptop_obs() + said(test__laptop_ping__loss_pct="40"))
    assert fired(findings, "R-HC-2a") == []
    info = next(f for f in findings if f.rule == "lan-fault-laptop-bypass")
    assert info.kind == "info" and "not excluded" in info.title


def test_hc2a_asks_for_the_laptop_test_on_ethernet_ends(path_of) -> None:  # type: ignore[no-untyped-def]
    findings, _ = run(path_of("LAB-HC2A-1"), laptop_obs())
    assert asked(findings, "R-HC-2a") is not None


def test_hc2a_is_not_asked_where_laptops_cannot_plug_in(path_of) -> None:  # type: ignore[no-untyped-def]
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


def test_hc2b_clean_wan_only_ping_places_the_disconnected_end(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = wan_only_obs() + said(test__wan_only_ping__loss_pct="0", test__wan_only_ping__end="b")
    findings, verdict = run(path_of("LAB-HC2B-1"), obs)
    (f,) = fired(findings, "R-HC-2b")
    assert f.rule == "lan-fault-wan-only-ping" and "operator excluded" in f.cause
    assert f.segment == Segment(from_="hc2b-rtr-b", to="LAB-HC2B-1:lan-b")
    assert verdict.status == "fault_localized" and verdict.owner == "customer"


def test_hc2b_end_from_the_router_signs(path_of) -> None:  # type: ignore[no-untyped-def]
    # not told which end was tested: the router with CRC growth names it
    obs = wan_only_obs() + said(test__wan_only_ping__loss_pct="0")
    (f,) = fired(run(path_of("LAB-HC2B-1"), obs)[0], "R-HC-2b")
    assert f.segment == Segment(from_="hc2b-rtr-b", to="LAB-HC2B-1:lan-b")


def test_hc2b_unknown_end_is_only_suspected_at_both(path_of) -> None:  # type: ignore[no-untyped-def]
    obs: list[Observation] = [
        ping("hc2b-rtr-a", "10.63.0.2", 65.0),
        ping("hc2b-rtr-b", "10.63.0.1", 65.0, n=2),
    ]
    findings, verdict = run(path_of("LAB-HC2B-1"), obs + said(test__wan_only_ping__loss_pct="0"))
    found = fired(findings, "R-HC-2b")
    assert len(found) == 2 and all(f.confidence < 0.7 for f in found)
    assert verdict.status == "fault_suspected"


def test_hc2b_lossy_wan_only_ping_does_not_fire(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = wan_only_obs() + said(test__wan_only_ping__loss_pct="30", test__wan_only_ping__end="b")
    assert fired(run(path_of("LAB-HC2B-1"), obs)[0], "R-HC-2b") == []


# --------------------------------------------------------------------------- R-HC-2c (4.2)


def court_obs() -> list[Observation]:
    """The city court router: loss, CRC growth, CPU 97 % now and in its history, shaky console."""
    return [
        crc("hc2c-rtr-a", "Serial0/0/0:0", 360.0),
        ping("hc2c-rtr-a", "10.67.0.2", 65.0),
        cpu("hc2c-rtr-a", 97.0),
        cpu("hc2c-rtr-a", history=[97, 96, 97, 12], n=2),
        cpu_log("hc2c-rtr-a", 97),
        console("hc2c-rtr-a", answered=3),
        ping("hc2c-rtr-b", "10.67.0.1", 65.0, n=2),
        cpu("hc2c-rtr-b", 8.0, n=3),
    ]


def test_hc2c_the_city_court_case(path_of) -> None:  # type: ignore[no-untyped-def]
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


def test_hc2c_peak_read_from_the_log_alone(path_of) -> None:  # type: ignore[no-untyped-def]
    obs: list[Observation] = [
        ping("hc2c-rtr-a", "10.67.0.2", 65.0),
        cpu("hc2c-rtr-a", 7.0),  # calm right now: only the log remembers the 97 %
        cpu_log("hc2c-rtr-a", 97),
    ]
    (f,) = fired(run(path_of("LAB-HC2C-COURT"), obs + said(test__e1__ber="0"))[0], "R-HC-2c")
    assert f.confidence == 0.6  # one sign of the two
    assert any(e.observation == "log-1" and "97%" in e.text for e in f.evidence)


def test_hc2c_culprit_found(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = court_obs() + said(
        test__e1__ber="0", lan__culprit_found="yes", lan__cpu_with_culprit_pct="97"
    )
    (f,) = fired(run(path_of("LAB-HC2C-COURT"), obs)[0], "R-HC-2c")
    assert f.confidence == 0.95 and "attacking host (CPU 97 %" in f.cause
    assert f.next_steps[0].startswith("Clean or replace the host")


def test_hc2c_without_channel_test_is_weaker(path_of) -> None:  # type: ignore[no-untyped-def]
    (f,) = fired(run(path_of("LAB-HC2C-COURT"), court_obs())[0], "R-HC-2c")
    assert f.confidence == 0.7 and "Test the E1 channel" in f.next_steps[0]


@pytest.mark.parametrize(
    "pairs",
    [
        {"test__e1__ber": "1e-3"},  # the channel has errors: chase those first
        {"test__e1__ber": "0", "lan_isolated__loss_pct": "60"},  # LAN off, still lost
    ],
)
def test_hc2c_does_not_fire_when_the_pattern_breaks(path_of, pairs: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    assert fired(run(path_of("LAB-HC2C-COURT"), court_obs() + said(**pairs))[0], "R-HC-2c") == []


def test_hc2c_quiet_router_does_not_fire(path_of) -> None:  # type: ignore[no-untyped-def]
    obs: list[Observation] = [
        crc("hc2c-rtr-a", "Serial0/0/0:0", 360.0),
        ping("hc2c-rtr-a", "10.67.0.2", 65.0),
        cpu("hc2c-rtr-a", 7.0, history=[9, 8, 12]),
        console("hc2c-rtr-a", answered=5),
    ]
    assert fired(run(path_of("LAB-HC2C-COURT"), obs + said(test__e1__ber="0"))[0], "R-HC-2c") == []


def test_hc2c_dropped_console_session_counts(path_of) -> None:  # type: ignore[no-untyped-def]
    obs: list[Observation] = [
        ping("hc2c-rtr-a", "10.67.0.2", 65.0),
        console("hc2c-rtr-a", answered=5, dropped=1),
    ]
    (f,) = fired(run(path_of("LAB-HC2C-COURT"), obs + said(test__e1__ber="0"))[0], "R-HC-2c")
    assert "1 session(s) dropped" in " ".join(e.text for e in f.evidence)


# --------------------------------------------------------------------------- R-HC-3 (4.3)


def post_obs() -> list[Observation]:
    return [
        crc("hc3-rtr-a", "Serial0/0/0:0", 420.0),
        crc("hc3-rtr-b", "Serial1/0/0:0", 0.0, n=2),
        ping("hc3-rtr-a", "10.64.0.2", 35.0),
    ]


def test_hc3_power_interference_at_the_city_end(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = post_obs() + said(
        test__e1__ber="0",
        symptom__pattern="irregular",
        swap__transmission="no-change",
        swap__e1_line="no-change",
        swap__customer_equipment="no-change",
        a__e1_cable__near_power_cables="yes",
    )
    findings, verdict = run(path_of("LAB-HC3-POST"), obs)
    (f,) = fired(findings, "R-HC-3")
    assert f.rule == "power-interference" and f.confidence == 0.85
    assert f.segment == Segment(from_="hc3-rtr-a", to="hc3-pdh-1")
    assert any("20 cm" in s and "metal conduit" in s for s in f.next_steps)
    assert verdict.segment == f.segment
    # R-HC-1 steps aside: the same pattern, but the cable is seen near power cables
    assert all(g.confidence < 0.7 for g in fired(findings, "R-HC-1"))


def test_hc3_without_the_cabling_seen_asks_for_it(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = post_obs() + said(test__e1__ber="0", symptom__pattern="irregular")
    (f,) = fired(run(path_of("LAB-HC3-POST"), obs)[0], "R-HC-3")
    assert f.confidence == 0.5 and "a.e1_cable.near_power_cables" in f.next_steps[0]


@pytest.mark.parametrize(
    "pairs",
    [
        {"test__e1__ber": "0", "symptom__pattern": "regular"},
        {"test__e1__ber": "0", "symptom__pattern": "irregular", "swap__e1_line": "fixed"},
        {
            "test__e1__ber": "0",
            "symptom__pattern": "irregular",
            "a__e1_cable__near_power_cables": "no",
        },
        {"test__e1__ber": "2e-5", "symptom__pattern": "irregular"},
    ],
)
def test_hc3_does_not_fire_when_the_pattern_breaks(path_of, pairs: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    assert fired(run(path_of("LAB-HC3-POST"), post_obs() + said(**pairs))[0], "R-HC-3") == []


def test_hc3_asks_whether_the_loss_is_irregular(path_of) -> None:  # type: ignore[no-untyped-def]
    findings, _ = run(path_of("LAB-HC3-POST"), post_obs() + said(test__e1__ber="0"))
    q = asked(findings, "R-HC-3")
    assert q is not None and "symptom.pattern" in " ".join(q.next_steps)


# --------------------------------------------------------------------------- R-HC-4a (4.4)


def clinic_obs() -> list[Observation]:
    return [ping("hc4a-rtr-a", "10.65.0.2", 35.0), ping("hc4a-rtr-b", "10.65.0.1", 35.0, n=2)]


def test_hc4a_120_ohm_router_on_a_75_ohm_port(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = clinic_obs() + said(
        test__e1__ber="0", a__cpe__e1_ohms="75", a__e1__impedance_converter="no"
    )
    findings, verdict = run(path_of("LAB-HC4A-1"), obs)
    (f,) = fired(findings, "R-HC-4a")
    assert f.rule == "e1-impedance-mismatch" and f.confidence == 0.8
    assert f.segment == Segment(from_="hc4a-rtr-a", to="hc4a-msap-1")
    assert "120 ohm" in f.cause and "75 ohm" in f.cause
    assert "75/120 ohm impedance converter" in f.next_steps[0]
    assert any("e1-120" in e.text for e in f.evidence)
    assert verdict.status == "fault_localized"


def test_hc4a_converter_not_checked_is_only_suspected(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = clinic_obs() + said(test__e1__ber="0", a__cpe__e1_ohms="75")
    (f,) = fired(run(path_of("LAB-HC4A-1"), obs)[0], "R-HC-4a")
    assert f.confidence == 0.55 and "a.e1.impedance_converter" in f.next_steps[0]


@pytest.mark.parametrize(
    "pairs",
    [
        {"a__cpe__e1_ohms": "120", "a__e1__impedance_converter": "no"},  # same impedance
        {"a__cpe__e1_ohms": "75", "a__e1__impedance_converter": "yes"},  # balun fitted
    ],
)
def test_hc4a_does_not_fire_without_a_mismatch(path_of, pairs: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    obs = clinic_obs() + said(test__e1__ber="0", **pairs)
    assert fired(run(path_of("LAB-HC4A-1"), obs)[0], "R-HC-4a") == []


def test_hc4a_not_asked_on_ethernet_ends(path_of) -> None:  # type: ignore[no-untyped-def]
    findings, _ = run(path_of("LAB-HC2A-1"), laptop_obs())
    assert asked(findings, "R-HC-4a") is None


# --------------------------------------------------------------------------- R-HC-4b (4.4)


def test_hc4b_burnt_customer_pdh_on_operator_sdh(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = said(b__cpe__burn_marks="yes", b__cpe__high_failure_rate="yes")
    findings, verdict = run(path_of("LAB-HC4B-1"), obs)
    (f,) = fired(findings, "R-HC-4b")
    assert f.rule == "customer-cpe-nonconforming" and f.confidence == 0.85
    assert f.segment == Segment(from_="hc4b-pdh-2", to="hc4b-pdh-2")
    assert f.owner == "customer" and "hc4b-sdh-b" in f.cause
    assert "certified equipment" in f.next_steps[0]
    assert (verdict.status, verdict.owner) == ("fault_localized", "customer")


def test_hc4b_failures_with_bit_errors(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = said(b__cpe__high_failure_rate="yes", test__e1__ber="1e-4")
    (f,) = fired(run(path_of("LAB-HC4B-1"), obs)[0], "R-HC-4b")
    assert f.confidence == 0.75 and "bit errors" in f.cause


def test_hc4b_clean_history_does_not_fire(path_of) -> None:  # type: ignore[no-untyped-def]
    obs = said(b__cpe__high_failure_rate="no", b__cpe__burn_marks="no")
    assert fired(run(path_of("LAB-HC4B-1"), obs)[0], "R-HC-4b") == []


def test_hc4b_only_for_customer_owned_equipment(path_of) -> None:  # type: ignore[no-untyped-def]
    # the operator's own PDH: burn marks are a maintenance matter, not R-HC-4b
    findings, _ = run(path_of("LAB-HC1-MALL"), said(b__cpe__burn_marks="yes"))
    assert fired(findings, "R-HC-4b") == [] and asked(findings, "R-HC-4b") is None


def test_an_alarm_on_the_path_comes_first(path_of) -> None:  # type: ignore[no-untyped-def]
    """Symptoms an active NMS alarm explains are step 3.1's: no hard-case question is asked."""
    from diag.model.observations import AlarmDirection, AlarmObservation, Severity

    ais = AlarmObservation(
        id="alarm-1",
        collector="nms:nms-lab",
        at=NOW,
        nms="nms-lab",
        ne="HC1-SDH-A",
        device="hc1-sdh-a",
        port="2-PQ1-7",
        type="AIS",
        layer="E1",
        direction=AlarmDirection.up,
        severity=Severity.major,
        vendor_name="UP_E1_AIS",
    )
    findings, _ = run(path_of("LAB-HC1-MALL"), [ais, *mall_obs()])
    assert not [f for f in findings if f.procedure.startswith("R-HC")]


def test_a_carrier_cut_does_not_silence_a_customer_side_fault(path_of) -> None:  # type: ignore[no-untyped-def]
    # A LOS at SDH A from the A-end PDH's fiber (carrier) and, at the other end, router B at 97 %
    # CPU with its history and log saying so (the LAN attack of case 4.2): two faults, each with
    # its owner; the outage is the headline.
    from diag.model.observations import AlarmDirection, AlarmObservation, Severity

    los = AlarmObservation(
        id="alarm-1",
        collector="nms:nms-lab",
        at=NOW,
        nms="nms-lab",
        ne="HC2C-SDH-A",
        device="hc2c-sdh-a",
        port="2-PQ1-1",
        type="LOS",
        layer="E1",
        direction=AlarmDirection.receive,
        severity=Severity.critical,
        raised=NOW,
        vendor_name="T_ALOS",
    )
    obs: list[Observation] = [
        los,
        ping("hc2c-rtr-a", "10.67.0.2", 100.0),
        ping("hc2c-rtr-b", "10.67.0.1", 100.0, n=2),
        cpu("hc2c-rtr-b", 97.0),
        cpu("hc2c-rtr-b", history=[97, 96, 97, 12], n=2),
        cpu_log("hc2c-rtr-b", 97),
    ]
    _, verdict = run(path_of("LAB-HC2C-COURT"), obs)
    assert verdict.status == "fault_localized"
    owners = [(f.owner, f.rules[0]) for f in verdict.faults]
    assert owners == [("carrier", "signal-loss-localize"), ("customer", "router-congested-by-lan")]
    assert verdict.faults[0].impact == "outage"


def test_hc2c_on_a_cpu_graph_read_in_part_is_weaker_and_asks_for_a_reread(path_of) -> None:  # type: ignore[no-untyped-def]
    # Over a console that lost rows of the 72 h graph the peak is only "at least" what was read:
    # never presented as the peak, the finding weighs less and asks for a clean read.
    whole = court_obs() + said(test__e1__ber="0")
    (f_whole,) = fired(run(path_of("LAB-HC2C-COURT"), whole)[0], "R-HC-2c")
    partial = cpu("hc2c-rtr-a", history=[97, 96, 97, 12], n=2).model_copy(
        update={
            "peak_72h": None,
            "history_72h": [],
            "peak_72h_min": 90.0,
            "quality": "partial",
            "quality_note": "2 of 10 graph rows lost",
            "unread": ["history_72h", "peak_72h"],
        }
    )
    obs = [o if o.id != "cpu-2" else partial for o in court_obs()] + said(test__e1__ber="0")
    obs = [o for o in obs if o.kind != "log"]  # the log would give the exact peak
    (f,) = fired(run(path_of("LAB-HC2C-COURT"), obs)[0], "R-HC-2c")
    assert f.confidence < f_whole.confidence
    assert "at least 90 %" in " ".join(e.text for e in f.evidence)
    assert "not read whole" in f.cause and "2 of 10 graph rows lost" in f.cause
    assert f.next_steps[0].startswith("Read show processes cpu history on hc2c-rtr-a again")
