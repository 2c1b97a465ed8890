"""The verdict: the most specific strong fault wins over one that contains it; disjoint faults
are reported together."""

from __future__ import annotations

from diag.analyzers.engine import verdict
from diag.model.findings import Finding
from diag.model.path import Segment, build_path


def fault(seg: Segment, conf: float, ref: str) -> Finding:
    return Finding(
        rule="x",
        procedure=ref,
        kind="fault",
        title=ref,
        segment=seg,
        owner="carrier",
        confidence=conf,
        cause=ref,
        evidence=[],
        next_steps=[],
    )


def test_nested_faults_keep_the_narrow_one(lab_inventory) -> None:  # type: ignore[no-untyped-def]
    path = build_path(lab_inventory.circuits["LAB-E1-AIS1"], lab_inventory)
    wide = fault(Segment(from_="ais1-pdh-1", to="ais1-pdh-2"), 0.8, "3.3")
    narrow = fault(Segment(from_="ais1-pdh-1", to="ais1-sdh-a"), 0.9, "R-OPT-2")
    v = verdict(path, [wide, narrow], [])
    assert v.segment == narrow.segment and "(2 faults)" not in v.summary


def test_disjoint_faults_are_two(lab_inventory) -> None:  # type: ignore[no-untyped-def]
    path = build_path(lab_inventory.circuits["LAB-E1-AIS1"], lab_inventory)
    one = fault(Segment(from_="ais1-pdh-1", to="ais1-sdh-a"), 0.9, "R-AIS-1")
    two = fault(Segment(from_="ais1-sdh-c", to="ais1-pdh-2"), 0.9, "R-AIS-1")
    v = verdict(path, [one, two], [])
    assert v.segment == Segment(from_="ais1-pdh-1", to="ais1-pdh-2")
    assert "(2 faults)" in v.summary


def test_weak_faults_only_suspect(lab_inventory) -> None:  # type: ignore[no-untyped-def]
    path = build_path(lab_inventory.circuits["LAB-E1-AIS1"], lab_inventory)
    v = verdict(path, [fault(Segment(from_="ais1-rtr-a", to="ais1-rtr-b"), 0.4, "3.3")], [])
    assert v.status == "fault_suspected"
