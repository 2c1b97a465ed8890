"""The sweep document: what one NOC sweep did, beside the per-circuit findings documents.

Versioned like the findings document (`SWEEP_SCHEMA_VERSION`), additive changes only.  A sweep
document never repeats the circuits' findings: it names each circuit's status and where its
document is; the documents themselves are the findings schema, one per circuit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from diag.model.findings import Status
from diag.model.path import Owner, Segment

SWEEP_SCHEMA_VERSION: Literal["1.1"] = "1.1"
SweepState = Literal["running", "complete", "partial"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Selection(_M):
    """How the circuits were chosen (every field ANDed; empty = no restriction)."""

    ids: list[str] = Field(default_factory=list, description="circuit ids or globs")
    groups: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    nms: list[str] = Field(default_factory=list)
    customers: list[str] = Field(default_factory=list, description="customer names or globs")
    circuits: list[str] = Field(description="the circuit ids it resolved to, sorted")


class SnapshotFacts(_M):
    """One NMS's alarm snapshot, shared by every circuit on it."""

    nms: str
    driver: str
    ok: bool
    partial: bool = False
    started: datetime
    duration_s: float
    alarms: int = Field(description="alarms in the snapshot (active and cleared)")
    nes: int = Field(description="NEs of the sweep's circuits managed by this NMS")
    circuits: int = Field(description="circuits that used this snapshot")
    completeness: str | None = None
    error: str | None = None


class CircuitResult(_M):
    """One circuit's outcome in the sweep."""

    circuit: str
    status: Status | Literal["failed"]
    segment: Segment | None = None
    owner: Owner | None = None
    summary: str
    document: str | None = Field(None, description="the findings document's file, with --json")
    duration_s: float
    error: str | None = Field(None, description="status failed: why no document was built")


class IncidentCircuit(_M):
    circuit: str
    customer: str
    status: Status


class Incident(_M):
    """Circuits that failed in the same sweep on faults sharing a transport element or link."""

    id: str = Field(description="stable within the sweep: INC-<sweep>-<n>")
    span: Segment = Field(description="the common span: the narrowest segment all share")
    elements: list[str] = Field(description="the shared transport elements (NEs) of the span")
    links: list[str] = Field(description="the shared links of the span")
    owner: Owner
    confidence: float = Field(ge=0, le=1)
    circuits: list[IncidentCircuit]
    customers: list[str]
    rules: list[str]
    summary: str


class SweepCounts(_M):
    total: int
    healthy: int = 0
    fault_localized: int = 0
    fault_suspected: int = 0
    inconclusive: int = 0
    failed: int = 0
    not_run: int = Field(0, description="interrupted before the circuit was diagnosed")


class Distribution(_M):
    """How a distributed sweep (`diag sweep --distributed`, `diag scheduler`) was spread."""

    schedule: str | None = Field(None, description="the inventory's sweep that started it")
    tick: datetime | None = Field(None, description="the schedule's tick it ran for")
    regions: dict[str, int] = Field(description="region -> circuits it read part or all of")
    tasks: int = Field(description="tasks queued (batches of circuits, one region each)")
    cross_region: int = Field(0, description="circuits read in two or more regions, then joined")


class SweepDocument(_M):
    # 1.1 adds `distributed`; 1.0 documents (stored before) still read
    schema_version: Literal["1.0", "1.1"] = SWEEP_SCHEMA_VERSION
    id: str = Field(description="SW-YYYYMMDDTHHMMSSZ-xxxx")
    state: SweepState
    started: datetime
    finished: datetime | None = None
    resumed: list[datetime] = Field(default_factory=list, description="when --resume went on")
    interrupted_by: str | None = None
    host: str
    operator: str
    tool_version: str
    inventory: list[str] = Field(description="the inventory's source files")
    selection: Selection
    settings: dict[str, object] = Field(default_factory=dict, description="--set overrides")
    counts: SweepCounts
    snapshots: list[SnapshotFacts]
    incidents: list[Incident] = Field(default_factory=list)
    circuits: list[CircuitResult]
    failures: list[str] = Field(
        default_factory=list, description="what went wrong outside one circuit (an NMS, a pool)"
    )
    duration_s: float | None = None
    distributed: Distribution | None = Field(
        None, description="set when the sweep ran on workers (one queue per region)"
    )


def json_schema() -> dict[str, object]:
    """The sweep document's JSON Schema (committed as diag/schema/sweep.schema.json)."""
    schema = SweepDocument.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    # a URN: the schema is identified by name and version, not fetched from anywhere
    schema["$id"] = f"urn:diag:schema:sweep:{SWEEP_SCHEMA_VERSION}"
    return schema
