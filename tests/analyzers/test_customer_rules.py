"""Step 3.2 (R-LED-1, R-OPT-1, R-OPT-2, R-LED-3, R-LED-4a/b/c, R-LED-5) from answers alone: each
rule fires on its condition at the right segment and owner, stays silent otherwise, and is not
even asked at an end whose interface kind has no such lamp."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from diag.analyzers import analyze
from diag.analyzers.answers import observations
from diag.analyzers.playbook import load
from diag.analyzers.rules.optical import check_power
from diag.model.findings import Finding
from diag.model.inventory import Circuit, Device, Inventory
from diag.model.observations import (
    AlarmDirection,
    AlarmObservation,
    AnswerObservation,
    DeviceAccessObservation,
    InterfaceObservation,
    Observation,
    Severity,
)
from diag.model.path import CircuitPath, Segment, build_path

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
_CONVERTER = {
    "v35-dte": "v35-converter",
    "v35-dce": "v35-converter",
    "ethernet": "ethernet-converter",
}
ARTICLE_FIBRE = {  # DOMAIN.md §1.2 R-OPT-2 worked example (article L523)
    "between": ["pdh-1", "pdh-co"],
    "kind": "fiber",
    "label": "fibre to the CO PDH",
    "launch_power_dbm": -5,
    "attenuation_db": 1,
    "overload_dbm": -8,
    "sensitivity_dbm": -36,
}


def make_path(
    a: str = "e1-120",
    b: str = "e1-75",
    *,
    links: list[dict[str, Any]] | None = None,
    co_pdh: bool = False,
) -> CircuitPath:
    """LAN-a rtr-a [conv-a] pdh-1 [pdh-co] sdh-a sdh-b pdh-2 [conv-b] rtr-b LAN-b, with a
    converter where the interface needs one; `co_pdh` puts a CO-end PDH right after pdh-1."""
    devices: list[dict[str, Any]] = [
        {"name": "rtr-a", "role": "router", "vendor": "cisco", "device_type": "cisco_ios"},
        {"name": "pdh-1", "role": "pdh", "vendor": "huawei"},
        {"name": "sdh-a", "role": "sdh", "vendor": "huawei", "nms": "nms-x", "ne_name": "SDH-A"},
        {"name": "sdh-b", "role": "sdh", "vendor": "huawei", "nms": "nms-x", "ne_name": "SDH-B"},
        {"name": "pdh-2", "role": "pdh", "vendor": "huawei"},
        {"name": "rtr-b", "role": "router", "vendor": "huawei", "device_type": "huawei"},
    ]
    ends: dict[str, dict[str, Any]] = {}
    for side, iface in (("a", a), ("b", b)):
        end: dict[str, Any] = {
            "site": f"Site {side.upper()}",
            "router": f"rtr-{side}",
            "wan_interface": "GigabitEthernet0/1" if iface == "ethernet" else "Serial0/0/0",
            "wan_ip": f"10.0.0.{1 if side == 'a' else 2}/30",
            "cpe": "pdh-1" if side == "a" else "pdh-2",
            "cpe_port": "E1-1",
            "interface": iface,
        }
        if iface in _CONVERTER:
            devices.append({"name": f"conv-{side}", "role": _CONVERTER[iface], "vendor": "rc"})
            end["converter"] = f"conv-{side}"
        ends[side] = end
    transport: list[dict[str, Any]] = [{"ne": "sdh-a", "a_port": "1-1"}, {"ne": "sdh-b"}]
    if co_pdh:
        devices.append({"name": "pdh-co", "role": "pdh", "vendor": "huawei"})
        transport.insert(0, {"ne": "pdh-co"})
    circuit = Circuit.model_validate(
        {
            "id": "T-1",
            "customer": "test",
            "service": "e1",
            "bandwidth": "2M",
            "a": ends["a"],
            "b": ends["b"],
            "transport": transport,
            "links": links or [],
        }
    )
    inv = Inventory(
        nms={},
        devices={d["name"]: Device.model_validate(d) for d in devices},
        circuits={"T-1": circuit},
    )
    return build_path(circuit, inv)


def said(**answers: str) -> list[AnswerObservation]:
    """Answers as observations; `__` stands for a dot: said(a__cpe__lamp__power="off")."""  # noqa: D402
    return observations({k.replace("__", "."): v for k, v in answers.items()}, "observe")


def run(path: CircuitPath, obs: Sequence[Observation], rule: str) -> list[Finding]:
    findings, _ = analyze(path, obs)
    return [f for f in findings if f.rule == rule]


def faults(path: CircuitPath, obs: Sequence[Observation], rule: str) -> list[Finding]:
    return [f for f in run(path, obs, rule) if f.kind == "fault"]


def seg(x: str, y: str | None = None) -> Segment:
    return Segment(from_=x, to=y or x)


# --------------------------------------------------------------------------- playbook


def test_step_3_2_lists_every_customer_rule_with_refs() -> None:
    step = next(s for s in load() if s.id == "3.2")
    refs = {ref for r in step.rules for ref in r.refs}
    assert {"R-LED-1", "R-LED-3", "R-LED-4a", "R-LED-4b", "R-LED-4c", "R-LED-5"} <= refs
    assert {"R-OPT-1", "R-OPT-2"} <= refs
    assert all(r.step == "3.2" for r in step.rules)


def test_lamps_of_other_interface_kinds_are_not_even_asked() -> None:
    findings, _ = analyze(make_path("e1-120", "e1-75"), [])
    rules = {f.rule for f in findings}
    assert "cpe-lamp-dead" in rules  # every end has a CPE: asked (not evaluated)
    for absent in (
        "converter-lamp-dead",
        "e1-los-converter-cable",
        "ethernet-port-lamp-off",
        "v35-tx-lamp-off",
    ):
        assert absent not in rules
    findings, _ = analyze(make_path("v35-dte", "e1-75"), [])
    rules = {f.rule for f in findings}
    assert "v35-tx-lamp-off" in rules and "ethernet-port-lamp-off" not in rules


def test_a_v35_lamp_is_only_read_at_the_v35_end() -> None:
    path = make_path("ethernet", "v35-dte")
    # the tx answer given for the Ethernet end is meaningless there and ignored
    assert faults(path, said(a__converter__lamp__tx="off"), "v35-tx-lamp-off") == []
    (f,) = faults(path, said(b__converter__lamp__tx="off"), "v35-tx-lamp-off")
    assert f.segment == seg("conv-b", "rtr-b")


# --------------------------------------------------------------------------- R-LED-1


def test_cpe_power_lamp_off_is_the_cpe() -> None:
    path = make_path()
    obs = said(a__cpe__lamp__power="off", a__cpe__lamp__run="off", b__cpe__lamp__power="on")
    (f,) = faults(path, obs, "cpe-lamp-dead")
    assert (f.procedure, f.segment, f.owner, f.confidence) == (
        "R-LED-1",
        seg("pdh-1"),
        "carrier",
        0.9,
    )
    assert {e.observation for e in f.evidence} == {o.id for o in obs if o.key.startswith("a.")}
    _, v = analyze(path, obs)
    assert (v.status, v.segment, v.owner) == ("fault_localized", seg("pdh-1"), "carrier")


def test_run_lamp_flashing_abnormally_is_the_cpe_and_normal_blinking_is_not() -> None:
    path = make_path()
    (f,) = faults(path, said(b__cpe__lamp__run="flashing-abnormal"), "cpe-lamp-dead")
    assert f.segment == seg("pdh-2") and f.confidence == 0.8
    ok = said(a__cpe__lamp__power="on", a__cpe__lamp__run="flashing", b__cpe__lamp__run="on")
    assert run(path, ok, "cpe-lamp-dead") == []


def test_converter_lamp_dead_is_the_converter() -> None:
    path = make_path("e1-120", "v35-dte")
    (f,) = faults(path, said(b__converter__lamp__run="flashing-abnormal"), "converter-lamp-dead")
    assert (f.segment, f.owner) == (seg("conv-b"), "carrier")
    assert faults(path, said(b__converter__lamp__power="on"), "converter-lamp-dead") == []


# --------------------------------------------------------------------------- R-OPT-1


def test_loss_of_light_is_the_customer_end_fibre_confirmed_by_cable_work() -> None:
    path = make_path()
    obs = said(a__cpe__lamp__optical_alarm="on", a__recent_cabling_work="yes")
    (f,) = faults(path, obs, "optical-loss-of-light")
    assert (f.segment, f.owner, f.direction) == (seg("pdh-1", "sdh-a"), "carrier", "b-to-a")
    assert f.confidence == 0.9 and "tidied" in f.cause
    # not yet asked: the next steps ask the article's two confirmation questions
    (f,) = faults(path, said(b__cpe__lamp__optical_alarm="on"), "optical-loss-of-light")
    assert f.confidence == 0.8 and f.segment == seg("sdh-b", "pdh-2")
    assert any("b.recent_cabling_work" in s for s in f.next_steps)
    assert any("b.nearby_construction" in s for s in f.next_steps)


def test_no_optical_alarm_no_fibre_fault() -> None:
    obs = said(a__cpe__lamp__optical_alarm="off", b__cpe__lamp__optical_alarm="off")
    assert run(make_path(), obs, "optical-loss-of-light") == []


# --------------------------------------------------------------------------- R-OPT-2


def test_article_example_power_check() -> None:
    c = check_power(-5 - 1, -8, -36, over_margin=3, sens_margin=3)
    assert (c.state, c.rx_dbm, c.attenuate_min_db, c.attenuate_db) == ("overload", -6, 2, 5)


@pytest.mark.parametrize(
    ("rx", "state"),
    [
        (-14, "ok"),
        (-9, "near-overload"),
        (-34, "marginal"),
        (-37, "too-weak"),
        (-8, "near-overload"),
    ],
)
def test_power_states(rx: float, state: str) -> None:
    assert check_power(rx, -8, -36, 3, 3).state == state


def test_attenuator_never_pushes_the_power_near_sensitivity() -> None:
    c = check_power(-6, -8, -12, 3, 3)  # narrow range: 5 dB would land at -11, within 3 dB of -12
    assert (c.attenuate_min_db, c.attenuate_db) == (2, 3)


def test_article_budget_from_inventory_figures_says_how_much_to_attenuate() -> None:
    path = make_path(links=[ARTICLE_FIBRE], co_pdh=True)
    (f,) = faults(path, [], "optical-power-budget")
    assert (f.procedure, f.segment, f.owner) == ("R-OPT-2", seg("pdh-1", "pdh-co"), "carrier")
    assert "-6 dBm" in f.cause and "2 dB above" in f.cause and "-8 dBm" in f.cause
    assert any("at least 2 dB" in s and "5 dB recommended" in s for s in f.next_steps)
    assert any("Measure the actual received power" in s for s in f.next_steps)
    assert f.confidence == 0.6  # book figures only: suspected until measured
    with_errors = faults(path, said(test__e1__ber="1e-5"), "optical-power-budget")
    assert with_errors[0].confidence == 0.8 and "BER 1e-05" in with_errors[0].cause


def test_measured_overload_without_inventory_limits_uses_the_article_default() -> None:
    path = make_path()  # no figures at all in the inventory
    (f,) = faults(path, said(a__optical__rx_power_dbm="-6"), "optical-power-budget")
    assert f.segment == seg("pdh-1", "sdh-a") and f.direction == "b-to-a"
    assert "assumed" in f.cause and f.confidence == 0.75
    (f,) = faults(path, said(a__optical__co_rx_power_dbm="-40"), "optical-power-budget")
    assert "below the receiver's sensitivity" in f.cause and f.direction == "a-to-b"
    assert f.confidence == 0.6  # against a default sensitivity: suspected only
    known = [dict(ARTICLE_FIBRE, between=["pdh-1", "sdh-a"])]
    (f,) = faults(
        make_path(links=known), said(a__optical__rx_power_dbm="-40"), "optical-power-budget"
    )
    assert f.confidence == 0.9 and "assumed" not in f.cause


def test_budget_within_range_gives_nothing_and_no_figures_asks_for_a_measurement() -> None:
    fine = dict(ARTICLE_FIBRE, attenuation_db=9)  # -14 dBm: the shipped healthy-e1 figures
    assert run(make_path(links=[fine], co_pdh=True), [], "optical-power-budget") == []
    (f,) = run(make_path(), [], "optical-power-budget")
    assert f.kind == "not_evaluated" and any("rx_power_dbm" in s for s in f.next_steps)


def test_bit_errors_without_other_alarm_suspect_optical_power_first() -> None:
    path = make_path()
    obs = said(test__e1__ber="2e-5", a__cpe__lamp__power="on")
    found = faults(path, obs, "e1-errors-optical-first")
    assert {f.segment for f in found} == {seg("pdh-1", "sdh-a"), seg("sdh-b", "pdh-2")}
    assert all(f.confidence == 0.5 and f.procedure == "R-OPT-2" for f in found)
    assert any("a.optical.rx_power_dbm" in s for s in found[0].next_steps)


def test_bit_errors_with_known_power_or_another_alarm_do_not_suspect_optics() -> None:
    path = make_path()
    assert run(path, said(test__e1__ber="0"), "e1-errors-optical-first") == []
    lamp = said(test__e1__ber="2e-5", a__cpe__lamp__e1_alarm="on")
    (f,) = run(path, lamp, "e1-errors-optical-first")
    assert f.kind == "info" and "other alarms" in f.cause
    alarm = AlarmObservation(
        id="alarm-1",
        collector="nms:x",
        at=NOW,
        nms="x",
        ne="SDH-A",
        device="sdh-a",
        port="1-1",
        type="LOS",
        layer="E1",
        direction=AlarmDirection.receive,
        severity=Severity.major,
        vendor_name="T_ALOS",
    )
    (f,) = run(path, [*said(test__e1__ber="2e-5"), alarm], "e1-errors-optical-first")
    assert f.kind == "info"
    fine = [
        dict(ARTICLE_FIBRE, between=["pdh-1", "sdh-a"], attenuation_db=9),
        dict(ARTICLE_FIBRE, between=["sdh-b", "pdh-2"], attenuation_db=9),
    ]
    (f,) = run(make_path(links=fine), said(test__e1__ber="2e-5"), "e1-errors-optical-first")
    assert f.kind == "info" and "within" in f.title


# --------------------------------------------------------------------------- R-LED-3


def test_far_end_power_failure_is_the_co_device_opposite_the_cpe() -> None:
    path = make_path(co_pdh=True)
    (f,) = faults(path, said(a__cpe__far_end_alarm="power-failure"), "far-end-alarm-co-device")
    assert (f.segment, f.owner, f.confidence) == (seg("pdh-co"), "carrier", 0.85)
    (f,) = faults(path, said(b__cpe__far_end_alarm="loss-of-light"), "far-end-alarm-co-device")
    assert (f.segment, f.direction, f.confidence) == (seg("sdh-b"), "b-to-a", 0.7)


def test_no_far_end_lamp_no_finding() -> None:
    obs = said(a__cpe__far_end_alarm="none", b__cpe__far_end_alarm="none")
    assert run(make_path(), obs, "far-end-alarm-co-device") == []


# --------------------------------------------------------------------------- R-LED-4a


def test_e1_los_with_quiet_ethernet_converter_is_the_cable_between_them() -> None:
    path = make_path("ethernet", "ethernet")
    obs = said(a__cpe__lamp__e1_alarm="on", a__converter__lamp__alarm="off")
    (f,) = faults(path, obs, "e1-los-converter-cable")
    assert (f.segment, f.owner, f.confidence) == (seg("conv-a", "pdh-1"), "carrier", 0.8)
    assert f.direction == "a-to-b" and len(f.evidence) == 2
    _, v = analyze(path, obs)
    assert (v.status, v.segment) == ("fault_localized", seg("conv-a", "pdh-1"))


def test_e1_los_at_a_v35_converter_end_carries_over_with_less_confidence() -> None:
    obs = said(b__cpe__lamp__e1_alarm="on", b__converter__lamp__alarm="off")
    (f,) = faults(make_path("e1-120", "v35-dte"), obs, "e1-los-converter-cable")
    assert (f.segment, f.confidence) == (seg("pdh-2", "conv-b"), 0.7)


def test_e1_los_needs_the_converter_lamp_and_silence_without_los() -> None:
    path = make_path("ethernet", "ethernet")
    (f,) = run(path, said(a__cpe__lamp__e1_alarm="on"), "e1-los-converter-cable")
    assert f.kind == "not_evaluated" and "a.converter.lamp.alarm" in f.next_steps[0]
    (f,) = faults(
        path,
        said(a__cpe__lamp__e1_alarm="on", a__converter__lamp__alarm="on"),
        "e1-los-converter-cable",
    )
    assert f.confidence == 0.5  # outside the article's condition: suspected only
    quiet = said(a__cpe__lamp__e1_alarm="off", a__converter__lamp__alarm="off")
    assert run(path, quiet, "e1-los-converter-cable") == []


def test_e1_los_at_an_e1_direct_end_is_the_customers_e1_cable_or_port() -> None:
    path = make_path("e1-120", "ethernet")
    (f,) = faults(path, said(a__cpe__lamp__e1_alarm="on"), "e1-los-customer-e1-cable")
    assert (f.segment, f.owner, f.confidence) == (seg("rtr-a", "pdh-1"), "unknown", 0.7)
    # the Ethernet-converter end is the other rule's
    assert run(path, said(b__cpe__lamp__e1_alarm="on"), "e1-los-customer-e1-cable") == []
    assert run(path, said(a__cpe__lamp__e1_alarm="off"), "e1-los-customer-e1-cable") == []


# --------------------------------------------------------------------------- R-LED-4b


def test_dark_ethernet_lamp_is_the_converter_or_the_customers_cable_or_switch() -> None:
    path = make_path("ethernet", "ethernet")
    (f,) = faults(path, said(b__converter__lamp__ethernet="off"), "ethernet-port-lamp-off")
    assert (f.segment, f.owner, f.confidence) == (seg("conv-b", "T-1:lan-b"), "unknown", 0.75)
    assert any("self-check" in s for s in f.next_steps)
    assert any("laptop" in s for s in f.next_steps)
    lit = said(b__converter__lamp__ethernet="flashing", a__converter__lamp__ethernet="on")
    assert run(path, lit, "ethernet-port-lamp-off") == []


def test_dark_ethernet_lamp_contradicted_by_the_router_is_doubtful() -> None:
    wan = InterfaceObservation(
        id="interface-1",
        collector="router:rtr-b",
        at=NOW,
        device="rtr-b",
        interface="GigabitEthernet0/1",
        source="cli",
        line_up=True,
    )
    obs: list[Observation] = [*said(b__converter__lamp__ethernet="off"), wan]
    (f,) = faults(make_path("ethernet", "ethernet"), obs, "ethernet-port-lamp-off")
    assert f.confidence == 0.5 and f.evidence[-1].observation == "interface-1"


# --------------------------------------------------------------------------- R-LED-4c


def test_v35_tx_lamp_off_is_the_router_port_or_the_converter() -> None:
    path = make_path("v35-dte", "e1-75")
    obs = said(a__converter__lamp__tx="off", a__converter__lamp__rx="flashing")
    (f,) = faults(path, obs, "v35-tx-lamp-off")
    assert (f.segment, f.owner, f.confidence) == (seg("rtr-a", "conv-a"), "unknown", 0.75)
    assert "RX is flashing" in f.cause
    wan = InterfaceObservation(
        id="interface-1",
        collector="router:rtr-a",
        at=NOW,
        device="rtr-a",
        interface="Serial0/0/0",
        source="cli",
        line_up=False,
        v35_leads={"DCD": False, "DSR": True, "DTR": False, "RTS": False, "CTS": False},
    )
    (f,) = faults(path, [*obs, wan], "v35-tx-lamp-off")
    assert f.confidence == 0.85 and "DTR/RTS down" in f.evidence[-1].text
    assert run(path, said(a__converter__lamp__tx="flashing"), "v35-tx-lamp-off") == []


# --------------------------------------------------------------------------- R-LED-5


def test_router_run_lamp_off_is_the_customer_router() -> None:
    path = make_path()
    (f,) = faults(path, said(a__router__lamp__run="off"), "customer-router-or-lan")
    assert (f.segment, f.owner, f.confidence) == (seg("rtr-a"), "customer", 0.8)
    reached = DeviceAccessObservation(
        id="device-access-1", collector="router:rtr-a", at=NOW, device="rtr-a", via="ssh", ok=True
    )
    (f,) = faults(path, [*said(a__router__lamp__run="off"), reached], "customer-router-or-lan")
    assert f.confidence == 0.5  # the router answered over SSH: the lamp report is doubtful


def test_switch_lamps_in_unison_is_the_customer_lan() -> None:
    path = make_path()
    obs = said(b__switch__ports_blink_in_unison="yes", a__router__lamp__run="flashing-abnormal")
    found = faults(path, obs, "customer-router-or-lan")
    assert {(f.segment, f.owner) for f in found} == {
        (seg("T-1:lan-b"), "customer"),
        (seg("rtr-a"), "customer"),
    }
    normal = said(a__router__lamp__run="flashing", b__switch__ports_blink_in_unison="no")
    assert run(path, normal, "customer-router-or-lan") == []
