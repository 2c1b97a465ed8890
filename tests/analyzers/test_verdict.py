"""The status decision table (diag/analyzers/verdict.py, docs/verdict.md), row by row, from data."""

from __future__ import annotations

from collections.abc import Sequence

from diag.analyzers.context import Context
from diag.analyzers.thresholds import defaults
from diag.analyzers.verdict import decide
from diag.model.findings import Finding, Verdict
from diag.model.inventory import Inventory
from diag.model.observations import (
    AnswerObservation,
    DeviceAccessObservation,
    NmsPollObservation,
    Observation,
    PingObservation,
)
from diag.model.path import CircuitPath, Segment, build_path

T0 = "2026-11-22T08:00:00+00:00"


def fault(seg: Segment, conf: float, ref: str, rule: str = "x") -> Finding:
    return Finding(
        rule=rule,
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


def _path(inv: Inventory) -> CircuitPath:
    return build_path(inv.circuits["LAB-E1-AIS1"], inv)


def _poll(path: CircuitPath, ok: bool = True) -> NmsPollObservation:
    nes = [e.ne_name for e in path.elements if e.ne_name]
    return NmsPollObservation(
        id="o1",
        at=T0,
        collector="t",
        nms="nms-lab",
        ok=ok,
        nes=nes,
        error=None if ok else "timeout",
    )


def _access(device: str, ok: bool) -> DeviceAccessObservation:
    return DeviceAccessObservation(
        id=f"acc-{device}",
        at=T0,
        collector="t",
        device=device,
        via="ssh",
        ok=ok,
        error=None if ok else "connection refused",
    )


def _ping(path: CircuitPath, loss: float) -> PingObservation:
    a, b = path.end("a"), path.end("b")
    assert a.router and b.wan_ip
    received = round(10 * (100 - loss) / 100)
    return PingObservation(
        id="p1",
        at=T0,
        collector="t",
        origin=a.router,
        origin_kind="router",
        target=b.wan_ip,
        engine="router-cli",
        count=10,
        size=100,
        sent=10,
        received=received,
        loss_pct=loss,
        rtt_mean_ms=5.0 if received else None,
    )


def _decide(path: CircuitPath, findings: list[Finding], obs: Sequence[Observation]) -> Verdict:
    ctx = Context.build(path, list(obs), defaults())
    return decide(ctx, findings)[1]


def _up(path: CircuitPath) -> list[Observation]:
    a, b = path.end("a").router, path.end("b").router
    assert a and b
    return [_access(a, True), _access(b, True)]


def test_nested_faults_keep_the_narrow_one(lab_inventory: Inventory) -> None:
    path = _path(lab_inventory)
    wide = fault(Segment(from_="ais1-pdh-1", to="ais1-pdh-2"), 0.8, "3.3")
    narrow = fault(Segment(from_="ais1-pdh-1", to="ais1-sdh-a"), 0.9, "R-OPT-2")
    v = _decide(path, [wide, narrow], [_poll(path)])
    assert v.status == "fault_localized"
    assert [f.segment for f in v.faults] == [narrow.segment]


def test_disjoint_faults_are_two_never_merged(lab_inventory: Inventory) -> None:
    path = _path(lab_inventory)
    one = fault(Segment(from_="ais1-pdh-1", to="ais1-sdh-a"), 0.9, "R-AIS-1")
    two = fault(Segment(from_="ais1-sdh-c", to="ais1-pdh-2"), 0.85, "R-AIS-2")
    v = _decide(path, [one, two], [_poll(path)])
    assert [f.segment for f in v.faults] == [one.segment, two.segment]
    assert v.segment == one.segment  # the headline, never the union
    assert [f.number for f in v.faults] == [1, 2]
    assert "2 faults localized" in v.summary


def test_headline_is_the_outage_before_a_degradation(lab_inventory: Inventory) -> None:
    path = _path(lab_inventory)
    errors = fault(
        Segment(from_="ais1-pdh-1", to="ais1-sdh-a"), 0.9, "R-OPT-2", "optical-power-alarm"
    )
    cut = fault(Segment(from_="ais1-sdh-c", to="ais1-pdh-2"), 0.75, "3.1", "signal-loss-localize")
    v = _decide(path, [errors, cut], [_poll(path)])
    assert v.faults[0].segment == cut.segment and v.faults[0].impact == "outage"
    assert v.faults[1].impact == "degraded"


def test_same_segment_findings_make_one_fault_with_both_rules(lab_inventory: Inventory) -> None:
    path = _path(lab_inventory)
    seg = Segment(from_="ais1-pdh-1", to="ais1-sdh-a")
    v = _decide(
        path,
        [
            fault(seg, 0.9, "R-AIS-1", "ais-upstream-localize"),
            fault(seg, 0.8, "3.3", "e1-controller-ais"),
        ],
        [_poll(path)],
    )
    assert len(v.faults) == 1
    assert v.faults[0].rules == ["ais-upstream-localize", "e1-controller-ais"]
    assert v.faults[0].procedure == ["R-AIS-1", "3.3"]


def test_weak_faults_are_ranked_candidates_most_specific_first(lab_inventory: Inventory) -> None:
    path = _path(lab_inventory)
    line = fault(Segment(from_="ais1-rtr-a", to="ais1-rtr-b"), 0.6, "3.3", "e1-channel-ber")
    router = fault(Segment(from_="ais1-rtr-a", to="ais1-rtr-a"), 0.55, "R-HC-2c")
    router = router.model_copy(update={"owner": "customer"})
    other = fault(Segment(from_="ais1-sdh-b", to="ais1-sdh-c"), 0.5, "3.1")
    v = _decide(path, [line, router, other], [_poll(path)])
    assert v.status == "fault_suspected"
    # the whole-line candidate contains the narrower ones: they are more specific
    assert [f.segment for f in v.faults] == [router.segment, other.segment]
    assert v.owner == "customer"


def test_generic_ping_becomes_a_next_step_when_a_specific_rule_explains_it(
    lab_inventory: Inventory,
) -> None:
    path = _path(lab_inventory)
    ping = fault(Segment(from_="ais1-rtr-a", to="ais1-rtr-b"), 0.6, "3.3", "ping-wan-to-wan")
    hc = fault(
        Segment(from_="ais1-rtr-a", to="ais1-rtr-a"), 0.55, "R-HC-2c", "router-congested-by-lan"
    )
    sub = fault(Segment(from_="ais1-pdh-1", to="ais1-pdh-2"), 0.4, "R-SUB", "substitution-order")
    findings, v = decide(Context.build(path, [_poll(path)], defaults()), [ping, hc, sub])
    kinds = {f.rule: f.kind for f in findings}
    assert kinds == {
        "ping-wan-to-wan": "info",
        "router-congested-by-lan": "fault",
        "substitution-order": "info",
    }
    assert [f.rules for f in v.faults] == [["router-congested-by-lan"]]


def test_clean_service_contradicts_a_break(lab_inventory: Inventory) -> None:
    path = _path(lab_inventory)
    cut = fault(Segment(from_="ais1-sdh-a", to="ais1-sdh-b"), 0.85, "3.1", "signal-loss-localize")
    findings, v = decide(
        Context.build(path, [_poll(path), *_up(path), _ping(path, 0)], defaults()), [cut]
    )
    assert v.status == "fault_suspected"
    assert v.faults[0].confidence <= 0.45
    assert "crosses this span cleanly" in findings[0].cause
    # the same break with the service down is localized
    _, v2 = decide(
        Context.build(path, [_poll(path), *_up(path), _ping(path, 100)], defaults()), [cut]
    )
    assert v2.status == "fault_localized"


def test_healthy_needs_alarms_read_and_a_clean_end_to_end_test(lab_inventory: Inventory) -> None:
    path = _path(lab_inventory)
    assert _decide(path, [], [_poll(path), *_up(path), _ping(path, 0)]).status == "healthy"
    # alarms clean, but nothing crossed the line
    v = _decide(path, [], [_poll(path), *_up(path)])
    assert v.status == "inconclusive" and "no end-to-end test" in v.summary
    # service clean, NMS unreadable
    v = _decide(path, [], [_poll(path, ok=False), *_up(path), _ping(path, 0)])
    assert v.status == "inconclusive"
    assert "NMS nms-lab" in v.summary and "end-to-end test clean" in v.summary


def test_nothing_answers_is_inconclusive_with_no_claim_about_the_line(
    lab_inventory: Inventory,
) -> None:
    path = _path(lab_inventory)
    a, b = path.end("a").router, path.end("b").router
    assert a and b
    v = _decide(path, [], [_poll(path, ok=False), _access(a, False), _access(b, False)])
    assert (v.status, v.segment, v.owner, v.faults) == ("inconclusive", None, "unknown", [])
    assert "router ais1-rtr-a" in v.summary and "Nothing could be read" in v.summary


def test_on_site_laptop_ping_counts_as_end_to_end(lab_inventory: Inventory) -> None:
    path = _path(lab_inventory)
    ans = AnswerObservation(
        id="a1", at=T0, collector="t", source="observe", key="test.laptop_ping.loss_pct", value="0"
    )
    assert _decide(path, [], [_poll(path), ans]).status == "healthy"
