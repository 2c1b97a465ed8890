"""Incident grouping on real findings documents: every case of cases/ (README.md there) is a
sweep of the ring test network, diagnosed by the real analyzer, then grouped."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from diag.model.findings import FindingsDocument
from diag.sweep.incidents import FAILING, group_incidents
from diag.sweep.model import Incident
from tests.sweep_incidents.incident_network import Case, diagnose, ring

CASES = sorted((Path(__file__).resolve().parent / "cases").glob("*.yaml"))


def load(file: Path) -> Case:
    return Case.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))


def run(case: Case) -> tuple[list[FindingsDocument], list[Incident]]:
    inv = ring()
    docs = diagnose(inv, case.alarms, case.answers)
    return docs, group_incidents(inv, docs, sweep_id="SW-20261123T031500Z-ab12")


def test_there_are_cases() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize("file", CASES, ids=[f.stem for f in CASES])
def test_case(file: Path) -> None:
    case = load(file)
    docs, incidents = run(case)
    failing = {d.circuit.id: d.verdict.status for d in docs if d.verdict.status in FAILING}
    # the analyzer must see what the case is about, or the grouping proves nothing
    assert failing == case.expect.statuses, f"{file.name}: the analyzer found {failing}"

    got = [
        {
            "circuits": [c.circuit for c in i.circuits],
            "span": {"from": i.span.from_, "to": i.span.to},
        }
        for i in incidents
    ]
    want = [{"circuits": e.circuits, "span": e.span} for e in case.expect.incidents]
    assert got == want, f"{file.name}: incidents {got}"

    by_id = {d.circuit.id: d for d in docs}
    for n, (inc, exp) in enumerate(zip(incidents, case.expect.incidents, strict=True), 1):
        assert inc.id == f"INC-SW-20261123T031500Z-ab12-{n}"
        for name in ("elements", "links", "owner", "rules"):
            if getattr(exp, name) is not None:
                assert getattr(inc, name) == getattr(exp, name), f"{inc.id} {name}"
        # customers and statuses are the members' own, as their documents say
        assert inc.customers == sorted({by_id[c.circuit].circuit.customer for c in inc.circuits})
        for c in inc.circuits:
            assert c.status == by_id[c.circuit].verdict.status
            assert c.customer == by_id[c.circuit].circuit.customer
        # every rule named is a rule of a member's fault; the summary is one sentence
        member_rules = {
            r for c in inc.circuits for f in by_id[c.circuit].verdict.faults for r in f.rules
        }
        assert inc.rules and set(inc.rules) <= member_rules
        assert inc.summary.endswith(".") and "\n" not in inc.summary
        assert inc.span.from_ in inc.summary or inc.circuits[0].circuit in inc.summary

    # only failing circuits are grouped; a fault no other circuit shares stays its own ticket
    grouped = {c.circuit for i in incidents for c in i.circuits}
    assert grouped <= set(failing)
    assert all(len(i.circuits) >= 2 for i in incidents)


@pytest.mark.parametrize("file", CASES, ids=[f.stem for f in CASES])
def test_same_input_same_incidents_in_any_order(file: Path) -> None:
    case = load(file)
    docs, incidents = run(case)
    again = group_incidents(ring(), list(reversed(docs)), sweep_id="SW-20261123T031500Z-ab12")
    assert [i.model_dump() for i in again] == [i.model_dump() for i in incidents]


@pytest.mark.parametrize("file", CASES, ids=[f.stem for f in CASES])
def test_sorted_by_circuits_then_worst_status(file: Path) -> None:
    _, incidents = run(load(file))
    rank = {"fault_localized": 0, "fault_suspected": 1}
    keys = [(-len(i.circuits), min(rank[c.status] for c in i.circuits)) for i in incidents]
    assert keys == sorted(keys)
