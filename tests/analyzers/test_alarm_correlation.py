"""Step 3.1 alarm correlation along the path, from data alone: roots and consequences per
direction, long chains, two faults, masking, power/board/optical alarms, DS1-MIB line status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from diag.analyzers import analyze, playbook
from diag.analyzers.correlation import events, rank
from diag.analyzers.engine import analyze_full
from diag.inventory import load_inventory
from diag.model.findings import Finding, Verdict
from diag.model.observations import (
    AlarmDirection,
    AlarmObservation,
    AnswerObservation,
    NeE1LineObservation,
    NmsPollObservation,
    Observation,
    Severity,
)
from diag.model.path import CircuitPath, PathElement, Segment, build_path

ROOT = Path(__file__).resolve().parents[2]
STEP_31 = {r.id for s in playbook.load() if s.id == "3.1" for r in s.rules} | {"nms-unreadable"}
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

# canonical type, layer, direction: as diag/collectors/alarms/names.yaml normalises them
NAMES: dict[str, tuple[str, str, AlarmDirection]] = {
    "R_LOS": ("LOS", "RS", AlarmDirection.receive),
    "R_LOF": ("LOF", "RS", AlarmDirection.receive),
    "T_ALOS": ("LOS", "E1", AlarmDirection.none),
    "E1_LOS": ("LOS", "E1", AlarmDirection.none),
    "MS_AIS": ("AIS", "MS", AlarmDirection.none),
    "AU_AIS": ("AIS", "VC4", AlarmDirection.none),
    "TU_AIS": ("AIS", "VC12", AlarmDirection.none),
    "E1_AIS": ("AIS", "E1", AlarmDirection.none),
    "UP_E1_AIS": ("AIS", "E1", AlarmDirection.up),
    "DOWN_E1_AIS": ("AIS", "E1", AlarmDirection.down),
    "MS_RDI": ("RDI", "MS", AlarmDirection.none),
    "HP_RDI": ("RDI", "VC4", AlarmDirection.none),
    "LP_RDI": ("RDI", "VC12", AlarmDirection.none),
    "E1_RAI": ("RAI", "E1", AlarmDirection.none),
    "POWER_FAIL": ("POWER_FAIL", "EQUIPMENT", AlarmDirection.none),
    "BD_STATUS": ("BOARD_FAULT", "EQUIPMENT", AlarmDirection.none),
    "IN_PWR_HIGH": ("OPTICAL_POWER_HIGH", "OPTICAL", AlarmDirection.receive),
    "IN_PWR_LOW": ("OPTICAL_POWER_LOW", "OPTICAL", AlarmDirection.receive),
    "B2_EXC": ("EXC", "MS", AlarmDirection.none),
    "BIP_SD": ("DEG", "VC12", AlarmDirection.none),
}


class Obs:
    """Observation factory with ids alarm-1, alarm-2, ..."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(
        self,
        device: str,
        port: str | None,
        name: str,
        *,
        raised: datetime = NOW,
        severity: Severity = Severity.major,
    ) -> AlarmObservation:
        self.n += 1
        if name in NAMES:
            ctype, layer, direction = NAMES[name]
            known = True
        else:
            ctype, layer, direction, known = "UNKNOWN", "UNSPECIFIED", AlarmDirection.none, False
        return AlarmObservation(
            id=f"alarm-{self.n}",
            collector="nms:nms-lab",
            at=NOW,
            nms="nms-lab",
            ne=device.upper(),
            device=device,
            port=port,
            type=ctype,
            layer=layer,
            direction=direction,
            severity=severity,
            raised=raised,
            vendor_name=name,
            known=known,
        )


def poll() -> NmsPollObservation:
    return NmsPollObservation(
        id="nms-poll",
        collector="nms:nms-lab",
        at=NOW,
        nms="nms-lab",
        ok=True,
        nes=["PDH-1", "PDH-2", *(f"SDH-{k}" for k in range(1, 9))],
    )


def ds1(device: str, port: str, *bits: str) -> NeE1LineObservation:
    values = {
        "LossOfSignal": 64,
        "LossOfFrame": 32,
        "RcvAIS": 8,
        "XmtAIS": 16,
        "RcvFarEndLOF": 2,
    }
    return NeE1LineObservation(
        id=f"ne-e1-{device}-{port}".lower(),
        collector=f"snmp:{device}",
        at=NOW,
        device=device,
        if_index=3,
        port=port,
        line_status_bits=sum(values[b] for b in bits),
        line_status=list(bits),
    )


