"""The test network of tests/sweep_incidents (ring/inventory.yaml) diagnosed by the real analyzer.

A sweep shares one alarm snapshot per NMS: each circuit gets the snapshot's alarms on its own
path's NEs (as diag.sweep.shared filters it), the NMS poll that read them, and any answers given
for it; `diag.runner.build_document` then runs the whole analysis and builds the findings
document, exactly as `diag circuit` and `diag sweep` do.  Imported as a plain module, like
tests/analyzers/analyzer_helpers.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from diag.collectors.alarms.normalize import normalize
from diag.inventory import load_inventory
from diag.model.findings import FindingsDocument
from diag.model.inventory import Inventory
from diag.model.observations import (
    AlarmObservation,
    AnswerObservation,
    NmsPollObservation,
    Observation,
    Severity,
)
from diag.model.path import build_path
from diag.runner import Collected, build_document

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 23, 3, 15, tzinfo=UTC)
RAISED = datetime(2026, 11, 23, 3, 12, 41, tzinfo=UTC)


class Alarm(BaseModel):
    """One alarm of the NMS snapshot, as an NMS lists it: the vendor's name and the port."""

    model_config = ConfigDict(extra="forbid")

    name: str
    port: str | None = None
    severity: Severity | None = None


Snapshot = Mapping[str, Sequence[Alarm]]  # NE device name -> its active alarms


@cache
def ring() -> Inventory:
    return load_inventory(HERE / "ring")


def _alarm(inv: Inventory, device: str, a: Alarm, n: int) -> AlarmObservation:
    dev = inv.devices[device]
    meaning = normalize(a.name)  # what the NMS driver does with the vendor's name
    assert dev.nms and dev.ne_name, f"{device} is not managed by an NMS"
    return AlarmObservation(
        id=f"alarm-{n}",
        collector=f"nms:{dev.nms}",
        at=NOW,
        nms=dev.nms,
        ne=dev.ne_name,
        device=device,
        port=a.port,
        type=meaning.type,
        layer=meaning.layer,
        direction=meaning.direction,
        severity=a.severity or meaning.severity,
        probable_cause=meaning.probable_cause,
        raised=RAISED,
        vendor_name=a.name,
        known=meaning.known,
    )


def observations(
    inv: Inventory, circuit: str, snapshot: Snapshot, answers: Mapping[str, str] | None = None
) -> list[Observation]:
    """What a sweep gives one circuit: the snapshot's alarms on its NEs, the poll, answers."""
    path = build_path(inv.circuits[circuit], inv)
    mine = {e.id for e in path.elements}
    out: list[Observation] = []
    n = 0
    for device in sorted(snapshot):
        if device not in mine:
            continue
        for a in snapshot[device]:
            n += 1
            out.append(_alarm(inv, device, a, n))
    nes = sorted({e.ne_name for e in path.elements if e.ne_name})
    out.append(
        NmsPollObservation(
            id="nms-poll-1",
            collector="nms:nms-lab",
            at=NOW,
            nms="nms-lab",
            ok=True,
            nes=nes,
            active_alarms=n,
        )
    )
    for i, (key, value) in enumerate(sorted((answers or {}).items()), 1):
        out.append(
            AnswerObservation(
                id=f"answer-{i}",
                collector="answers:file",
                at=NOW,
                key=key,
                value=value,
                source="file",
            )
        )
    return out


def diagnose(
    inv: Inventory,
    snapshot: Snapshot,
    answers: Mapping[str, Mapping[str, str]] | None = None,
    circuits: Sequence[str] | None = None,
) -> list[FindingsDocument]:
    """Every circuit (or those named) diagnosed from the shared snapshot by the real analyzer."""
    docs = []
    for cid in circuits or sorted(inv.circuits):
        c = inv.circuits[cid]
        path = build_path(c, inv)
        got = Collected(
            observations=observations(inv, cid, snapshot, (answers or {}).get(cid)),
        )
        docs.append(
            build_document(c, path, got, started=NOW, ticket=None, operator="noc", finished=NOW)
        )
    return docs


class ExpectedIncident(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    circuits: list[str]
    span: dict[str, str] = Field(description="{from: ..., to: ...}")
    elements: list[str] | None = None
    links: list[str] | None = None
    owner: str | None = None
    rules: list[str] | None = None


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statuses: dict[str, str] = Field(description="what the analyzer must find, per circuit")
    incidents: list[ExpectedIncident]


class Case(BaseModel):
    """A case file of tests/sweep_incidents/cases/ (README.md there)."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=20)
    alarms: dict[str, list[Alarm]]
    answers: dict[str, dict[str, str]] = Field(default_factory=dict)
    expect: Expect
