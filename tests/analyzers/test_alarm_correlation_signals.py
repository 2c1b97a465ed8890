"""Step 3.1 alarm correlation along the path, from data alone: optical power with the link
budget, masking by precedence, RDI/RAI, path AIS, errors, DS1-MIB line status, consequences far
apart in time, and every alarm accounted for.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from diag.analyzers import analyze
from diag.analyzers.correlation import events, rank
from diag.analyzers.engine import analyze_full
from diag.model.observations import Observation
from diag.model.path import CircuitPath, PathElement
from tests.analyzers.alarm_chain import (
    NOW,
    Obs,
    chain,
    cited,
    consequences,
    ds1,
    faults,
    poll,
    run,
    seg,
)

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
