"""Explicit state of transport NEs and customer-premises equipment in a lab scenario."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NeAlarm(_M):
    """An active alarm as the NE's NMS holds it."""

    name: str = Field(description="vendor alarm name, e.g. UP_E1_AIS, R_LOS, POWER_FAIL")
    port: str | None = Field(None, description="port location on the NE, as in the inventory hop")
    severity: Literal["critical", "major", "minor", "warning", "indeterminate"] = "major"
    raised: datetime = Field(description="when the alarm was raised (with time zone)")
    description: str | None = None


class NeState(_M):
    alarms: list[NeAlarm] = Field(default_factory=list)


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
