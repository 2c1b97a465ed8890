"""Step 3.1 alarm correlation along the path, from data alone: roots and consequences per
direction (LOS / LOF), long chains, two faults, power and board alarms.  Optical power, masking,
RDI/RAI, path AIS, errors, DS1-MIB line status and timing are in test_alarm_correlation_signals.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diag.analyzers.engine import analyze_full
from diag.model.observations import AnswerObservation, Observation, Severity
from diag.model.path import CircuitPath
from tests.analyzers.alarm_chain import NOW, Obs, chain, consequences, faults, poll, run, seg

# ------------------------------------------------------------------------------ LOS / LOF


def test_fiber_cut_los_with_rdi_upstream_and_ais_downstream(six: CircuitPath) -> None:
    a = Obs()
    obs = [
        a("sdh-3", "4-SL4-1", "R_LOS", severity=Severity.critical),  # alarm-1: the root
        a("sdh-2", "5-SL4-1", "MS_RDI"),  # sdh-3 answers upstream
        a("sdh-1", "1-OI2-1", "LP_RDI"),  # the VC-12 sink answers its source
        a("sdh-4", "4-SL4-1", "AU_AIS"),  # AIS inserted downstream
        a("sdh-6", "2-OI2-1", "TU_AIS"),  # VC-12 demapped towards B
        a("pdh-2", "E1-4", "DOWN_E1_AIS"),  # and the E1 the customer gets
    ]
    findings, verdict = run(six, obs)
    (f,) = faults(findings)
    assert (f.rule, f.procedure, f.direction) == ("signal-loss-localize", "3.1", "a-to-b")
    assert f.segment == seg("sdh-2", "sdh-3") and f.owner == "carrier"
    assert f.confidence == 0.9  # corroborated by consequences in time
    assert f.evidence[0].observation == "alarm-1"
    assert any("optical power meter" in s for s in f.next_steps)
    assert any("OTDR" in s for s in f.next_steps)
    cons = consequences(findings)
    assert {c.evidence[0].observation for c in cons} == {f"alarm-{k}" for k in range(2, 7)}
    assert {c.direction for c in cons} == {"a-to-b"}
    by = {c.evidence[0].observation: c for c in cons}
    assert by["alarm-2"].rule == by["alarm-3"].rule == "rdi-upstream-consequence"
    assert by["alarm-4"].rule == by["alarm-6"].rule == "ais-downstream-consequence"
    assert by["alarm-6"].procedure == "R-AIS-2"  # the E1 AIS: the article's reading
    assert (verdict.status, verdict.segment, verdict.owner) == (
        "fault_localized",
        seg("sdh-2", "sdh-3"),
        "carrier",
    )


def test_same_cut_in_the_other_direction(six: CircuitPath) -> None:
    a = Obs()
    obs = [
        a("sdh-2", "5-SL4-1", "R_LOS"),
        a("sdh-3", "4-SL4-1", "MS_RDI"),
        a("sdh-1", "4-SL4-1", "AU_AIS"),  # sdh-1's A port is 1-OI2-1: not the circuit's
        a("pdh-1", "E1-1", "DOWN_E1_AIS"),
    ]
    findings, verdict = run(six, obs)
    (f,) = faults([x for x in findings if x.rule != "alarm-on-path"])
    assert (f.segment, f.direction) == (seg("sdh-2", "sdh-3"), "b-to-a")
    assert {c.direction for c in consequences(findings)} == {"b-to-a"}
    # AU_AIS on a port the hop does not list (sdh-1 lists 1-OI2-1 and 5-SL4-1): context
    assert not [x for x in findings if x.rule == "alarm-on-path"]
    assert [c.alarm for c in analyze_full(six, [*obs, poll()]).context] == ["AU_AIS"]
    assert verdict.segment == seg("sdh-2", "sdh-3")


@pytest.mark.parametrize("n", [6, 10])
@pytest.mark.parametrize("flow", ["a-to-b", "b-to-a"])
def test_los_anywhere_on_a_long_chain(tmp_path: Path, n: int, flow: str) -> None:
    path = chain(tmp_path, n)
    for k in range(2, n + 1):
        if flow == "a-to-b":
            obs = [Obs()(f"sdh-{k}", "4-SL4-1", "R_LOS")]
            want = seg(f"sdh-{k - 1}", f"sdh-{k}")
        else:
            obs = [Obs()(f"sdh-{k - 1}", "5-SL4-1", "R_LOS")]
            want = seg(f"sdh-{k - 1}", f"sdh-{k}")
        findings, verdict = run(path, obs)
        (f,) = faults(findings)
        assert (f.segment, f.direction, f.confidence) == (want, flow, 0.85), k
        assert verdict.status == "fault_localized"


def test_e1_los_at_the_customer_port_is_the_customer_side_span(six: CircuitPath) -> None:
    findings, _ = run(six, [Obs()("pdh-2", "E1-4", "T_ALOS")])
    (f,) = faults(findings)
    assert (f.segment, f.direction, f.owner) == (seg("pdh-2", "rtr-b"), "b-to-a", "unknown")
    assert "step 3.2" in f.next_steps[0]


def test_los_on_the_cpe_line_port(six: CircuitPath) -> None:
    # R_LOS on the PDH's optical line port (cpe_line): the fiber from the transport.
    findings, _ = run(six, [Obs()("pdh-2", "1-OI2-1", "R_LOS")])
    (f,) = faults(findings)
    assert (f.segment, f.direction) == (seg("sdh-6", "pdh-2"), "a-to-b")


def test_lof_is_the_span_and_names_a_framing_mismatch(six: CircuitPath) -> None:
    findings, _ = run(six, [Obs()("sdh-4", "4-SL4-1", "R_LOF")])
    (f,) = faults(findings)
    assert (f.segment, f.confidence) == (seg("sdh-3", "sdh-4"), 0.8)
    assert "framing mismatch" in f.cause


def clean_line() -> AnswerObservation:
    return AnswerObservation(
        id="answer-1",
        collector="answers",
        at=NOW,
        key="test.laptop_ping.loss_pct",
        value="0",
        source="observe",
    )


def test_no_alarm_no_fault(six: CircuitPath) -> None:
    findings, verdict = run(six, [clean_line()])
    assert faults(findings) == [] and consequences(findings) == []
    assert verdict.status == "healthy"


def test_alarm_of_an_ne_off_the_path_is_ignored(six: CircuitPath) -> None:
    stray = Obs()("other-ne", "4-SL4-1", "R_LOS").model_copy(update={"device": None})
    stray_obs: list[Observation] = [stray, clean_line()]
    findings, verdict = run(six, stray_obs)
    assert faults(findings) == [] and verdict.status == "healthy"


def test_cleared_alarm_is_context_not_a_defect(six: CircuitPath) -> None:
    obs: list[Observation] = [
        Obs()("sdh-3", "4-SL4-1", "R_LOS", severity=Severity.cleared),
        clean_line(),
    ]
    findings, verdict = run(six, obs)
    assert faults(findings) == [] and verdict.status == "healthy"
    (c,) = analyze_full(six, [*obs, poll()]).context
    assert (c.element, c.reason) == ("sdh-3", "cleared")


def test_noise_on_other_ports_of_every_ne_leaves_a_healthy_circuit_healthy(
    six: CircuitPath,
) -> None:
    # Real NEs carry alarms on other circuits' tributaries and on line ports this circuit does
    # not use: every one is context, none a finding.
    a = Obs()
    noise = [
        a("sdh-1", "2-PQ1-7", "E1_AIS"),
        a("sdh-2", "6-SL4-1", "R_LOS", severity=Severity.critical),
        a("sdh-3", "7-PQ1", "BD_STATUS"),
        a("sdh-4", "4-SL4-2", "MS_RDI"),
        a("sdh-5", "3-PQ1-9", "TU_AIS"),
        a("pdh-1", "E1-3", "T_ALOS"),
        a("pdh-2", "2-OI2-1", "IN_PWR_LOW"),
        a("sdh-6", None, "HP_RDI"),
    ]
    an = analyze_full(six, [*noise, clean_line(), poll()])
    assert [f for f in an.findings if f.kind in ("fault", "consequence")] == []
    assert an.verdict.status == "healthy"
    assert len(an.context) == len(noise)
    assert {c.reason for c in an.context} == {"other-port", "other-board", "no-port"}


# ------------------------------------------------------------------------------ two faults


def test_two_independent_faults_in_opposite_directions(six: CircuitPath) -> None:
    a = Obs()
    obs = [
        a("sdh-3", "4-SL4-1", "R_LOS"),  # A→B: span sdh-2 → sdh-3
        a("pdh-2", "E1-4", "DOWN_E1_AIS"),  # its consequence towards B
        a("pdh-1", "1-OI2-1", "IN_PWR_HIGH"),  # B→A: overload on the short fiber into PDH 1
    ]
    findings, verdict = run(six, obs)
    fs = faults(findings)
    assert {(f.rule, f.direction, f.segment) for f in fs} == {
        ("signal-loss-localize", "a-to-b", seg("sdh-2", "sdh-3")),
        ("optical-power-alarm", "b-to-a", seg("pdh-1", "sdh-1")),
    }
    assert "2 faults localized" in verdict.summary
    assert {f.segment for f in verdict.faults} == {seg("sdh-2", "sdh-3"), seg("pdh-1", "sdh-1")}
    # the headline is the outage (LOS), not the overload that errors the other direction
    assert verdict.segment == seg("sdh-2", "sdh-3")
    assert [c.evidence[0].observation for c in consequences(findings)] == ["alarm-2"]


def test_two_independent_breaks_in_the_same_direction(six: CircuitPath) -> None:
    # AIS keeps the line alive: a receiver further on loses the signal only if its own span is
    # broken, so a second LOS downstream is a second fault; each AIS follows the nearest one.
    a = Obs()
    obs = [
        a("sdh-2", "4-SL4-1", "R_LOS"),
        a("sdh-3", "4-SL4-1", "AU_AIS"),
        a("sdh-5", "4-SL4-1", "R_LOS"),
        a("pdh-2", "E1-4", "DOWN_E1_AIS"),
    ]
    findings, _ = run(six, obs)
    assert [f.segment for f in faults(findings)] == [seg("sdh-1", "sdh-2"), seg("sdh-4", "sdh-5")]
    cons = {c.evidence[0].observation: c.cause for c in consequences(findings)}
    assert "sdh-2" in cons["alarm-2"] and "sdh-5" in cons["alarm-4"]


def test_downstream_lof_and_ais_are_not_second_faults(six: CircuitPath) -> None:
    a = Obs()
    obs = [a("sdh-2", "4-SL4-1", "R_LOS"), a("pdh-2", "E1-4", "E1_LOS"), a("sdh-4", None, "X")]
    # E1_LOS at pdh-2's customer port is B→A, a separate fault; the unknown alarm names no port:
    # context
    findings, _ = run(six, obs)
    rules = sorted(f.rule for f in faults(findings))
    assert rules == ["signal-loss-localize", "signal-loss-localize"]
    obs = [a("sdh-4", "5-SL4-1", "HUH_WHAT")]  # an unknown alarm on the circuit's own port
    (f,) = faults(run(six, obs)[0])
    assert (f.rule, f.confidence) == ("alarm-on-path", 0.5)
    obs = [a("sdh-2", "4-SL4-1", "R_LOS"), a("sdh-6", "2-OI2-1", "TU_AIS")]
    findings, _ = run(six, obs)
    assert len(faults(findings)) == 1 and len(consequences(findings)) == 1


# ------------------------------------------------------------------------------ power / board


def test_power_failure_is_the_element_with_its_consequences_both_ways(six: CircuitPath) -> None:
    a = Obs()
    obs = [
        a("sdh-3", None, "POWER_FAIL"),
        a("sdh-4", "4-SL4-1", "R_LOS"),  # dead neighbour, A→B
        a("sdh-2", "5-SL4-1", "R_LOS"),  # dead neighbour, B→A
        a("pdh-2", "E1-4", "DOWN_E1_AIS"),
        a("pdh-1", "E1-1", "DOWN_E1_AIS"),
        a("sdh-3", "4-SL4-1", "R_LOS"),  # its own last words
    ]
    findings, verdict = run(six, obs)
    (f,) = faults(findings)
    assert (f.rule, f.segment, f.direction) == (
        "equipment-fault-localize",
        seg("sdh-3", "sdh-3"),
        None,
    )
    assert f.confidence == 0.95 and "spare power board" in f.next_steps[0]
    cons = {c.evidence[0].observation: c for c in consequences(findings)}
    assert set(cons) == {"alarm-2", "alarm-3", "alarm-4", "alarm-5", "alarm-6"}
    assert {cons["alarm-2"].direction, cons["alarm-3"].direction} == {"a-to-b", "b-to-a"}
    assert cons["alarm-6"].rule == "alarm-masked"
    assert (verdict.status, verdict.segment) == ("fault_localized", seg("sdh-3", "sdh-3"))


def test_los_two_hops_from_a_dead_ne_is_a_fault_of_its_own(six: CircuitPath) -> None:
    a = Obs()
    findings, _ = run(six, [a("sdh-3", None, "POWER_FAIL"), a("sdh-5", "4-SL4-1", "R_LOS")])
    assert {f.segment for f in faults(findings)} == {seg("sdh-3", "sdh-3"), seg("sdh-4", "sdh-5")}


def test_board_fault_on_the_circuit_board_and_on_another_board(six: CircuitPath) -> None:
    a = Obs()
    findings, verdict = run(six, [a("sdh-3", "5-SL4", "BD_STATUS"), a("sdh-4", "4-SL4-1", "R_LOS")])
    (f,) = faults(findings)
    assert (f.segment, f.confidence) == (seg("sdh-3", "sdh-3"), 0.9)
    assert "spare board" in f.next_steps[0]
    # a board that carries neither of the circuit's ports is context
    findings, verdict = run(six, [Obs()("sdh-3", "7-PQ1", "BD_STATUS")])
    assert faults(findings) == [] and verdict.status == "inconclusive"