# ------------------------------------------------------------------------------ the chain
#
#   LAN A - rtr-a - pdh-1 =fiber= sdh-1 =sdh-line= sdh-2 ... sdh-N =fiber= pdh-2 - rtr-b - LAN B
#
# Line ports: sdh-k a_port 4-SL4-1 (towards A), b_port 5-SL4-1 (towards B); sdh-1's A side and
# sdh-N's B side are PDH optical interface ports (1-OI2-1 / 2-OI2-1) where the E1 is mapped into
# its VC-12.  The PDHs list their customer E1 port (cpe_port) and their optical line port
# (cpe_line 1-OI2-1).


def _chain_inventory(n: int, unmanaged: Sequence[str], budget: bool) -> dict[str, object]:
    def ne(name: str, role: str) -> dict[str, object]:
        d: dict[str, object] = {"name": name, "role": role, "vendor": "huawei"}
        if name not in unmanaged:
            d |= {"nms": "nms-lab", "ne_name": name.upper()}
        return d

    sdh = [f"sdh-{k}" for k in range(1, n + 1)]
    hops = []
    for k, name in enumerate(sdh, 1):
        a = "1-OI2-1" if k == 1 else "4-SL4-1"
        b = "2-OI2-1" if k == n else "5-SL4-1"
        hops.append({"ne": name, "a_port": a, "b_port": b})
    return {
        "devices": [
            {"name": "rtr-a", "role": "router", "vendor": "cisco", "device_type": "cisco_ios"},
            ne("pdh-1", "pdh"),
            *(ne(s, "sdh") for s in sdh),
            ne("pdh-2", "pdh"),
            {"name": "rtr-b", "role": "router", "vendor": "huawei", "device_type": "huawei"},
        ],
        "circuits": [
            {
                "id": "CH-1",
                "customer": "Chain Bank",
                "service": "e1",
                "bandwidth": "2M",
                "a": {
                    "site": "Branch",
                    "router": "rtr-a",
                    "wan_interface": "Serial0/0/0:0",
                    "cpe": "pdh-1",
                    "cpe_port": "E1-1",
                    "cpe_line": "1-OI2-1",
                    "interface": "e1-120",
                },
                "b": {
                    "site": "Head office",
                    "router": "rtr-b",
                    "wan_interface": "Serial1/0/0:0",
                    "cpe": "pdh-2",
                    "cpe_port": "E1-4",
                    "cpe_line": "1-OI2-1",
                    "interface": "e1-75",
                },
                "transport": hops,
                "links": [
                    {
                        "between": ["pdh-1", "sdh-1"],
                        "kind": "fiber",
                        "label": "fiber, PDH 1 to SDH 1 (200 m)",
                        **(BUDGET_SHORT if budget else {}),
                    },
                    {
                        "between": [sdh[-1], "pdh-2"],
                        "kind": "fiber",
                        **(BUDGET_LONG if budget else {}),
                    },
                ],
            }
        ],
    }


# The article's overload case (launch -5 dBm, 1 dB of fiber, overload -8 dBm) on the short fiber
# at A, a marginal long fiber at B.  Only where a test needs them: other steps' rules read the
# link budget on their own.
BUDGET_SHORT = {
    "launch_power_dbm": -5,
    "attenuation_db": 1,
    "overload_dbm": -8,
    "sensitivity_dbm": -36,
}
BUDGET_LONG = {
    "launch_power_dbm": -5,
    "attenuation_db": 29,
    "overload_dbm": -8,
    "sensitivity_dbm": -30,
}


def chain(
    tmp_path: Path, n: int = 6, unmanaged: Sequence[str] = (), budget: bool = False
) -> CircuitPath:
    d = tmp_path / f"inv-{n}-{'-'.join(unmanaged) or 'all'}-{budget}"
    d.mkdir()
    (d / "nms.yaml").write_text((ROOT / "inventory" / "nms.yaml").read_text())
    (d / "chain.yaml").write_text(yaml.safe_dump(_chain_inventory(n, unmanaged, budget)))
    inv = load_inventory(d)
    return build_path(inv.circuits["CH-1"], inv)


@pytest.fixture
def six(tmp_path: Path) -> CircuitPath:
    return chain(tmp_path, 6)


def run(path: CircuitPath, obs: Sequence[Observation]) -> tuple[list[Finding], Verdict]:
    return analyze(path, [*obs, poll()])


def faults(findings: list[Finding]) -> list[Finding]:
    """Step 3.1's fault findings (other steps' rules may read the same inventory)."""
    return [f for f in findings if f.kind == "fault" and f.rule in STEP_31]


def consequences(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.kind == "consequence"]


def seg(x: str, y: str) -> Segment:
    return Segment(from_=x, to=y)


