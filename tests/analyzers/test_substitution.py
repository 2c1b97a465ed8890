"""Step 3.4 (R-SUB) from observations alone: the order of swaps, skipping what was swapped with no
change, and the part named when a swap cleared the fault; firing and non-firing cases."""

from __future__ import annotations

import pytest

from diag.analyzers import analyze
from diag.analyzers.context import Context
from diag.analyzers.rules.substitution import parts
from diag.analyzers.thresholds import defaults
from diag.model.findings import Finding
from diag.model.inventory import Inventory
from diag.model.observations import Observation
from diag.model.path import CircuitPath, Segment, build_path
from tests.analyzers.analyzer_helpers import answers, crc, of, ping, poll, run

B_IP = "10.9.0.2"


@pytest.fixture
def e1(lab_inventory: Inventory) -> CircuitPath:
    # lan-a, ok1-rtr-a, ok1-pdh-1, ok1-sdh-a, ok1-sdh-b, ok1-sdh-c, ok1-pdh-2, ok1-rtr-b, lan-b
    return build_path(lab_inventory.circuits["LAB-E1-OK1"], lab_inventory)


@pytest.fixture
def v35(lab_inventory: Inventory) -> CircuitPath:
    return build_path(lab_inventory.circuits["LAB-V35-1"], lab_inventory)


def persisting_at_b() -> list[Observation]:
    """Clean enough tests, fault still there: CRC growth at the B router, occasional loss."""
    return [crc("ok1-rtr-b", "Serial1/0/0:0", 20.0), ping("ok1-rtr-a", B_IP, 4.0)]


def order(findings: list[Finding]) -> Finding:
    (f,) = of(findings, "substitution-order")
    return f


# --------------------------------------------------------------------------- substitution-order


def test_parts_in_order_evidence_end_first(e1: CircuitPath) -> None:
    ctx = Context.build(e1, persisting_at_b(), defaults())
    assert [p.key for p in parts(ctx)] == [
        "b.swap.e1_cable",
        "a.swap.e1_cable",
        "swap.e1_line",
        "b.swap.transmission",
        "a.swap.transmission",
        "b.swap.customer_router",
        "a.swap.customer_router",
    ]
    assert parts(ctx)[0].segment == Segment(from_="ok1-pdh-2", to="ok1-rtr-b")


def test_clean_tests_and_persisting_fault_list_the_swaps(e1: CircuitPath) -> None:
    f = order(run(e1, [*persisting_at_b(), *answers(test__e1__ber="0")]))
    # a more specific rule explains the symptom here (the CRC growth at B): the swaps are the
    # next steps, not a fault
    assert (f.kind, f.procedure, f.confidence) == ("info", "R-SUB", 0.3)
    assert f.segment == Segment(from_="ok1-rtr-a", to="ok1-rtr-b")
    assert "ok1-pdh-2 and ok1-rtr-b" in f.title
    assert f.next_steps[0].startswith(
        "Swap 1 of 7: At Head office: replace the E1 cable / DDF jumper"
    )
    assert "b.swap.e1_cable=fixed|no-change" in f.next_steps[0]
    assert "manufacturer" in f.next_steps[-1]
    assert {e.observation for e in f.evidence} >= {"crc-growth-1", "ping-1", "answer-1"}


def test_swaps_with_no_change_are_skipped(e1: CircuitPath) -> None:
    obs = [
        *persisting_at_b(),
        *answers(
            test__e1__ber="0",
            b__swap__e1_cable="no-change",
            a__swap__e1_cable="no-change",
            swap__e1_line="no-change",
            swap__transmission="no-change",
        ),
    ]
    f = order(run(e1, obs))
    keys = [s.split(" report ")[-1] for s in f.next_steps[:-1]]
    assert keys == [
        "b.swap.customer_router=fixed|no-change.",
        "a.swap.customer_router=fixed|no-change.",
    ]
    assert "customer router ok1-rtr-b" in f.title
    assert f.segment == Segment(from_="ok1-rtr-a", to="ok1-rtr-b")
    assert "Swapped without change" in f.cause


def test_everything_swapped_turns_to_ancillary_facilities(e1: CircuitPath) -> None:
    obs = [
        *persisting_at_b(),
        *answers(
            test__e1__ber="0",
            b__swap__e1_cable="no-change",
            a__swap__e1_cable="no-change",
            swap__e1_line="no-change",
            swap__transmission="no-change",
            swap__customer_equipment="no-change",
        ),
    ]
    f = order(run(e1, obs))
    assert (f.kind, f.segment) == ("info", None)
    assert "20 cm" in f.next_steps[0]


