"""The findings document: one per circuit diagnosis, versioned, with a committed JSON Schema.

Bump SCHEMA_VERSION's major part on any change a consumer could trip on (a field removed,
renamed or retyped); the minor part on additions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from diag.i18n import Lang
from diag.model.inventory import LinkKind, Service
from diag.model.observations import CollectorRun, Observation
from diag.model.path import ElementKind, Owner, Segment

SCHEMA_VERSION: Literal["1.3"] = "1.3"

Status = Literal["healthy", "fault_localized", "fault_suspected", "inconclusive"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PathElementOut(_M):
    id: str
    kind: ElementKind
    label: str
    end: Literal["a", "b", "transport"]
    owner: Owner


class PathLinkOut(_M):
    id: str
    kind: LinkKind
    from_: str = Field(alias="from")
    to: str
    label: str


class CircuitOut(_M):
    id: str
    customer: str
    service: Service
    bandwidth: str
    a_site: str
    b_site: str
    path: list[PathElementOut]
    links: list[PathLinkOut]


class TicketOut(_M):
    number: str
    kind: Literal["complaint", "suggestion", "enquiry"]
    year: int | None = Field(None, description="two-digit year when the number carries one")
    month: int = Field(ge=1, le=12)
    serial: int


class SkippedReading(_M):
    """A reading diag did not take on purpose, and why (1.3)."""

    reading: Literal["crc_growth"] = Field(description="crc_growth: the second CRC sample")
    device: str
    reason: str = Field(description="--quick, or crc_sample_interval_s = 0")


class RunOut(_M):
    started: datetime
    finished: datetime
    tool_version: str
    host: str
    operator: str
    mode: Literal["live", "replay"] = "live"
    interrupted: bool = Field(False, description="Ctrl-C: the document holds what was collected")
    quick: bool = Field(
        False, description="--quick: no CRC growth read (no second sample, no wait)"
    )
    provisional: bool = Field(
        False,
        description="the verdict was made before the CRC window closed (interrupted during it): "
        "CRC growth not measured, not the final verdict",
    )
    skipped: list[SkippedReading] = Field(
        default_factory=list, description="readings not taken on purpose (--quick), and why"
    )


class Evidence(_M):
    observation: str | None = Field(None, description="id of the observation cited, if any")
    text: str


class Finding(_M):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    rule: str = Field(description="stable kebab-case rule id, e.g. ais-upstream-localize")
    procedure: str = Field(description="procedure reference in DOMAIN.md, e.g. R-AIS-1 or 3.1")
    kind: Literal["fault", "consequence", "not_evaluated", "info", "unreachable"] = Field(
        description="fault; consequence of a fault; not_evaluated (input missing); info; "
        "unreachable (management could not reach a source: never a line fault)"
    )
    title: str
    direction: Literal["a-to-b", "b-to-a"] | None = Field(
        None, description="signal direction the finding is about, when it has one"
    )
    segment: Segment | None
    owner: Owner
    confidence: float = Field(ge=0, le=1)
    cause: str
    evidence: list[Evidence]
    next_steps: list[str]


class Fault(_M):
    """One fault of the verdict (or, when none is localized, one ranked candidate)."""

    number: int = Field(ge=1, description="its number on the path picture and in the summary")
    segment: Segment
    owner: Owner
    confidence: float = Field(ge=0, le=1)
    rules: list[str] = Field(description="registered rule ids of the findings that make it")
    procedure: list[str] = Field(description="DOMAIN.md references, e.g. R-AIS-1, 3.1")
    direction: Literal["a-to-b", "b-to-a"] | None = None
    impact: Literal["outage", "degraded"] = Field(
        description="outage: the signal is interrupted; degraded: errors, loss, congestion"
    )
    summary: str = Field(description="one sentence: what, where, why")


class Verdict(_M):
    status: Status
    segment: Segment | None = Field(description="the headline fault's segment (faults[0])")
    owner: Owner = Field(description="the headline fault's owner")
    summary: str = Field(description="one sentence")
    faults: list[Fault] = Field(
        default_factory=list,
        description="fault_localized: every fault, the headline first (service impact, then "
        "confidence); fault_suspected: the ranked candidates, most specific first; else empty",
    )
    basis: list[str] = Field(
        default_factory=list, description="the decision-table row applied, and the evidence it read"
    )
    unread: list[str] = Field(
        default_factory=list, description="sources the decision needed and could not read"
    )


class ContextAlarm(_M):
    """An alarm on the path's NEs that does not count against this circuit."""

    observation: str
    element: str
    port: str | None
    alarm: str = Field(description="the vendor's alarm name")
    severity: str
    reason: Literal["other-port", "other-board", "no-port", "cleared"]
    text: str


class InventoryNote(_M):
    """An alarm on a port the inventory cannot place: not counted until the inventory says."""

    observation: str
    element: str
    port: str | None
    alarm: str
    text: str
    next_step: str


class CustomerSummary(_M):
    """What the customer is told: loss and latency first (they accept these, not BER)."""

    text: str
    loss_pct: float | None = None
    latency_ms: float | None = None
    measured_by: str | None = Field(None, description="which test gave the figures")


class Comparison(_M):
    """This diagnosis against an earlier one of the same circuit (the ticket's closing check)."""

    previous_started: datetime
    previous_status: Status
    cleared: list[str] = Field(description="faults and alarms gone since")
    persisting: list[str]
    new: list[str]
    summary: str


class FindingsDocument(_M):
    schema_version: Literal["1.3"] = SCHEMA_VERSION
    lang: Lang = Field("en", description="the language of the text fields: en or zh")
    circuit: CircuitOut
    ticket: TicketOut | None
    run: RunOut
    collectors: list[CollectorRun]
    observations: list[Observation]
    findings: list[Finding]
    verdict: Verdict
    context: list[ContextAlarm] = Field(
        default_factory=list, description="alarms on the path's NEs not counted, with the reason"
    )
    inventory_notes: list[InventoryNote] = Field(default_factory=list)
    customer_summary: CustomerSummary | None = None
    comparison: Comparison | None = None

    @field_validator("schema_version", mode="before")
    @classmethod
    def _older(cls, v: object) -> object:
        # 1.2 and 1.3 only added fields, each with a default (1.3: lang, "en" before it;
        # run.quick, run.provisional, run.skipped)
        return SCHEMA_VERSION if v in ("1.1", "1.2") else v

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


def json_schema() -> dict[str, object]:
    schema = FindingsDocument.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    # a URN: the schema is identified by name and version, not fetched from anywhere
    schema["$id"] = f"urn:diag:schema:findings:{SCHEMA_VERSION}"
    return schema