def cited(findings: list[Finding]) -> set[str]:
    return {
        e.observation
        for f in findings
        if f.kind in ("fault", "consequence")
        for e in f.evidence
        if e.observation
    }


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


# ------------------------------------------------------------------------------ optical power


def test_optical_overload_with_the_link_budget(tmp_path: Path) -> None:
    six = chain(tmp_path, 6, budget=True)
    findings, verdict = run(six, [Obs()("pdh-1", "1-OI2-1", "IN_PWR_HIGH")])
    (f,) = faults(findings)
    assert (f.rule, f.segment, f.direction) == (
        "optical-power-alarm",
        seg("pdh-1", "sdh-1"),
        "b-to-a",
    )
    assert f.confidence == 0.9 and "-6 dBm" in f.cause and "R-OPT-2" in f.cause
    assert "attenuator" in f.next_steps[1] and "5 dB" in f.next_steps[1]  # -6 - -8 + 3 dB margin
    assert verdict.status == "fault_localized"


def test_weak_light_without_and_with_a_marginal_budget(tmp_path: Path) -> None:
    six = chain(tmp_path, 6, budget=True)
    findings, _ = run(six, [Obs()("sdh-4", "4-SL4-1", "IN_PWR_LOW")])
    (f,) = faults(findings)
    assert (f.segment, f.confidence) == (seg("sdh-3", "sdh-4"), 0.8)
    # sdh-6 → pdh-2: -5 - 29 = -34 dBm against -30 dBm sensitivity
    findings, _ = run(six, [Obs()("pdh-2", "1-OI2-1", "IN_PWR_LOW")])
    (f,) = faults(findings)
    assert (f.segment, f.confidence) == (seg("sdh-6", "pdh-2"), 0.9)
    assert "optical power meter" in f.next_steps[0]


# ------------------------------------------------------------------------------ masking


def test_precedence_masks_lower_alarms_at_the_same_point(six: CircuitPath) -> None:
    a = Obs()
    obs = [
        a("sdh-4", "4-SL4-1", "MS_AIS"),
        a("sdh-4", "4-SL4-1", "IN_PWR_LOW"),
        a("sdh-4", "4-SL4-1", "R_LOS"),
        a("sdh-4", "4-SL4-1", "R_LOF"),
    ]
    findings, _ = run(six, obs)
    (f,) = faults(findings)
    assert f.rule == "signal-loss-localize" and f.evidence[0].observation == "alarm-3"
    masked = consequences(findings)
    assert {m.rule for m in masked} == {"alarm-masked"}
    assert {m.evidence[0].observation for m in masked} == {"alarm-1", "alarm-2", "alarm-4"}


def test_weak_light_names_the_cause_of_a_lof_on_the_same_receiver(six: CircuitPath) -> None:
    a = Obs()
    obs = [a("sdh-4", "4-SL4-1", "R_LOF"), a("sdh-4", "4-SL4-1", "IN_PWR_LOW")]
    obs.append(a("pdh-2", "E1-4", "DOWN_E1_AIS"))
    findings, _ = run(six, obs)
    (f,) = faults(findings)
    assert f.rule == "optical-power-alarm" and f.segment == seg("sdh-3", "sdh-4")
    # the masked LOF means the signal failed: downstream AIS follows from it
    assert {c.rule for c in consequences(findings)} == {
        "alarm-masked",
        "ais-downstream-consequence",
    }


def test_precedence_order() -> None:
    # §2.4: LOS > LOF > MS-AIS > MS-EXC > AU-AIS > TU-AIS; optical power names the physical
    # cause of a LOF; an E1 AIS is itself unframed, so it ranks above the E1 LOF it causes.
    a = Obs()
    names = ["R_LOS", "IN_PWR_LOW", "R_LOF", "MS_AIS", "B2_EXC", "AU_AIS", "TU_AIS", "E1_AIS"]
    evs, _, _ = events(_tiny_path(), [a("n1", "p", n) for n in names])
    ranks = [rank(e) for e in evs]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == len(ranks)
    e1, _, _ = events(_tiny_path(), [], [ds1("n1", "p", "LossOfFrame", "RcvAIS")])
    assert max(e1, key=rank).type == "AIS"


def _tiny_path() -> CircuitPath:
    el = PathElement(
        id="n1", kind="sdh", label="n1", end="transport", owner="carrier", a_port="p", b_port="q"
    )
    return CircuitPath(elements=[el], links=[])


# ------------------------------------------------------------------------------ RDI / RAI