def test_not_the_step_when_tests_are_not_clean(e1: CircuitPath) -> None:
    # errors on the channel: the BER finding leads
    assert (
        of(run(e1, [*persisting_at_b(), *answers(test__e1__ber="1e-4")]), "substitution-order")
        == []
    )
    # the online test points at an end: dispatch there (R-TEST-4)
    ddf = answers(test__e1__ber="0", test__ddf__errors_from="a")
    assert of(run(e1, [*persisting_at_b(), *ddf]), "substitution-order") == []
    # the line answers no ping at all: a hard fault, not "tests normal"
    dead = [ping("ok1-rtr-a", B_IP, 100.0), *answers(test__e1__ber="0")]
    assert of(run(e1, dead), "substitution-order") == []


def test_asks_for_the_ber_test_first(e1: CircuitPath) -> None:
    f = order(run(e1, persisting_at_b()))
    assert f.kind == "not_evaluated" and "test.e1.ber" in f.cause


def test_no_persisting_fault_no_substitution(e1: CircuitPath) -> None:
    clean = [ping("ok1-rtr-a", B_IP, 0.0), *answers(test__e1__ber="0")]
    assert of(run(e1, clean), "substitution-order") == []
    said_gone = [*persisting_at_b(), *answers(test__e1__ber="0", fault__persists="no")]
    assert of(run(e1, said_gone), "substitution-order") == []
    # the customer's word alone is enough to go on
    said = answers(test__e1__ber="0", fault__persists="yes")
    assert order(run(e1, said)).kind == "fault"


def test_v35_end_swaps_the_converter_with_the_pdh(v35: CircuitPath) -> None:
    obs = [crc("v35-rtr-a", "Serial0/1/0", 10.0), *answers(test__v35__ber="0")]
    ctx = Context.build(v35, obs, defaults())
    trans = next(p for p in parts(ctx) if p.key == "a.swap.transmission")
    assert trans.segment == Segment(from_="v35-conv-a", to="v35-pdh-1")
    assert "v35-conv-a and v35-pdh-1" in trans.what
    assert order(run(v35, obs)).kind == "fault"


# --------------------------------------------------------------------------- substitution-fixed


def test_the_swap_that_fixed_it_names_the_part(e1: CircuitPath) -> None:
    obs = [
        ping("ok1-rtr-a", B_IP, 0.0),
        *answers(test__e1__ber="0", swap__e1_line="no-change", b__swap__e1_cable="fixed"),
    ]
    findings, verdict = analyze(e1, [*obs, poll(e1)])
    (f,) = of(findings, "substitution-fixed")
    assert (f.kind, f.procedure, f.confidence) == ("fault", "R-SUB", 0.85)
    assert f.segment == Segment(from_="ok1-pdh-2", to="ok1-rtr-b")
    assert "manufacturer" in f.next_steps[0]
    assert f.evidence[0].text.startswith("b.swap.e1_cable = fixed")
    assert of(findings, "substitution-order") == []  # done: nothing left to order
    assert (verdict.status, verdict.segment) == ("fault_localized", f.segment)


def test_line_wide_router_key_takes_the_end_from_the_evidence(e1: CircuitPath) -> None:
    guessed = [crc("ok1-rtr-b", "Serial1/0/0:0", 20.0), *answers(swap__customer_router="fixed")]
    (f,) = of(run(e1, guessed), "substitution-fixed")
    assert (f.segment, f.confidence) == (Segment(from_="ok1-rtr-b", to="ok1-rtr-b"), 0.6)
    (g,) = of(run(e1, answers(swap__customer_router="fixed")), "substitution-fixed")
    assert (g.segment, g.confidence) == (Segment(from_="ok1-rtr-a", to="ok1-rtr-b"), 0.4)
    assert g.next_steps[0].startswith("Report at which end")


def test_two_fixes_reported_lower_the_confidence(e1: CircuitPath) -> None:
    both = of(
        run(e1, answers(a__swap__e1_cable="fixed", a__swap__transmission="fixed")),
        "substitution-fixed",
    )
    assert len(both) == 2 and all(f.confidence == 0.5 for f in both)
    assert all("not done one at a time" in f.cause for f in both)


def test_no_swap_reported_or_none_fixed(e1: CircuitPath) -> None:
    assert of(run(e1, []), "substitution-fixed") == []  # not applicable, not asked
    assert of(run(e1, answers(swap__e1_line="no-change")), "substitution-fixed") == []
