"""`expect` against a findings document: every fault matched once, order-insensitive; context
alarms counted (diag.lab.scenario.mismatches, used by `diag demo` and the end-to-end tests)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from diag.lab.scenario import Expect, ExpectFault, match_faults, mismatches
from diag.model.findings import ContextAlarm, Fault
from diag.model.path import Segment


def seg(a: str, b: str) -> Segment:
    return Segment(**{"from": a, "to": b})


def fault(a: str, b: str, owner: str, *refs: str, number: int = 1) -> Fault:
    return Fault(
        number=number,
        segment=seg(a, b),
        owner=owner,
        confidence=0.9,
        rules=["some-rule"],
        procedure=list(refs),
        impact="outage",
        summary="s",
    )


def expected(a: str, b: str, owner: str, *refs: str) -> ExpectFault:
    return ExpectFault(segment=seg(a, b), owner=owner, rules=list(refs))


def doc(faults: list[Fault], context: int = 0, status: str = "fault_localized") -> Any:
    head = faults[0] if faults else None
    alarms = [SimpleNamespace(id=f"alarm-{i}", kind="nms_alarm") for i in range(context)]
    ctx = [
        ContextAlarm(
            observation=f"alarm-{i}",
            element="x",
            port=None,
            alarm="R_LOS",
            severity="cleared",
            reason="cleared",
            text="t",
        )
        for i in range(context)
    ]
    verdict = SimpleNamespace(
        status=status,
        segment=head.segment if head else None,
        owner=head.owner if head else "unknown",
        faults=faults,
        summary="",
    )
    findings = [SimpleNamespace(kind="fault", procedure=",".join(f.procedure)) for f in faults]
    return SimpleNamespace(verdict=verdict, findings=findings, observations=alarms, context=ctx)


def test_faults_match_in_any_order_each_once() -> None:
    got = [fault("a", "b", "carrier", "3.1"), fault("c", "d", "customer", "R-LED-5", "3.2")]
    want = [expected("c", "d", "customer", "R-LED-5"), expected("a", "b", "carrier")]
    assert match_faults(want, got)
    # the same expected fault twice cannot take one verdict fault twice
    assert not match_faults([want[1], want[1]], got)


def test_a_fault_fitting_two_expectations_is_left_to_the_one_that_needs_it() -> None:
    # got[0] fits both expectations, got[1] only the first: a greedy match would fail
    got = [fault("a", "b", "carrier", "3.1", "R-OPT-1"), fault("a", "b", "carrier", "3.1")]
    want = [expected("a", "b", "carrier", "3.1"), expected("a", "b", "carrier", "R-OPT-1")]
    assert match_faults(want, got)


def test_counts_segment_owner_and_rules_must_all_agree() -> None:
    got = [fault("a", "b", "carrier", "3.1")]
    assert not match_faults([], got)  # an unexpected fault
    assert not match_faults([expected("a", "b", "carrier"), expected("a", "b", "carrier")], got)
    assert not match_faults([expected("b", "a", "carrier")], got)  # direction of the span
    assert not match_faults([expected("a", "b", "customer")], got)
    assert not match_faults([expected("a", "b", "carrier", "R-AIS-1")], got)


def test_mismatches_name_each_difference() -> None:
    d = doc([fault("a", "b", "carrier", "3.1"), fault("c", "d", "customer", "R-LED-5")], context=3)
    ok = Expect(
        status="fault_localized",
        segment=seg("a", "b"),
        owner="carrier",
        rules=["3.1"],
        faults=[expected("c", "d", "customer"), expected("a", "b", "carrier", "3.1")],
        context_alarms=3,
    )
    assert mismatches("C-1", ok, d) == []
    wrong = ok.model_copy(
        update={
            "segment": seg("a", "c"),
            "rules": ["R-AIS-1"],
            "faults": [expected("a", "b", "carrier")],
            "context_alarms": 1,
        }
    )
    got = mismatches("C-1", wrong, d)
    assert (
        got[0] == "C-1: expected fault_localized a … c carrier, got fault_localized a … b carrier"
    )
    assert got[1].startswith("C-1: expected fault findings citing R-AIS-1;")
    assert got[2].startswith("C-1: expected faults a … b carrier []; got a … b carrier [3.1]; ")
    assert got[3] == "C-1: expected 1 context alarm(s), got 3"
    assert len(got) == 4
    # not given: not checked
    assert (
        mismatches("C-1", ok.model_copy(update={"faults": None, "context_alarms": None}), d) == []
    )
