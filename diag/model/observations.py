"""Observations: what collectors saw, typed and timestamped, with the raw evidence kept.

Collectors never interpret; analyzers never do I/O.  Each observation has a stable `id` within a
document so findings can cite it as evidence.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Obs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="stable within the document, e.g. alarm-3")
    collector: str = Field(description="collector name that produced it")
    at: datetime = Field(description="when it was observed (UTC)")


class AlarmDirection(StrEnum):
    """The vendor's own direction wording, kept as reported.

    `up`/`down` are the UP_/DOWN_ of E1_AIS (upstream = the tributary signal arriving from the
    customer side, downstream = the signal the NE sends towards the customer side);
    `receive`/`transmit` for receive/transmit-side alarms (R_LOS, ...); `none` when the alarm
    carries no direction.  Huawei's T_ prefix (T_ALOS) means *tributary*, not transmit.
    """

    up = "up"
    down = "down"
    receive = "receive"
    transmit = "transmit"
    none = "none"


class Severity(StrEnum):
    critical = "critical"
    major = "major"
    minor = "minor"
    warning = "warning"
    indeterminate = "indeterminate"
    cleared = "cleared"


class AlarmObservation(Obs):
    """One active alarm read from an NMS, normalised, with the vendor's words kept."""

    kind: Literal["nms_alarm"] = "nms_alarm"
    nms: str
    ne: str = Field(description="the NE name as the NMS reports it")
    device: str | None = Field(None, description="inventory device name, when the NE is known")
    port: str | None = None
    type: str = Field(
        description="canonical type: AIS, LOS, LOF, RDI, RAI, POWER_FAIL, ... or UNKNOWN"
    )
    layer: str = Field(description="E1, VC12, VC4, MS, RS, OPTICAL, EQUIPMENT, ...")
    direction: AlarmDirection
    severity: Severity
    probable_cause: str | None = Field(None, description="ITU-ALARM-TC / X.733 probable cause name")
    raised: datetime | None = None
    vendor_name: str = Field(description="the alarm name exactly as the NMS gave it")
    known: bool = Field(True, description="False when the vendor name is not in the table")
    raw: dict[str, str] = Field(default_factory=dict, description="varbinds as read: OID -> value")


class NmsPollObservation(Obs):
    """That an NMS was (or was not) read for a set of NEs, so 'no alarm' is evidence too."""

    kind: Literal["nms_poll"] = "nms_poll"
    nms: str
    ok: bool
    nes: list[str] = Field(description="NE names asked about")
    active_alarms: int = 0
    error: str | None = None


Observation = Annotated[AlarmObservation | NmsPollObservation, Field(discriminator="kind")]


class CollectorRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    target: str
    ok: bool
    error: str | None = None
    started: datetime
    duration_s: float
