"""The NetBox API objects diag reads, as typed models (NetBox 4.x JSON; unknown fields ignored).

Field names and nesting follow NetBox's REST API: nested objects in their brief form (`id`,
`url`, `display`, `name`/`slug`), cables' `a_terminations`/`b_terminations` as generic objects
(`object_type`, `object_id`), `custom_fields` as a mapping.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Obj(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Brief(Obj):
    id: int
    display: str = ""
    name: str | None = None
    slug: str | None = None
    cid: str | None = None


class BriefIp(Obj):
    id: int
    address: str


class NbDeviceType(Obj):
    id: int
    model: str
    manufacturer: Brief


class NbDevice(Obj):
    id: int
    name: str | None
    role: Brief | None = None
    device_role: Brief | None = None  # NetBox before 3.6
    device_type: NbDeviceType
    platform: Brief | None = None
    primary_ip: BriefIp | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class NbInterface(Obj):
    id: int
    name: str
    device: Brief


class Generic(Obj):
    object_type: str
    object_id: int


class NbCable(Obj):
    id: int
    a_terminations: list[Generic] = Field(default_factory=list)
    b_terminations: list[Generic] = Field(default_factory=list)
    type: str | None = None
    label: str = ""
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class NbSite(Obj):
    id: int
    name: str
    physical_address: str = ""


class NbIp(Obj):
    id: int
    address: str
    assigned_object_type: str | None = None
    assigned_object_id: int | None = None


class NbCircuit(Obj):
    id: int
    cid: str
    provider: Brief
    type: Brief
    tenant: Brief | None = None
    commit_rate: int | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class NbTermination(Obj):
    id: int
    circuit: Brief
    term_side: Literal["A", "Z"]
    termination_type: str | None = None
    termination_id: int | None = None
    site: Brief | None = None  # NetBox before 4.2
    cable: Brief | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)
