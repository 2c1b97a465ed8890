"""Explicit state of transport NEs and customer-premises equipment in a lab scenario."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NeAlarm(_M):
    """An active alarm as the NE's NMS holds it."""

    name: str = Field(description="vendor alarm name, e.g. UP_E1_AIS, R_LOS, POWER_FAIL")
    port: str | None = Field(None, description="port location on the NE, as in the inventory hop")
    severity: Literal["critical", "major", "minor", "warning", "indeterminate"] = "major"
    raised: datetime = Field(description="when the alarm was raised (with time zone)")
    cleared: datetime | None = Field(
        None,
        description="when the alarm cleared (with time zone); the NMS then lists it as a "
        "cleared (historical) alarm, not an active one",
    )
    description: str | None = None

    @field_validator("raised", "cleared")
    @classmethod
    def _zoned(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("write the time with its zone, e.g. 2026-11-22T08:14:03+08:00")
        return value

    @model_validator(mode="after")
    def _order(self) -> NeAlarm:
        if self.cleared is not None and self.cleared < self.raised:
            raise ValueError(f"cleared ({self.cleared}) is before raised ({self.raised})")
        return self

    @property
    def active(self) -> bool:
        return self.cleared is None


class E1LineState(_M):
    """One E1 port as the NE's own SNMP agent reports it over DS1-MIB (NE polled directly)."""

    port: str = Field(description="port name, as in the inventory (ifName / ifDescr)")
    status: list[str] = Field(
        default_factory=list,
        description="dsx1LineStatus bit names: RcvAIS LossOfSignal LossOfFrame RcvFarEndLOF "
        "XmtFarEndLOF LoopbackState ...; empty means NoAlarm",
    )
    counters: dict[str, int] = Field(
        default_factory=dict,
        description="current 15-min interval at lab start: es ses sefs uas css pcv les bes dm lcv",
    )
    growth_per_min: dict[str, float] = Field(
        default_factory=dict, description="increase per minute of lab time, same names"
    )
    if_index: int | None = Field(None, ge=1, description="default: numbered in port order")

    @model_validator(mode="after")
    def _names(self) -> E1LineState:
        from diag.lab.ne_agent import DSX1_SHORT_NAMES, line_status_bits

        line_status_bits(self.status)  # raises ValueError naming the unknown bit
        for field, values in (("counters", self.counters), ("growth_per_min", self.growth_per_min)):
            unknown = sorted(set(values) - set(DSX1_SHORT_NAMES))
            if unknown:
                raise ValueError(
                    f"{field}: unknown counter(s) {', '.join(unknown)}; known: "
                    f"{', '.join(DSX1_SHORT_NAMES)}"
                )
        return self


class NeState(_M):
    alarms: list[NeAlarm] = Field(
        default_factory=list,
        description="what the NE's NMS holds: active alarms, and cleared ones (with `cleared`)",
    )
    e1_lines: list[E1LineState] = Field(
        default_factory=list,
        description="E1 ports served by the NE's own DS1-MIB agent (needs snmp + mgmt)",
    )

    @field_validator("e1_lines")
    @classmethod
    def _unique(cls, lines: list[E1LineState]) -> list[E1LineState]:
        ports = [line.port for line in lines]
        dup = sorted({p for p in ports if ports.count(p) > 1})
        if dup:
            raise ValueError(f"port(s) listed twice: {', '.join(dup)}")
        return lines


class NmsState(_M):
    """How a lab NMS behaves."""

    silent: bool = Field(
        False,
        description="the NMS's UDP port is bound but every request is dropped (an NMS that is "
        "down, or a firewall in between): diag must report it unreadable",
    )


def _yaml_bool(value: object) -> object:
    # YAML 1.1 reads unquoted on/off as booleans; lamps are naturally written that way.
    if isinstance(value, bool):
        return "on" if value else "off"
    return value


LampState = Annotated[
    Literal["on", "off", "flashing", "flashing-abnormal", "blinking-in-unison"],
    BeforeValidator(_yaml_bool),
]


class CpeState(_M):
    """Lamps of customer-premises equipment as the person on site would report them."""

    lamps: dict[str, LampState] = Field(default_factory=dict)