def test_ms_rdi_alone_is_the_next_span_of_the_reporter(tmp_path: Path) -> None:
    # sdh-4 onwards are legacy NEs without an NMS: only sdh-3's MS_RDI is seen.
    path = chain(tmp_path, 6, unmanaged=["sdh-4", "sdh-5", "sdh-6", "pdh-2"])
    findings, verdict = run(path, [Obs()("sdh-3", "5-SL4-1", "MS_RDI")])
    (f,) = faults(findings)
    assert (f.rule, f.direction, f.segment, f.confidence) == (
        "remote-defect-localize",
        "a-to-b",
        seg("sdh-3", "sdh-4"),
        0.75,
    )
    assert any(x.rule == "ne-unmanaged" for x in findings)
    assert (verdict.status, verdict.owner) == ("fault_localized", "carrier")


def test_path_rdi_alone_is_only_an_upper_bound(six: CircuitPath) -> None:
    findings, verdict = run(six, [Obs()("sdh-1", "1-OI2-1", "LP_RDI")])
    (f,) = faults(findings)
    assert (f.direction, f.segment, f.confidence) == ("a-to-b", seg("sdh-1", "pdh-2"), 0.6)
    assert verdict.status == "fault_suspected"


def test_customer_router_rai_is_the_customer_side_span(six: CircuitPath) -> None:
    findings, _ = run(six, [Obs()("pdh-2", "E1-4", "E1_RAI")])
    (f,) = faults(findings)
    assert (f.direction, f.segment, f.owner) == ("a-to-b", seg("pdh-2", "rtr-b"), "unknown")
    assert any("E1 controller" in s for s in f.next_steps)


def test_rdi_explained_by_a_root_is_not_a_fault(six: CircuitPath) -> None:
    a = Obs()
    # RDI upstream of a LOS, and an RDI downstream of it (the reporter forwards the AIS)
    obs = [a("sdh-2", "5-SL4-1", "MS_RDI"), a("sdh-3", "4-SL4-1", "R_LOS")]
    obs.append(a("pdh-2", "E1-4", "E1_RAI"))
    findings, _ = run(six, obs)
    assert [f.rule for f in faults(findings)] == ["signal-loss-localize"]
    assert {c.rule for c in consequences(findings)} == {"rdi-upstream-consequence"}


def test_section_rdi_pins_the_span_before_a_downstream_ais(tmp_path: Path) -> None:
    path = chain(tmp_path, 6, unmanaged=["sdh-4", "sdh-5", "sdh-6"])
    a = Obs()
    findings, verdict = run(
        path, [a("sdh-3", "5-SL4-1", "MS_RDI"), a("pdh-2", "E1-4", "DOWN_E1_AIS")]
    )
    (f,) = faults(findings)
    assert (f.rule, f.segment) == ("remote-defect-localize", seg("sdh-3", "sdh-4"))
    assert [c.rule for c in consequences(findings)] == ["ais-downstream-consequence"]
    assert verdict.segment == seg("sdh-3", "sdh-4")


def test_path_rdi_narrows_the_r_ais_span(tmp_path: Path) -> None:
    path = chain(tmp_path, 6, unmanaged=["sdh-4", "sdh-5", "sdh-6"])
    a = Obs()
    findings, _ = run(path, [a("sdh-3", "5-SL4-1", "HP_RDI"), a("pdh-2", "E1-4", "DOWN_E1_AIS")])
    (f,) = faults(findings)
    assert (f.rule, f.procedure, f.segment) == (
        "ais-upstream-localize",
        "R-AIS-2",
        seg("sdh-3", "pdh-2"),
    )
    assert [e.observation for e in f.evidence] == ["alarm-2", "alarm-1"]
    # without the RDI: the article's span, from the source CPE
    findings, _ = run(path, [Obs()("pdh-2", "E1-4", "DOWN_E1_AIS")])
    assert faults(findings)[0].segment == seg("pdh-1", "pdh-2")


# ------------------------------------------------------------------------------ path AIS


def test_sdh_layer_ais_with_nothing_upstream(six: CircuitPath) -> None:
    findings, verdict = run(six, [Obs()("sdh-4", "4-SL4-1", "MS_AIS")])
    (f,) = faults(findings)
    assert (f.rule, f.segment, f.confidence) == ("path-ais-localize", seg("sdh-3", "sdh-4"), 0.75)
    findings, verdict = run(six, [Obs()("sdh-6", "2-OI2-1", "TU_AIS")])
    (f,) = faults(findings)
    assert (f.direction, f.segment, f.confidence) == ("a-to-b", seg("pdh-1", "sdh-6"), 0.65)
    assert verdict.status == "fault_suspected"


# ------------------------------------------------------------------------------ errors


