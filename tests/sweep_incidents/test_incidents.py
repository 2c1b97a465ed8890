"""group_incidents beyond the case table: ports the inventory does not give, circuits it no
longer holds, a circuit diagnosed twice, the confidence rule, nothing failing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml

from diag.model.findings import FindingsDocument
from diag.model.inventory import Inventory
from diag.sweep.incidents import group_incidents
from tests.sweep_incidents.incident_network import NOW, Case, diagnose, ring

CASES = Path(__file__).resolve().parent / "cases"
SWEEP = "SW-20261123T031500Z-ab12"


def docs_of(case: str) -> list[FindingsDocument]:
    c = Case.model_validate(yaml.safe_load((CASES / f"{case}.yaml").read_text()))
    return diagnose(ring(), c.alarms, c.answers)


def without_ports(inv: Inventory, circuit: str) -> Inventory:
    c = inv.circuits[circuit]
    hops = [h.model_copy(update={"a_port": None, "b_port": None}) for h in c.transport]
    circuits = {**inv.circuits, circuit: c.model_copy(update={"transport": hops})}
    return inv.model_copy(update={"circuits": circuits})


def groups(inv: Inventory, docs: list[FindingsDocument]) -> list[list[str]]:
    return [[c.circuit for c in i.circuits] for i in group_incidents(inv, docs, sweep_id=SWEEP)]


def test_a_hop_without_ports_is_the_one_named_fibre_between_its_nes() -> None:
    docs = docs_of("ring-cut-one-incident")
    inv = without_ports(ring(), "RING-3")
    # one fibre between r1-sdh-c and r1-sdh-d is named by the others: RING-3's is that one
    assert groups(inv, docs)[0] == ["RING-1", "RING-2", "RING-3"]


def test_a_hop_without_ports_joins_neither_of_two_named_fibres() -> None:
    docs = docs_of("parallel-fibres-same-stations")
    # RING-6 rides the other fibre between the same stations: alone, it is no incident
    assert groups(ring(), docs) == [["RING-1", "RING-2", "RING-3"]]
    inv = without_ports(ring(), "RING-3")
    # the STM-4 and the STM-1 both run C–D: which one RING-3 rides is unknown, so it stays apart
    # rather than merging the two cuts through it
    assert groups(inv, docs) == [["RING-1", "RING-2"]]


def test_a_circuit_the_inventory_no_longer_holds_groups_by_its_document() -> None:
    docs = docs_of("ring-cut-one-incident")
    inv = ring()
    gone = inv.model_copy(
        update={"circuits": {k: v for k, v in inv.circuits.items() if k != "RING-2"}}
    )
    assert groups(gone, docs)[0] == ["RING-1", "RING-2", "RING-3"]


def test_a_circuit_diagnosed_twice_counts_once_by_its_latest_diagnosis() -> None:
    cut = docs_of("ring-cut-one-incident")
    calm = {d.circuit.id: d for d in docs_of("customer-faults-stay-apart")}
    later = calm["RING-2"].model_copy(
        update={
            "run": calm["RING-2"].run.model_copy(update={"started": NOW + timedelta(minutes=5)})
        }
    )
    # RING-2 was re-diagnosed after the cut's sweep pass and found not failing: it leaves the
    # incident; given first or last, the later diagnosis wins
    for docs in ([*cut, later], [later, *cut]):
        assert groups(ring(), docs)[0] == ["RING-1", "RING-3"]


def test_confidence_is_the_mean_of_the_members() -> None:
    docs = docs_of("ring-cut-one-incident")
    one = next(d for d in docs if d.circuit.id == "RING-3")
    weak = one.verdict.faults[0].model_copy(update={"confidence": 0.3})
    docs = [
        d
        if d is not one
        else d.model_copy(update={"verdict": d.verdict.model_copy(update={"faults": [weak]})})
        for d in docs
    ]
    inc = group_incidents(ring(), docs, sweep_id=SWEEP)[0]
    assert [c.circuit for c in inc.circuits] == ["RING-1", "RING-2", "RING-3"]
    assert inc.confidence == round((0.9 + 0.9 + 0.3) / 3, 2)


def test_nothing_failing_no_incident() -> None:
    docs = diagnose(ring(), {})
    assert {d.verdict.status for d in docs} <= {"healthy", "inconclusive"}
    assert group_incidents(ring(), docs, sweep_id=SWEEP) == []
