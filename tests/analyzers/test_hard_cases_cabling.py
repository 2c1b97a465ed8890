"""Section 4 hard cases R-HC-3 (power interference), R-HC-4a (impedance mismatch) and R-HC-4b (burnt
customer equipment) from observations alone, and how they stand beside path alarms, a carrier
cut and a CPU graph read in part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from diag.model.observations import Observation
from diag.model.path import Segment
from tests.analyzers.analyzer_helpers import NOW
from tests.analyzers.hard_case_obs import (
    asked,
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

# --------------------------------------------------------------------------- R-HC-3 (4.3)


def post_obs() -> list[Observation]:
    return [
        crc("hc3-rtr-a", "Serial0/0/0:0", 420.0),
        crc("hc3-rtr-b", "Serial1/0/0:0", 0.0, n=2),
        ping("hc3-rtr-a", "10.64.0.2", 35.0),
    ]


def test_hc3_power_interference_at_the_city_end(path_of: PathOf) -> None:
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


def test_hc3_without_the_cabling_seen_asks_for_it(path_of: PathOf) -> None:
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
def test_hc3_does_not_fire_when_the_pattern_breaks(path_of: PathOf, pairs: dict[str, str]) -> None:
    assert fired(run(path_of("LAB-HC3-POST"), post_obs() + said(**pairs))[0], "R-HC-3") == []


def test_hc3_asks_whether_the_loss_is_irregular(path_of: PathOf) -> None:
    findings, _ = run(path_of("LAB-HC3-POST"), post_obs() + said(test__e1__ber="0"))
    q = asked(findings, "R-HC-3")
    assert q is not None and "symptom.pattern" in " ".join(q.next_steps)


# --------------------------------------------------------------------------- R-HC-4a (4.4)


def clinic_obs() -> list[Observation]:
    return [ping("hc4a-rtr-a", "10.65.0.2", 35.0), ping("hc4a-rtr-b", "10.65.0.1", 35.0, n=2)]


def test_hc4a_120_ohm_router_on_a_75_ohm_port(path_of: PathOf) -> None:
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


def test_hc4a_converter_not_checked_is_only_suspected(path_of: PathOf) -> None:
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
def test_hc4a_does_not_fire_without_a_mismatch(path_of: PathOf, pairs: dict[str, str]) -> None:
    obs = clinic_obs() + said(test__e1__ber="0", **pairs)
    assert fired(run(path_of("LAB-HC4A-1"), obs)[0], "R-HC-4a") == []


def test_hc4a_not_asked_on_ethernet_ends(path_of: PathOf) -> None:
    findings, _ = run(path_of("LAB-HC2A-1"), laptop_obs())
    assert asked(findings, "R-HC-4a") is None


# --------------------------------------------------------------------------- R-HC-4b (4.4)


def test_hc4b_burnt_customer_pdh_on_operator_sdh(path_of: PathOf) -> None:
    obs = said(b__cpe__burn_marks="yes", b__cpe__high_failure_rate="yes")
    findings, verdict = run(path_of("LAB-HC4B-1"), obs)
    (f,) = fired(findings, "R-HC-4b")
    assert f.rule == "customer-cpe-nonconforming" and f.confidence == 0.85
    assert f.segment == Segment(from_="hc4b-pdh-2", to="hc4b-pdh-2")
    assert f.owner == "customer" and "hc4b-sdh-b" in f.cause
    assert "certified equipment" in f.next_steps[0]
    assert (verdict.status, verdict.owner) == ("fault_localized", "customer")


def test_hc4b_failures_with_bit_errors(path_of: PathOf) -> None:
    obs = said(b__cpe__high_failure_rate="yes", test__e1__ber="1e-4")
    (f,) = fired(run(path_of("LAB-HC4B-1"), obs)[0], "R-HC-4b")
    assert f.confidence == 0.75 and "bit errors" in f.cause


def test_hc4b_clean_history_does_not_fire(path_of: PathOf) -> None:
    obs = said(b__cpe__high_failure_rate="no", b__cpe__burn_marks="no")
    assert fired(run(path_of("LAB-HC4B-1"), obs)[0], "R-HC-4b") == []


def test_hc4b_only_for_customer_owned_equipment(path_of: PathOf) -> None:
    # the operator's own PDH: burn marks are a maintenance matter, not R-HC-4b
    findings, _ = run(path_of("LAB-HC1-MALL"), said(b__cpe__burn_marks="yes"))
    assert fired(findings, "R-HC-4b") == [] and asked(findings, "R-HC-4b") is None


def test_an_alarm_on_the_path_comes_first(path_of: PathOf) -> None:
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


def test_a_carrier_cut_does_not_silence_a_customer_side_fault(path_of: PathOf) -> None:
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


def test_hc2c_on_a_cpu_graph_read_in_part_is_weaker_and_asks_for_a_reread(path_of: PathOf) -> None:
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
    assert "90 % or more" in " ".join(e.text for e in f.evidence)
    assert "not read whole" in f.cause and "2 of 10 graph rows lost" in f.cause
    assert f.next_steps[0].startswith("Read show processes cpu history on hc2c-rtr-a again")
