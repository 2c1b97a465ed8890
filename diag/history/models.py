"""What the history store answers: typed rows, chronic circuits, the experience base."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from diag.model.findings import Status
from diag.model.path import Owner, Segment


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HistoryRow(_Frozen):
    """One recorded diagnosis, as its indexed columns hold it (the document is kept beside)."""

    id: int
    circuit: str
    customer: str
    region: str | None = None
    started: datetime
    finished: datetime
    sweep_id: str | None = None
    status: Status
    segments: list[str] = Field(description='"from..to" of each verdict fault, headline first')
    owners: list[Owner] = Field(description="the owner of each verdict fault, same order")
    rules: list[str] = Field(description="rule ids of the verdict's faults, sorted, no repeats")
    headline: str = Field(description="verdict.summary")
    owner: Owner = Field("unknown", description="verdict.owner: the headline fault's owner")
    segment: Segment | None = Field(None, description="verdict.segment: the headline fault's")
    loss_pct: float | None = Field(None, description="the end-to-end test's loss (worst)")
    rtt_ms: float | None = Field(None, description="its RTT: median, else mean")
    crc_per_min: float | None = Field(None, description="WAN CRC growth per minute, worst end")
    ticket: str | None = None


ChronicReason = Literal["segment", "rule", "after-ticket"]


class Chronic(_Frozen):
    """A circuit whose fault keeps coming back (see docs/history.md for the counting rule)."""

    circuit: str
    customer: str
    reason: ChronicReason
    key: str = Field(description='the segment ("from..to") or the rule id that recurs')
    occurrences: int = Field(description="times the fault began anew (distinct diagnoses)")
    first: datetime = Field(description="the first of those beginnings in the window")
    last: datetime = Field(description="the latest beginning")
    diagnoses: list[int] = Field(description="ids of the diagnoses where it began, oldest first")
    ticket: str | None = Field(None, description="after-ticket: the closed ticket")
    closed: datetime | None = Field(None, description="after-ticket: the healthy re-run's time")
    containment_due: datetime | None = Field(
        None, description="after-ticket: recurrence time + 24 h (DOMAIN.md §4 containment plan)"
    )


class TicketHistory(_Frozen):
    """Every diagnosis recorded under one ticket, its closure and what recurred after it."""

    ticket: str
    circuits: list[str]
    diagnoses: list[HistoryRow] = Field(description="oldest first")
    closed: datetime | None = Field(None, description="the first healthy diagnosis of the ticket")
    recurrences: list[Chronic] = Field(default_factory=list)


SimilarMatch = Literal["rules", "segment-kind"]


class SimilarCase(_Frozen):
    """A past diagnosis of another circuit with the same symptom pattern."""

    match: SimilarMatch
    pattern: str = Field(description='the rule set ("a b") or the segment kind ("pdh..sdh")')
    row: HistoryRow


class Experience(_Frozen):
    """The experience base for one diagnosis (DOMAIN.md §4)."""

    circuit: str
    rules: list[str] = Field(description="the diagnosis's own fault rule set")
    segment_kinds: list[str] = Field(description='its faults\' segment kinds, "pdh..sdh"')
    same_circuit: list[HistoryRow] = Field(description="past diagnoses, most recent first")
    other_circuits: list[SimilarCase] = Field(
        description="rules matches first, then segment kind; most recent first; one per circuit"
    )