def test_errors_are_suspected_on_the_span_with_downstream_errors_following(
    six: CircuitPath,
) -> None:
    a = Obs()
    findings, verdict = run(six, [a("sdh-4", "4-SL4-1", "B2_EXC"), a("sdh-6", "2-OI2-1", "BIP_SD")])
    (f,) = faults(findings)
    assert (f.rule, f.segment, f.confidence) == ("alarm-on-path", seg("sdh-3", "sdh-4"), 0.5)
    assert [c.rule for c in consequences(findings)] == ["alarm-consequence"]
    assert verdict.status == "fault_suspected"


# ------------------------------------------------------------------------------ DS1-MIB


def test_ds1_line_status_reads_like_the_alarms(six: CircuitPath) -> None:
    findings, _ = run(six, [ds1("pdh-2", "E1-4", "LossOfSignal")])
    (f,) = faults(findings)
    assert (f.segment, f.direction) == (seg("pdh-2", "rtr-b"), "b-to-a")
    assert f.evidence[0].observation == "ne-e1-pdh-2-e1-4"
    assert "dsx1LineStatus" in f.evidence[0].text
    # XmtAIS towards the customer = DOWN_E1_AIS: R-AIS from the source CPE
    findings, _ = run(six, [ds1("pdh-2", "E1-4", "XmtAIS")])
    (f,) = faults(findings)
    assert (f.rule, f.procedure, f.segment) == (
        "ais-upstream-localize",
        "R-AIS-2",
        seg("pdh-1", "pdh-2"),
    )
    # far-end LOF (yellow alarm): the customer's router does not frame what PDH 2 sends
    findings, _ = run(six, [ds1("pdh-2", "E1-4", "RcvFarEndLOF")])
    assert faults(findings)[0].rule == "remote-defect-localize"


def test_ds1_only_without_nms_still_localises(six: CircuitPath) -> None:
    findings, verdict = analyze(six, [ds1("pdh-1", "E1-1", "LossOfSignal", "LossOfFrame")])
    (f,) = faults(findings)
    assert (f.segment, verdict.status) == (seg("rtr-a", "pdh-1"), "fault_localized")
    assert [c.rule for c in consequences(findings)] == ["alarm-masked"]


def test_nms_and_ds1_reporting_the_same_defect_make_one_fault(six: CircuitPath) -> None:
    obs: list[Observation] = [
        Obs()("pdh-2", "E1-4", "T_ALOS"),
        ds1("pdh-2", "E1-4", "LossOfSignal"),
    ]
    findings, _ = run(six, obs)
    (f,) = faults(findings)
    assert {e.observation for e in f.evidence} == {"alarm-1", "ne-e1-pdh-2-e1-4"}


# ------------------------------------------------------------------------------ time, coverage


def test_consequence_far_apart_in_time_is_flagged(six: CircuitPath) -> None:
    a = Obs()
    late = NOW + timedelta(hours=2)
    findings, _ = run(
        six, [a("sdh-3", "4-SL4-1", "R_LOS"), a("pdh-2", "E1-4", "DOWN_E1_AIS", raised=late)]
    )
    (f,) = faults(findings)
    assert f.confidence == 0.85  # not corroborated
    (c,) = consequences(findings)
    assert c.confidence == 0.7 and "7200 s apart" in c.cause


def test_every_alarm_is_accounted_for(six: CircuitPath) -> None:
    a = Obs()
    obs = [
        a("sdh-3", None, "POWER_FAIL"),
        a("sdh-4", "4-SL4-1", "R_LOS"),
        a("sdh-2", "5-SL4-1", "R_LOS"),
        a("sdh-1", "1-OI2-1", "LP_RDI"),
        a("pdh-1", "1-OI2-1", "IN_PWR_HIGH"),
        a("pdh-1", "E1-1", "DOWN_E1_AIS"),
        a("pdh-2", "E1-4", "E1_RAI"),
        a("sdh-5", "9-PQ1-3", "E1_AIS"),
        a("sdh-6", "2-OI2-1", "TU_AIS"),
        a("sdh-6", None, "HUH_WHAT"),
    ]
    findings, _ = run(six, obs)
    context = {c.observation for c in analyze_full(six, [*obs, poll()]).context}
    assert context == {"alarm-8", "alarm-10"}  # another tributary; no port and not NE-wide
    assert cited(findings) | context == {o.id for o in obs}
    assert not cited(findings) & context
    for f in findings:
        if f.kind in ("fault", "consequence"):
            assert f.evidence and f.procedure in ("3.1", "R-AIS-1", "R-AIS-2")
        if f.kind == "fault":
            assert f.next_steps
