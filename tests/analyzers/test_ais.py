"""R-AIS-1 / R-AIS-2 from observations alone (no I/O): both directions, consequences, coverage."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from diag.analyzers import analyze
from diag.analyzers.engine import analyze_full
from diag.inventory import load_inventory
from diag.model.observations import (
    AlarmDirection,
    AlarmObservation,
    AnswerObservation,
    NmsPollObservation,
    Observation,
    Severity,
)
from diag.model.path import CircuitPath, Segment, build_path

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def alarm(
    device: str, port: str | None, name: str, direction: AlarmDirection, n: int = 0
) -> AlarmObservation:
    return AlarmObservation(
        id=f"alarm-{n}",
        collector="nms:nms-lab",
        at=NOW,
        nms="nms-lab",
        ne=device.upper(),
        device=device,
        port=port,
        type="AIS",
        layer="E1",
        direction=direction,
        severity=Severity.major,
        raised=NOW,
        vendor_name=name,
    )


def poll(nes: list[str], ok: bool = True, error: str | None = None) -> NmsPollObservation:
    return NmsPollObservation(
        id="nms-poll-nms-lab",
        collector="nms:nms-lab",
        at=NOW,
        nms="nms-lab",
        ok=ok,
        nes=nes,
        error=error,
    )


@pytest.fixture(scope="module")
def ais1(tmp_path_factory: pytest.TempPathFactory) -> CircuitPath:
    # The shipped scenario's circuit with the lab NMS, alone: other scenarios being edited
    # elsewhere cannot break these tests.
    d = tmp_path_factory.mktemp("inventory")
    shutil.copy(ROOT / "inventory" / "nms.yaml", d / "nms.yaml")
    shutil.copy(
        ROOT / "fixtures" / "scenarios" / "ais-first-station" / "inventory.yaml", d / "c.yaml"
    )
    inv = load_inventory(d)
    return build_path(inv.circuits["LAB-E1-AIS1"], inv)


def test_ais_at_first_station_is_r_ais_1(ais1: CircuitPath) -> None:
    obs: list[Observation] = [
        alarm("ais1-sdh-a", "2-PQ1-5", "UP_E1_AIS", AlarmDirection.up),
        poll(["X"]),
    ]
    findings, verdict = analyze(ais1, obs)
    assert verdict.status == "fault_localized"
    assert verdict.segment == Segment(from_="ais1-pdh-1", to="ais1-sdh-a")
    assert verdict.owner == "carrier"
    (f,) = [f for f in findings if f.kind == "fault"]
    assert (f.procedure, f.direction, f.rule) == ("R-AIS-1", "a-to-b", "ais-upstream-localize")
    assert f.evidence[0].observation == "alarm-0"


def test_ais_at_second_station_is_r_ais_2_with_consequence(ais1: CircuitPath) -> None:
    obs: list[Observation] = [
        alarm("ais1-sdh-c", "2-PQ1-21", "UP_E1_AIS", AlarmDirection.up, 1),
        alarm("ais1-sdh-b", "4-PQ1-12", "E1_AIS", AlarmDirection.none, 2),
        poll(["X"]),
    ]
    findings, verdict = analyze(ais1, obs)
    assert verdict.segment == Segment(from_="ais1-pdh-1", to="ais1-sdh-b")
    kinds = {(f.kind, f.procedure) for f in findings if f.kind in ("fault", "consequence")}
    assert kinds == {("fault", "R-AIS-2"), ("consequence", "R-AIS-2")}
    assert next(f for f in findings if f.kind == "consequence").evidence[0].observation == "alarm-1"


def test_upstream_station_wins_when_both_report(ais1: CircuitPath) -> None:
    obs: list[Observation] = [
        alarm("ais1-sdh-b", "4-PQ1-12", "UP_E1_AIS", AlarmDirection.up, 1),
        alarm("ais1-sdh-a", "2-PQ1-5", "UP_E1_AIS", AlarmDirection.up, 2),
        poll(["X"]),
    ]
    _, verdict = analyze(ais1, obs)
    assert verdict.segment == Segment(from_="ais1-pdh-1", to="ais1-sdh-a")


def test_b_to_a_direction(ais1: CircuitPath) -> None:
    # DOWN_E1_AIS on SDH B's A-side port: the signal it sends towards A is AIS, so the break is
    # upstream in the B-to-A direction: between PDH 2 and SDH B.
    obs: list[Observation] = [
        alarm("ais1-sdh-b", "4-PQ1-12", "DOWN_E1_AIS", AlarmDirection.down),
        poll(["X"]),
    ]
    findings, verdict = analyze(ais1, obs)
    assert verdict.segment == Segment(from_="ais1-sdh-b", to="ais1-pdh-2")
    f = next(f for f in findings if f.kind == "fault")
    assert (f.direction, f.procedure) == ("b-to-a", "R-AIS-2")


def test_two_directions_two_faults(ais1: CircuitPath) -> None:
    obs: list[Observation] = [
        alarm("ais1-sdh-a", "2-PQ1-5", "UP_E1_AIS", AlarmDirection.up, 1),
        alarm("ais1-sdh-c", None, "E1_AIS", AlarmDirection.none, 2),
        poll(["X"]),
    ]
    obs[1] = obs[1].model_copy(update={"port": "2-PQ1-21", "direction": AlarmDirection.down})
    findings, verdict = analyze(ais1, obs)
    faults = [f for f in findings if f.kind == "fault"]
    assert {f.direction for f in faults} == {"a-to-b", "b-to-a"}
    assert "2 faults localized" in verdict.summary
    # two faults, each on its own segment; never their union
    assert [f.segment for f in verdict.faults] == [
        Segment(from_="ais1-pdh-1", to="ais1-sdh-a"),
        Segment(from_="ais1-sdh-c", to="ais1-pdh-2"),
    ]
    assert verdict.segment == verdict.faults[0].segment


ALL = ["AIS1-PDH-1", "AIS1-SDH-A", "AIS1-SDH-B", "AIS1-SDH-C", "AIS1-PDH-2"]


def laptop_ping_clean() -> AnswerObservation:
    return AnswerObservation(
        id="answer-1",
        collector="answers",
        at=NOW,
        key="test.laptop_ping.loss_pct",
        value="0",
        source="observe",
    )


def test_ais_on_another_tributary_is_context_not_a_fault(ais1: CircuitPath) -> None:
    # SDH B lists both of the circuit's ports: 9-PQ1-1 is another circuit's tributary.
    obs: list[Observation] = [
        alarm("ais1-sdh-b", "9-PQ1-1", "E1_AIS", AlarmDirection.none),
        poll(ALL),
    ]
    a = analyze_full(ais1, [*obs, laptop_ping_clean()])
    assert not [f for f in a.findings if f.kind == "fault"]
    assert a.verdict.status == "healthy"
    (c,) = a.context
    assert (c.element, c.port, c.reason) == ("ais1-sdh-b", "9-PQ1-1", "other-port")


def test_ais_on_a_port_the_inventory_cannot_place_is_an_inventory_note(ais1: CircuitPath) -> None:
    # SDH C lists only its A-side port: 7-PQ1-3 may be the circuit's B side.
    obs: list[Observation] = [
        alarm("ais1-sdh-c", "7-PQ1-3", "E1_AIS", AlarmDirection.none),
        poll(ALL),
    ]
    a = analyze_full(ais1, [*obs, laptop_ping_clean()])
    assert not [f for f in a.findings if f.kind == "fault"] and not a.context
    (n,) = a.inventory_notes
    assert n.element == "ais1-sdh-c" and "b_port" in n.next_step


def test_no_alarm_and_a_clean_line_test_is_healthy(ais1: CircuitPath) -> None:
    _, verdict = analyze(ais1, [poll(ALL), laptop_ping_clean()])
    assert verdict.status == "healthy"
    assert "5 NEs read from the NMS" in verdict.summary
    # no alarm, but nothing tested the line end to end: not healthy
    _, verdict = analyze(ais1, [poll(ALL)])
    assert verdict.status == "inconclusive" and "no end-to-end test" in verdict.summary


def test_unreadable_nms_is_inconclusive(ais1: CircuitPath) -> None:
    findings, verdict = analyze(ais1, [poll(["AIS1-SDH-A"], ok=False, error="no SNMP answer")])
    assert verdict.status == "inconclusive"
    assert findings[0].kind == "unreachable" and "no SNMP answer" in verdict.summary


def test_no_nms_at_all_is_inconclusive(ais1: CircuitPath) -> None:
    _, verdict = analyze(ais1, [])
    assert verdict.status == "inconclusive"


def test_los_on_a_circuit_port_localises_the_span_feeding_it(ais1: CircuitPath) -> None:
    # R_LOS on SDH B's B-side port: the signal SDH C sends to it (B→A) is lost.
    los = alarm("ais1-sdh-b", "5-PQ1-12", "R_LOS", AlarmDirection.receive).model_copy(
        update={"type": "LOS", "layer": "RS"}
    )
    findings, verdict = analyze(ais1, [los, poll(["X"])])
    assert verdict.status == "fault_localized"
    assert verdict.segment == Segment(from_="ais1-sdh-b", to="ais1-sdh-c")
    (f,) = [f for f in findings if f.kind == "fault"]
    assert (f.rule, f.direction, f.procedure) == ("signal-loss-localize", "b-to-a", "3.1")


def test_alarm_on_a_port_off_the_circuit_is_context(ais1: CircuitPath) -> None:
    los = alarm("ais1-sdh-b", "9-PQ1-1", "T_ALOS", AlarmDirection.none).model_copy(
        update={"type": "LOS"}
    )
    a = analyze_full(ais1, [los, poll(ALL)])
    assert not [f for f in a.findings if f.kind == "fault"]
    assert a.verdict.status == "inconclusive"  # no end-to-end test, but no fault either
    assert [c.alarm for c in a.context] == ["T_ALOS"]
